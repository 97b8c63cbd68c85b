"""NinjaOne node role / node class → host asset type, per tenant with per-organization overrides.

A host that lists its asset types (:meth:`~flask_ninjaone.host.HostAdapter.asset_types`) gets a
table: each rule maps one node role (``nodeRoleId``, the finer grain: "SQL Server", "Kiosk") or one
node class (``nodeClass``) onto one of those types, for every organization or for one. A device takes
the first rule that matches, in this order: its organization's rule for its role, its organization's
rule for its class, the rule for its role, the rule for its class. No rule: ``host_asset_type`` is
``None`` and the host keeps today's class mapping (``AssetRecord.asset_type``). An override is
therefore complete on its own: an organization's class rule beats a tenant-wide role rule.

Role ids are checked against what ``GET /v2/noderole/list`` lists at the time the rule is saved (a
role id NinjaOne does not list is refused); a role deleted in NinjaOne later simply matches no device.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..client import NinjaOneError, RateLimited
from ..connection.api_client import MissingCredentials, client_for
from ..host import FieldChoice
from ..models import EVERY_ORGANIZATION, DeviceTypeRule, Integration, MatchKind, OrganizationMapping
from ..state import get_state
from ..sync.node_classes import NODE_CLASS_ASSET_TYPES
from ..tenancy import require_tenant_id
from ..ticket_choices import checked_choices
from .client_mapping import MappingError

#: What a page waits for the role list (a person is waiting), as for a device's script options.
ROLES_BUDGET = 10.0
ROLES_RETRY_WAIT = 1.0
#: Longest host asset type value (the column's size).
TYPE_MAX = 64
#: Rules a tenant may keep: far above any real account (a few dozen roles, 33 classes, overrides
#: for some organizations), low enough that the page and the per-run table stay small.
MAX_RULES = 2000

RuleKey = tuple[int, str, str]
"""``(organization id or 0, match kind, match value)``."""


class UnknownRule(MappingError):
    """No such rule in this tenant's connection (pages answer 404)."""


@dataclass(frozen=True)
class TypeTable:
    """The rules of one integration, resolved per device (pure; built once per sync run)."""

    rules: Mapping[RuleKey, str] = field(default_factory=dict)

    def resolve(self, organization_id: Any, role_id: Any, node_class: Any) -> str | None:
        """The host asset type of a device, or ``None`` when no rule matches (see the module doc).

        Raw payload values are accepted: a role id that is not an integer or a class that is not a
        string matches nothing, as a device without them does.
        """
        if not self.rules:
            return None
        role = str(role_id) if type(role_id) is int else None
        node = node_class.strip().upper() if isinstance(node_class, str) else None
        organization = organization_id if type(organization_id) is int else None
        for scope in (organization, EVERY_ORGANIZATION):
            if scope is None:
                continue
            for kind, value in ((MatchKind.ROLE, role), (MatchKind.NODE_CLASS, node)):
                if value is not None and (found := self.rules.get((scope, kind, value))) is not None:
                    return found
        return None


def host_type_choices(tenant_id: str) -> list[FieldChoice] | None:
    """The host's asset types, checked like any outside input (entries that are no
    :class:`FieldChoice` with a short printable value are dropped); ``None`` when the host has none to
    offer (the capability is off)."""
    answer = get_state().host.asset_types(tenant_id)
    return None if answer is None else checked_choices(answer)


def type_table(session: Session, integration: Integration) -> TypeTable:
    """The integration's rules whose type the host still lists; empty when it lists none.

    Asks the host once (a sync run or a webhook's device): a type the host dropped since a rule was
    saved is not sent, so the host never receives a value outside its own list.
    """
    choices = host_type_choices(integration.tenant_id)
    if not choices:
        return TypeTable()
    known = {choice.value for choice in choices}
    rows = session.execute(
        select(
            DeviceTypeRule.organization_id,
            DeviceTypeRule.match_kind,
            DeviceTypeRule.match_value,
            DeviceTypeRule.host_asset_type,
        ).where(DeviceTypeRule.integration_id == integration.id)
    )
    return TypeTable(
        {
            (row.organization_id, row.match_kind, row.match_value): row.host_asset_type
            for row in rows
            if row.host_asset_type in known
        }
    )


def rules(session: Session, integration: Integration) -> list[DeviceTypeRule]:
    """The rules for the page: tenant-wide first, then by organization, role and class."""
    return list(
        session.scalars(
            select(DeviceTypeRule)
            .where(DeviceTypeRule.integration_id == integration.id)
            .order_by(
                DeviceTypeRule.organization_id,
                DeviceTypeRule.match_kind.desc(),
                DeviceTypeRule.match_value,
            )
        )
    )


@dataclass(frozen=True)
class RoleList:
    """NinjaOne's node roles, or why they could not be read (the page still offers class rules)."""

    roles: list[dict[str, Any]]
    error: str | None = None

    def by_id(self) -> dict[int, dict[str, Any]]:
        return {role["id"]: role for role in self.roles}

    def names(self) -> dict[int, str]:
        """Role id → name, for reports that show roles by name (empty when unreadable)."""
        return {int(role["id"]): str(role.get("name") or "") for role in self.roles if "id" in role}


def node_roles(integration: Integration) -> RoleList:
    """``GET /v2/noderole/list`` for this integration: one request, bounded in time."""
    try:
        client = client_for(integration, max_sleep=ROLES_RETRY_WAIT, budget=ROLES_BUDGET)
    except MissingCredentials as exc:
        return RoleList([], str(exc))
    with client:
        try:
            roles = client.node_roles()
        except RateLimited:
            return RoleList([], "NinjaOne is throttling requests right now; try again in a minute.")
        except NinjaOneError as exc:
            return RoleList([], f"Could not read the device roles from NinjaOne: {exc}")
    return RoleList(sorted(roles, key=lambda role: (role.get("nodeClass") or "", role.get("name") or "")))


def _check_organization(session: Session, integration: Integration, organization_id: int) -> None:
    if organization_id == EVERY_ORGANIZATION:
        return
    found = session.scalar(
        select(OrganizationMapping.id).where(
            OrganizationMapping.integration_id == integration.id,
            OrganizationMapping.organization_id == organization_id,
        )
    )
    if found is None:
        raise MappingError(f"No NinjaOne organization {organization_id} in this connection.")


def _match_value(integration: Integration, kind: str, value: str) -> str:
    """The rule's match value, checked: a role NinjaOne lists now, or a node class it knows."""
    value = value.strip()
    if kind == MatchKind.NODE_CLASS:
        node_class = value.upper()
        if node_class not in NODE_CLASS_ASSET_TYPES:
            raise MappingError(f"{value[:64]!r} is not a NinjaOne node class.")
        return node_class
    if kind != MatchKind.ROLE:
        raise MappingError("A rule matches a node role or a node class.")
    if not value.isdigit() or len(value) > 18:
        raise MappingError(f"{value[:64]!r} is not a NinjaOne node role id.")
    listed = node_roles(integration)
    if listed.error:
        raise MappingError(listed.error)
    if int(value) not in listed.by_id():
        raise MappingError(
            f"NinjaOne lists no node role {int(value)}; reload the page to see the current roles."
        )
    return str(int(value))


def save_rule(
    session: Session,
    integration: Integration,
    *,
    organization_id: int,
    kind: str,
    value: str,
    host_asset_type: str,
) -> DeviceTypeRule:
    """Add a rule, or change the type of the rule with the same scope and match. Commits.

    Everything is checked before anything is written: the organization is this connection's, the
    role is listed by NinjaOne (one API call) or the class is known, and the type is one the host
    lists. A re-sync then writes the devices the change moves (their fingerprints include the type).
    """
    choices = host_type_choices(require_tenant_id())
    if choices is None:
        raise MappingError("This application has no asset types to map onto.")
    if host_asset_type not in {choice.value for choice in choices}:
        raise MappingError(f"{host_asset_type[:TYPE_MAX]!r} is not one of this application's asset types.")
    _check_organization(session, integration, organization_id)
    match_value = _match_value(integration, kind, value)
    row = session.scalars(
        select(DeviceTypeRule).where(
            DeviceTypeRule.integration_id == integration.id,
            DeviceTypeRule.organization_id == organization_id,
            DeviceTypeRule.match_kind == kind,
            DeviceTypeRule.match_value == match_value,
        )
    ).one_or_none()
    if row is None:
        count = session.scalar(
            select(func.count(DeviceTypeRule.id)).where(DeviceTypeRule.integration_id == integration.id)
        )
        if (count or 0) >= MAX_RULES:
            raise MappingError(f"A connection keeps at most {MAX_RULES} device type rules.")
        row = DeviceTypeRule(
            integration_id=integration.id,
            organization_id=organization_id,
            match_kind=kind,
            match_value=match_value,
        )
        session.add(row)
    row.host_asset_type = host_asset_type
    session.commit()
    return row


def delete_rule(session: Session, integration: Integration, rule_id: int) -> None:
    """Remove a rule of this connection (:class:`UnknownRule` otherwise). Commits."""
    row = session.scalars(
        select(DeviceTypeRule).where(
            DeviceTypeRule.integration_id == integration.id, DeviceTypeRule.id == rule_id
        )
    ).one_or_none()
    if row is None:
        raise UnknownRule(f"No device type rule {rule_id} in this connection.")
    session.delete(row)
    session.commit()
