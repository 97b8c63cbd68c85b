"""Alert rules as a JSON file, so an MSP copies a rule set from one tenant to another.

What differs between tenants is written by name, not id: the NinjaOne instance a rule is scoped to
(``instance``; ``null`` = every instance), NinjaOne organizations (their ids are numbered per
instance: a rule's are named in its instance) and host users (assignee, people to notify).
Everything else is the stored rule as it is.

Importing finds each rule's instance by name among the target tenant's live instances; ``instance``
(``--instance NAME|ID``) overrides it: every rule scoped to some instance, or naming organizations or
roles, goes to that one, and all-instances rules stay so. A rule with no instance that names
organizations or roles (a version 1 file) gets the tenant's only instance, and needs ``instance``
when it has several. Importing resolves the names in the target tenant and then validates every rule
through :func:`.rule_store.check_rule` — the very path the rule form's saves take — so a file cannot
hold a rule the form would refuse. Errors name the rule and the field, and an import is all or
nothing: one bad rule and nothing is written.

File shape (``version`` 2; version 1 files, without ``instance``, still import)::

    {"format": "flask-ninjaone/alert-rules", "version": 2,
     "rules": [{"name": "...", "instance": "beta", "active": true, "catch_all": false,
                "conditions": {..., "organizations": ["Acme Corp"]},
                "actions": {..., "assignee": "Tomás Reyes", "notify": ["Val Chen"]}}]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields
from marshmallow.validate import Equal, Length, OneOf
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..connection.instances import InstanceError, instance_for, tenant_instances
from ..host import UserRef
from ..models import Integration, OrganizationMapping
from ..state import get_state
from ..unit_of_work import rolls_back_on
from . import rule_store
from .rule_store import RuleDraft, RuleError
from .rules import INSTANCE_SPECIFIC, MAX_VALUES

FORMAT = "flask-ninjaone/alert-rules"
VERSION = 2
#: The versions an import reads (1: before rules had an instance scope).
READABLE_VERSIONS = (1, 2)
#: Largest file accepted (a few hundred rules fit comfortably).
MAX_FILE_BYTES = 512 * 1024
#: Most rules one file may hold.
MAX_RULES = 500


class RuleFileError(ValueError):
    """The file cannot be imported; ``lines`` says why, each naming the rule and field."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


class _RuleEntrySchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=Length(min=1, max=255))
    instance = fields.String(load_default=None, allow_none=True, validate=Length(max=255))
    active = fields.Boolean(load_default=True)
    catch_all = fields.Boolean(load_default=False)
    conditions = fields.Dict(keys=fields.String(), load_default=dict)
    actions = fields.Dict(keys=fields.String(), load_default=dict)


class _RuleFileSchema(Schema):
    class Meta:
        unknown = RAISE

    format = fields.String(required=True, validate=Equal(FORMAT, error=f"must be {FORMAT!r}"))
    version = fields.Integer(
        strict=True, required=True, validate=OneOf(READABLE_VERSIONS, error="must be 1 or 2")
    )
    exported_at = fields.String(load_default=None, allow_none=True)
    rules = fields.List(fields.Dict(), required=True, validate=Length(max=MAX_RULES))


@dataclass(frozen=True)
class _Names:
    """The target tenant's live instances, each one's organizations, and its users by name
    (casefolded), to resolve a file; ``override`` is the instance ``--instance`` chose."""

    instances: dict[str, list[int]]
    organizations: dict[int, dict[str, list[int]]]
    users: dict[str, list[str]]
    only: int | None
    override: int | None

    @classmethod
    def of(cls, session: Session, tenant_id: str, override: int | None) -> _Names:
        live = tenant_instances(session)
        instances: dict[str, list[int]] = {}
        organizations: dict[int, dict[str, list[int]]] = {}
        for row in live:
            instances.setdefault(row.name.strip().casefold(), []).append(row.id)
            named = organizations[row.id] = {}
            for org_id, name in _organization_rows(session, row.id):
                named.setdefault(name.strip().casefold(), []).append(org_id)
        users: dict[str, list[str]] = {}
        for user in get_state().host.list_users(tenant_id):
            users.setdefault(user.name.strip().casefold(), []).append(user.id)
        return cls(instances, organizations, users, live[0].id if len(live) == 1 else None, override)


def _organization_rows(session: Session, integration_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of instance ``integration_id``'s organizations (``None``: every instance's)."""
    query = select(OrganizationMapping.organization_id, OrganizationMapping.name).where(
        OrganizationMapping.deleted_at.is_(None)
    )
    if integration_id is not None:
        query = query.where(OrganizationMapping.integration_id == integration_id)
    return [(org_id, name) for org_id, name in session.execute(query)]


# -- export ----------------------------------------------------------------------------------------------


def export_rules(
    session: Session, tenant_id: str, *, exported_at: str | None = None, instance_id: int | None = None
) -> dict[str, Any]:
    """The bound tenant's rules in evaluation order, ids swapped for names (the instance too: its id
    differs between installations); with ``instance_id``, only the rules that handle that instance's
    alerts (scoped to it, or to every instance)."""
    instances = {row.id: row.name for row in session.scalars(select(Integration))}
    organizations: dict[int | None, dict[int, str]] = {}
    users = {user.id: user.name for user in get_state().host.list_users(tenant_id)}
    rules = []
    for rule in rule_store.ordered_rules(session):
        if instance_id is not None and rule.integration_id not in (None, instance_id):
            continue
        conditions = dict(rule.conditions or {})
        actions = dict(rule.actions or {})
        scope = rule.integration_id
        if scope not in organizations:
            organizations[scope] = dict(_organization_rows(session, scope))
        org_ids = conditions.pop("organization_ids", []) or []
        conditions["organizations"] = [organizations[scope].get(org_id, f"#{org_id}") for org_id in org_ids]
        assignee = actions.pop("assignee_id", None)
        actions["assignee"] = users.get(assignee, f"#{assignee}") if assignee else None
        notify = actions.pop("notify_user_ids", []) or []
        actions["notify"] = [users.get(user_id, f"#{user_id}") for user_id in notify]
        rules.append(
            {
                "name": rule.name,
                "instance": instances.get(scope, f"#{scope}") if scope is not None else None,
                "active": rule.active,
                "catch_all": rule.catch_all,
                "conditions": conditions,
                "actions": actions,
            }
        )
    return {"format": FORMAT, "version": VERSION, "exported_at": exported_at, "rules": rules}


def dump(document: dict[str, Any]) -> str:
    """The file's text: stable key order, readable, UTF-8 names kept."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# -- import ----------------------------------------------------------------------------------------------


def _resolve(names: dict[str, list[Any]], value: object, what: str) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected the name of a {what}, got {json.dumps(value)[:60]}")
    found = names.get(value.strip().casefold(), [])
    if not found:
        raise ValueError(f"no {what} named “{value[:80]}” in this tenant")
    if len(found) > 1:
        raise ValueError(f"{len(found)} {what}s are named “{value[:80]}”: rename one to import this rule")
    return found[0]


def _resolve_list(names: dict[str, list[Any]], values: object, what: str, errors: list[str]) -> list[Any]:
    if not isinstance(values, list) or len(values) > MAX_VALUES:
        errors.append(f"expected a list of at most {MAX_VALUES} {what} names")
        return []
    resolved = []
    for value in values:
        try:
            resolved.append(_resolve(names, value, what))
        except ValueError as exc:
            errors.append(str(exc))
    return resolved


def _scope(entry: dict[str, Any], names: _Names) -> int | None:
    """The instance the entry's rule goes to (see the module docstring); raises ``ValueError``."""
    conditions = entry["conditions"]
    needs_one = bool(conditions.get("organizations")) or any(conditions.get(key) for key in INSTANCE_SPECIFIC)
    if names.override is not None:
        return names.override if entry["instance"] is not None or needs_one else None
    if entry["instance"] is not None:
        return int(_resolve(names.instances, entry["instance"], "NinjaOne instance"))
    if needs_one and names.only is None:
        raise ValueError(
            "organizations and roles are numbered per NinjaOne instance: name the rule's “instance”, "
            "or choose one for the whole file (--instance)"
        )
    return names.only if needs_one else None


def _draft(entry: dict[str, Any], names: _Names) -> RuleDraft:
    """One entry of the file as a rule of this tenant; raises ``RuleError`` naming the fields."""
    conditions = dict(entry["conditions"])
    actions = dict(entry["actions"])
    problems: dict[str, list[str]] = {}
    try:
        scope = _scope(entry, names)
    except ValueError as exc:
        problems["instance"] = [str(exc)]
        scope = None
    for key in ("organization_ids",):
        if key in conditions:
            problems[f"conditions.{key}"] = ["ids differ between tenants: name them in “organizations”"]
    for key in ("assignee_id", "notify_user_ids"):
        if key in actions:
            problems[f"actions.{key}"] = ["ids differ between tenants: use “assignee” / “notify” with names"]
    errors: list[str] = []
    organizations = names.organizations.get(scope, {}) if scope is not None else {}
    wanted = conditions.pop("organizations", [])
    conditions["organization_ids"] = (
        [] if "instance" in problems else _resolve_list(organizations, wanted, "organization", errors)
    )
    if errors:
        problems["conditions.organizations"] = errors
    assignee = actions.pop("assignee", None)
    actions["assignee_id"] = None
    if assignee is not None:
        try:
            actions["assignee_id"] = _resolve(names.users, assignee, "user")
        except ValueError as exc:
            problems["actions.assignee"] = [str(exc)]
    errors = []
    actions["notify_user_ids"] = _resolve_list(names.users, actions.pop("notify", []), "user", errors)
    if errors:
        problems["actions.notify"] = errors
    if problems:
        raise RuleError("unknown names", problems)
    return rule_store.check_rule(
        RuleDraft(entry["name"], conditions, actions, entry["active"], entry["catch_all"], scope)
    )


def _lines(prefix: str, messages: Any) -> list[str]:
    return [f"{prefix}: {line}" for line in rule_store.error_lines(RuleError("", messages))]


def parse_rules(
    session: Session, tenant_id: str, raw: bytes | str, *, instance: str | None = None
) -> list[RuleDraft]:
    """Every rule of a file, resolved and validated for the bound tenant; raises ``RuleFileError``
    listing every problem (with the rule's number and name) when any rule is not importable.
    ``instance`` (a name or id, ``--instance``) is where the file's scoped rules go instead of the
    instances they name."""
    override = None
    if instance is not None:
        try:
            chosen = instance_for(session, instance)
        except InstanceError as exc:
            raise RuleFileError([str(exc)]) from None
        override = chosen.id if chosen is not None else None
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > MAX_FILE_BYTES:
        raise RuleFileError([f"The file is {len(data):,} bytes; at most {MAX_FILE_BYTES:,} are accepted."])
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RuleFileError([f"The file is not JSON: {exc}"]) from None
    if not isinstance(document, dict):
        raise RuleFileError(["The file must hold a JSON object with a “rules” list."])
    try:
        top = _RuleFileSchema().load(document)
    except ValidationError as exc:
        raise RuleFileError(_lines("file", exc.messages)) from None
    names = _Names.of(session, tenant_id, override)
    drafts: list[RuleDraft] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, raw_entry in enumerate(top["rules"], start=1):
        label = f"rule {number}"
        try:
            entry = _RuleEntrySchema().load(raw_entry)
        except ValidationError as exc:
            errors += _lines(label, exc.messages)
            continue
        label = f"rule {number} “{entry['name'][:80]}”"
        key = entry["name"].strip().casefold()
        if key in seen:
            errors.append(f"{label}: name: the file already has a rule of this name (rule {seen[key]})")
            continue
        seen[key] = number
        try:
            drafts.append(_draft(entry, names))
        except RuleError as exc:
            errors += _lines(label, exc.messages)
    if errors:
        raise RuleFileError(errors)
    return drafts


@rolls_back_on(RuleFileError)
def import_rules(
    session: Session, tenant_id: str, raw: bytes | str, *, replace: bool, user: UserRef | None = None,
    remote_addr: str | None = None, dry_run: bool = False, instance: str | None = None,
) -> list[RuleDraft]:  # fmt: skip
    """Parse and, unless ``dry_run``, write the file's rules (all or none); returns the drafts. A
    refused file (:class:`RuleFileError`) rolls the session back: nothing of it stays. ``instance``:
    see :func:`parse_rules`."""
    drafts = parse_rules(session, tenant_id, raw, instance=instance)
    try:
        if not replace:
            rule_store.check_new_names(session, drafts)
        if not dry_run:
            actor = rule_store.Actor(user=user, remote_addr=remote_addr)
            rule_store.import_rules(session, drafts, replace=replace, actor=actor)
    except RuleError as exc:
        raise RuleFileError(rule_store.error_lines(exc)) from None
    return drafts
