"""Alert rules and maintenance windows: create, change, order, delete — validated and audited.

Every change is validated through the schemas of :mod:`.rules` / :mod:`.maintenance`, written with an
audit entry (who, what, before/after) in the same transaction, and committed.

The instance scope (``integration_id``) of a rule or window is checked here too (:func:`instance_scope`):
only one of the tenant's live instances, and never "every instance" for a rule naming organization or
role ids, or a window naming an organization or device, which are numbered per instance (a tenant with
one instance gets that one without being asked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..connection.instances import tenant_instances
from ..host import UserRef
from ..models import AlertRule, Device, MaintenanceWindow
from ..tenancy import get_scoped
from ..unit_of_work import rolls_back_on, unit_of_work
from .maintenance import validate_window
from .rules import names_instance_ids, validate_actions, validate_conditions


class RuleError(ValueError):
    """A rule or window change that cannot be made; ``messages`` maps fields to their errors."""

    def __init__(self, message: str, messages: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.messages = messages or {}


@dataclass(frozen=True)
class Actor:
    """Who changes a rule, for the audit log."""

    user: UserRef | None = None
    remote_addr: str | None = None


def _flatten(messages: Any, prefix: str = "") -> list[str]:
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            out += _flatten(value, f"{prefix}{key}: " if not isinstance(key, int) else prefix)
        return out
    if isinstance(messages, list):
        return [line for item in messages for line in _flatten(item, prefix)]
    return [f"{prefix}{messages}"]


def error_lines(exc: ValidationError | RuleError) -> list[str]:
    """Readable lines of a validation error (for flash messages and the CLI)."""
    return _flatten(exc.messages) or [str(exc)]


def ordered_rules(session: Session) -> list[AlertRule]:
    """Rules in evaluation order: ordinary ones by position, catch-alls last."""
    return list(
        session.scalars(select(AlertRule).order_by(AlertRule.catch_all, AlertRule.position, AlertRule.id))
    )


def _name(value: str | None) -> str:
    """The rule's name, trimmed; one printable line (a NUL byte, say, is text PostgreSQL cannot store)."""
    name = (value or "").strip()
    if not name or len(name) > 255:
        raise RuleError("A rule needs a name of at most 255 characters.", {"name": ["Give the rule a name."]})
    if not name.isprintable():
        raise RuleError("A rule's name is one line of printable text.", {"name": ["No control characters."]})
    return name


def _validated(conditions: dict[str, Any], actions: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    errors: dict[str, Any] = {}
    try:
        conditions = validate_conditions(conditions)
    except ValidationError as exc:
        errors["conditions"] = exc.messages
    try:
        actions = validate_actions(actions)
    except ValidationError as exc:
        errors["actions"] = exc.messages
    if errors:
        raise RuleError("The rule is not valid.", errors)
    return conditions, actions


def check_scope(session: Session, integration_id: int | None, conditions: dict[str, Any]) -> int | None:
    """The instance scope to save for a rule's validated ``conditions`` (see :func:`instance_scope`)."""
    return instance_scope(
        session,
        integration_id,
        names_ids=names_instance_ids(conditions),
        subject="rule",
        ids="Organization and role ids",
    )


def instance_scope(
    session: Session, integration_id: int | None, *, names_ids: bool, subject: str, ids: str
) -> int | None:
    """The instance scope to save for a rule or window (``subject``): ``integration_id`` when it is one
    of the bound tenant's live instances; for ``None``, every instance, unless it ``names_ids`` of one
    (``ids``, numbered per instance: then the tenant's only instance, or :class:`RuleError` asking
    which one)."""
    live = tenant_instances(session)
    invalid = f"The {subject} is not valid."
    if integration_id is not None:
        if integration_id not in {row.id for row in live}:
            raise RuleError(invalid, {"instance": ["No such NinjaOne instance here."]})
        return integration_id
    if not names_ids:
        return None
    if len(live) == 1:
        return live[0].id
    raise RuleError(
        invalid,
        {"instance": [f"{ids} are numbered per NinjaOne instance: choose the instance they belong to "
                      f"(an all-instances {subject} cannot name them)."]},
    )  # fmt: skip


def _snapshot(rule: AlertRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "integration_id": rule.integration_id,
        "active": rule.active,
        "catch_all": rule.catch_all,
        "position": rule.position,
        "conditions": rule.conditions,
        "actions": rule.actions,
    }


def _audit(
    session: Session, action: str, actor: Actor, target_type: str, target_id: int, detail: dict[str, Any]
) -> None:
    audit.record(
        session,
        action,
        user=actor.user,
        target_type=target_type,
        target_id=str(target_id),
        remote_addr=actor.remote_addr,
        detail=detail,
    )


@rolls_back_on(RuleError)
def create_rule(
    session: Session,
    *,
    name: str,
    conditions: dict[str, Any],
    actions: dict[str, Any],
    active: bool = True,
    catch_all: bool = False,
    integration_id: int | None = None,
    actor: Actor = Actor(),
) -> AlertRule:
    """Add a rule at the end of the list (catch-alls are evaluated last wherever they are), for the
    alerts of instance ``integration_id`` (``None``: every instance's, see :func:`check_scope`)."""
    draft = RuleDraft(name, conditions, actions, active, catch_all, integration_id)
    rule = _add_rule(session, draft, actor)
    session.commit()
    return rule


def _add_rule(session: Session, draft: RuleDraft, actor: Actor) -> AlertRule:
    """Validate and add one rule at the end of the list, audited, without committing."""
    checked = check_rule(draft)
    scope = check_scope(session, checked.integration_id, checked.conditions)
    last = session.scalar(select(func.max(AlertRule.position))) or 0
    rule = AlertRule(
        integration_id=scope,
        name=checked.name,
        conditions=checked.conditions,
        actions=checked.actions,
        active=checked.active,
        catch_all=checked.catch_all,
        position=last + 1,
    )
    session.add(rule)
    session.flush()
    _audit(session, "alert_rule.created", actor, "alert_rule", rule.id, _snapshot(rule))
    return rule


@dataclass(frozen=True)
class RuleDraft:
    """A rule to write, with ids already resolved (what an import file becomes)."""

    name: str
    conditions: dict[str, Any]
    actions: dict[str, Any]
    active: bool = True
    catch_all: bool = False
    #: The instance whose alerts it handles (``None``: every instance's).
    integration_id: int | None = None


def check_rule(draft: RuleDraft) -> RuleDraft:
    """The draft as it would be saved (name trimmed, conditions and actions normalized); raises
    :class:`RuleError` exactly as saving it from the form would (the scope is checked on writing,
    :func:`check_scope`, which needs the tenant's instances)."""
    conditions, actions = _validated(draft.conditions, draft.actions)
    return RuleDraft(
        _name(draft.name), conditions, actions, draft.active, draft.catch_all, draft.integration_id
    )


def check_new_names(session: Session, drafts: list[RuleDraft]) -> None:
    """Refuse drafts named like one of the tenant's rules (names identify rules in imports)."""
    taken = {rule.name.casefold() for rule in ordered_rules(session)}
    clashes = [draft.name for draft in drafts if draft.name.strip().casefold() in taken]
    if clashes:
        message = "a rule with this name already exists (replace the rules, or rename it)"
        raise RuleError("Rules with these names already exist.", {f"“{name}”": [message] for name in clashes})


def import_rules(
    session: Session, drafts: list[RuleDraft], *, replace: bool, actor: Actor = Actor()
) -> list[AlertRule]:
    """Write a set of rules in one transaction: all of them or, on any error, none.

    ``replace`` deletes the tenant's rules first (each deletion audited); otherwise the drafts are
    appended, and a name the tenant already uses is refused (rule names identify rules in imports).
    """
    with unit_of_work(session):
        existing = ordered_rules(session)
        if not replace:
            check_new_names(session, drafts)
        else:
            for rule in existing:
                _audit(session, "alert_rule.deleted", actor, "alert_rule", rule.id, _snapshot(rule))
                session.delete(rule)
            session.flush()
        return [_add_rule(session, draft, actor) for draft in drafts]


def find_rule(session: Session, rule_id: int) -> AlertRule | None:
    """The tenant's rule ``rule_id`` (``None`` for another tenant's: tenancy hides it)."""
    return get_scoped(session, AlertRule, rule_id)


def _rule(session: Session, rule_id: int) -> AlertRule:
    rule = find_rule(session, rule_id)
    if rule is None:
        raise LookupError(f"alert rule {rule_id} does not exist")
    return rule


@rolls_back_on(RuleError)
def update_rule(
    session: Session,
    rule_id: int,
    *,
    name: str,
    conditions: dict[str, Any],
    actions: dict[str, Any],
    active: bool,
    catch_all: bool,
    integration_id: int | None = None,
    actor: Actor = Actor(),
) -> AlertRule:
    rule = _rule(session, rule_id)
    name = _name(name)
    conditions, actions = _validated(conditions, actions)
    scope = check_scope(session, integration_id, conditions)
    before = _snapshot(rule)
    rule.integration_id = scope
    rule.name, rule.conditions, rule.actions = name, conditions, actions
    rule.active, rule.catch_all = active, catch_all
    _audit(
        session,
        "alert_rule.updated",
        actor,
        "alert_rule",
        rule.id,
        {"before": before, "after": _snapshot(rule)},
    )
    session.commit()
    return rule


def delete_rule(session: Session, rule_id: int, *, actor: Actor = Actor()) -> None:
    """Delete a rule. Alerts it handled keep their tickets; their later resets follow the rule that
    would match them now."""
    rule = _rule(session, rule_id)
    snapshot = _snapshot(rule)
    session.delete(rule)
    _audit(session, "alert_rule.deleted", actor, "alert_rule", rule_id, snapshot)
    session.commit()


def set_active(session: Session, rule_id: int, active: bool, *, actor: Actor = Actor()) -> AlertRule:
    rule = _rule(session, rule_id)
    if rule.active != active:
        rule.active = active
        _audit(
            session,
            "alert_rule.activated" if active else "alert_rule.deactivated",
            actor,
            "alert_rule",
            rule.id,
            {"name": rule.name},
        )
        session.commit()
    return rule


def move_rule(session: Session, rule_id: int, direction: str, *, actor: Actor = Actor()) -> bool:
    """Move a rule one place up or down among its kind (ordinary rules / catch-alls).

    Positions are renumbered 1..n in the same transaction, so gaps and ties left by concurrent edits
    heal themselves. Returns whether the rule moved.
    """
    if direction not in ("up", "down"):
        raise RuleError("Direction must be up or down.")
    rule = _rule(session, rule_id)
    peers = [other for other in ordered_rules(session) if other.catch_all == rule.catch_all]
    index = next(i for i, other in enumerate(peers) if other.id == rule.id)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(peers):
        return False
    peers[index], peers[target] = peers[target], peers[index]
    offset = 0 if not rule.catch_all else 1_000_000
    for position, other in enumerate(peers, start=1):
        other.position = offset + position
    _audit(
        session,
        "alert_rule.moved",
        actor,
        "alert_rule",
        rule.id,
        {"name": rule.name, "direction": direction, "position": target + 1},
    )
    session.commit()
    return True


# -- maintenance windows -----------------------------------------------------------------------------


def list_windows(session: Session) -> list[MaintenanceWindow]:
    return list(session.scalars(select(MaintenanceWindow).order_by(MaintenanceWindow.id)))


@rolls_back_on(ValueError)
def create_window(
    session: Session, data: dict[str, Any], *, integration_id: int | None = None, actor: Actor = Actor()
) -> MaintenanceWindow:
    """Add a window covering instance ``integration_id``'s devices (``None``: every instance's, only
    for a window naming no organization or device: see :func:`instance_scope`)."""
    try:
        values = validate_window(data)
    except ValidationError as exc:
        raise RuleError("The maintenance window is not valid.", exc.normalized_messages()) from None
    names_ids = values.get("organization_id") is not None or values.get("device_id") is not None
    scope = instance_scope(
        session,
        integration_id,
        names_ids=names_ids,
        subject="maintenance window",
        ids="Organization and device ids",
    )
    if values.get("ninjaone_maintenance") and values.get("device_id") is not None:
        assert scope is not None  # a window naming a device is always scoped
        _require_device(session, values["device_id"], scope)
    window = MaintenanceWindow(active=True, integration_id=scope, **values)
    session.add(window)
    session.flush()
    detail = {
        key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in values.items()
    }
    _audit(
        session,
        "maintenance_window.created",
        actor,
        "maintenance_window",
        window.id,
        {**detail, "integration_id": scope},
    )
    session.commit()
    return window


def _require_device(session: Session, device_id: int, integration_id: int) -> None:
    """A window that acts in NinjaOne must name a device of its instance (tenant-scoped query): another
    instance's or tenant's device, or one never synced, is refused rather than never put in
    maintenance without a word."""
    live = select(Device.id).where(
        Device.integration_id == integration_id, Device.device_id == device_id, Device.retired.is_(False)
    )
    if session.scalar(live) is None:
        message = (
            f"No NinjaOne device #{device_id} in this workspace on that instance (sync first if it is new)."
        )
        raise RuleError("The maintenance window is not valid.", {"device_id": [message]})


def delete_window(session: Session, window_id: int, *, actor: Actor = Actor()) -> None:
    window = get_scoped(session, MaintenanceWindow, window_id)
    if window is None:
        raise LookupError(f"maintenance window {window_id} does not exist")
    name = window.name
    session.delete(window)
    _audit(session, "maintenance_window.deleted", actor, "maintenance_window", window_id, {"name": name})
    session.commit()
