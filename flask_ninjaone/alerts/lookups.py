"""What the lifecycle reads about an alert's surroundings, read once per transaction.

An alert row says little by itself: rules match on facts from its stored payload and the mirrored
device, tickets need the device's client, location and links, suppression needs the maintenance
windows and the organization mapping. :class:`Lookups` reads each of those at most once per
transaction (a storm of deliveries for one device asks the same questions many times) and derives
from them the rule-matching :class:`~.rules.AlertFacts` and the ticket's
:class:`~.ticket_text.DeviceContext`.

What changes only when someone edits settings — the integration itself, its rules, maintenance
windows, organization mappings and the host's client names — lives in :class:`StableReads`, plain
values that survive commits. A webhook drain keeps one per integration for the whole drain (at most
``NINJAONE_DRAIN_BUDGET_SECONDS``; five of a new alert's statements, measured), so an edit applies
from the next drain; everything else builds one per transaction. The mirrored device is still read
per transaction: syncs change it at any time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..client import device_page_url
from ..host import HostAdapter
from ..models import (
    Alert,
    AlertRule,
    Device,
    DeviceAttributes,
    Integration,
    MaintenanceWindow,
    MappingState,
    OrganizationMapping,
)
from ..state import get_state
from ..tenancy import get_scoped
from . import ticket_text
from .maintenance import WindowSpec, active_window
from .rules import AlertFacts, RuleSpec, first_match, load_rule

log = logging.getLogger(__name__)
#: The other series of a problem in :meth:`Lookups.problem_series` (one alias: building it per call
#: proxies every column of the table again).
_OTHER_SERIES = aliased(Alert)


@dataclass(frozen=True)
class MappingView:
    """What the lifecycle uses of an organization mapping, as plain values."""

    state: str
    host_client_id: str | None
    name: str | None
    locations: tuple[Mapping[str, Any], ...]

    @classmethod
    def of(cls, row: OrganizationMapping) -> MappingView:
        return cls(row.state, row.host_client_id, row.name, tuple(row.locations or ()))


class StableReads:
    """An integration's reads that only settings edits change, kept as plain values (see the module
    docstring): valid across commits, filled lazily by :class:`Lookups`."""

    def __init__(self, integration_id: int, tenant_id: str, base_url: str) -> None:
        self.integration_id = integration_id
        self.tenant_id = tenant_id
        self.base_url = base_url
        self.rules: list[RuleSpec] | None = None
        self.windows: list[WindowSpec] | None = None
        self.mappings: dict[int, MappingView | None] = {}
        self.client_names: dict[str, str] | None = None

    @classmethod
    def of(cls, integration: Integration | StableReads) -> StableReads:
        """Fresh reads of ``integration`` (one transaction's), or ``integration`` if it already is some."""
        if isinstance(integration, StableReads):
            return integration
        return cls(integration.id, integration.tenant_id, integration.base_url)


class Lookups:
    """Cached reads of one integration's devices, mappings, host clients, rules and windows."""

    def __init__(self, session: Session, integration: Integration | StableReads, host: HostAdapter) -> None:
        self.session = session
        self.stable = StableReads.of(integration)
        self.integration_id: int = self.stable.integration_id
        self.tenant_id: str = self.stable.tenant_id
        self.base_url: str = self.stable.base_url
        self.host = host
        self._devices: dict[int, Device | None] = {}
        self._logons: dict[int, DeviceAttributes | None] = {}
        self._problems: dict[int, tuple[Alert | None, Alert | None]] = {}

    def device(self, device_id: int | None) -> Device | None:
        if device_id is None:
            return None
        if device_id not in self._devices:
            self._read_device(device_id)
        return self._devices[device_id]

    def _read_device(self, device_id: int) -> None:
        """The mirrored device and its last logon (:meth:`logon`) in one statement: a new alert's
        ticket text wants both, and the join costs nothing when it does not."""
        row = self.session.execute(
            select(Device, DeviceAttributes)
            .outerjoin(
                DeviceAttributes,
                (DeviceAttributes.integration_id == Device.integration_id)
                & (DeviceAttributes.device_id == Device.device_id),
            )
            .where(Device.integration_id == self.integration_id, Device.device_id == device_id)
            .limit(1)
        ).first()
        self._devices[device_id] = row[0] if row is not None else None
        self._logons[device_id] = row[1] if row is not None else None

    def mapping(self, organization_id: int | None) -> MappingView | None:
        if organization_id is None:
            return None
        mappings = self.stable.mappings
        if organization_id not in mappings:
            row = self.session.scalars(
                select(OrganizationMapping).where(
                    OrganizationMapping.integration_id == self.integration_id,
                    OrganizationMapping.organization_id == organization_id,
                )
            ).first()
            mappings[organization_id] = MappingView.of(row) if row is not None else None
        return mappings[organization_id]

    def client_id(self, organization_id: int | None) -> str | None:
        row = self.mapping(organization_id)
        if row is None or row.state != MappingState.MAPPED or not row.host_client_id:
            return None
        return row.host_client_id

    def client_name(self, client_id: str | None) -> str | None:
        if client_id is None:
            return None
        if self.stable.client_names is None:
            self.stable.client_names = {
                client.id: client.name for client in self.host.list_clients(self.tenant_id)
            }
        return self.stable.client_names.get(client_id)

    def rules(self) -> list[RuleSpec]:
        """Every rule of the tenant (inactive ones too: an alert keeps the rule it was handled by)."""
        if self.stable.rules is None:
            specs = []
            for row in self.session.scalars(select(AlertRule).order_by(AlertRule.position, AlertRule.id)):
                try:
                    specs.append(load_rule(row))
                except ValidationError as exc:
                    log.error("ninjaone: alert rule %s is invalid and is skipped: %s", row.id, exc.messages)
            self.stable.rules = specs
        return self.stable.rules

    def rule_for(self, alert: Alert) -> RuleSpec | None:
        """The rule that handled the alert, else the rule that would handle it now."""
        if alert.rule_id is not None:
            for rule in self.rules():
                if rule.id == alert.rule_id:
                    return rule
        return first_match(self.rules(), replace(self.facts(alert), status_code="TRIGGERED"))

    def windows(self) -> list[WindowSpec]:
        """The active windows covering this integration's devices: its own and the all-instances ones
        (another instance's window names that instance's organization and device ids)."""
        if self.stable.windows is None:
            rows = self.session.scalars(
                select(MaintenanceWindow)
                .where(
                    MaintenanceWindow.active.is_(True),
                    MaintenanceWindow.integration_id.is_(None)
                    | (MaintenanceWindow.integration_id == self.integration_id),
                )
                .order_by(MaintenanceWindow.id)
            )
            self.stable.windows = [WindowSpec.from_row(row) for row in rows]
        return self.stable.windows

    def in_maintenance(self, alert: Alert, at: datetime) -> WindowSpec | None:
        return active_window(
            self.windows(), device_id=alert.device_id, organization_id=alert.organization_id, at=at
        )

    def facts(self, alert: Alert) -> AlertFacts:
        payload = alert.payload if isinstance(alert.payload, dict) else {}
        expanded = _object(payload.get("device"))
        message = _object(_object(payload.get("data")).get("message"))
        params = _object(message.get("params"))
        device = self.device(alert.device_id)
        role = expanded.get("nodeRoleId")
        return AlertFacts(
            series_uid=alert.series_uid,
            integration_id=alert.integration_id,
            severity=alert.severity or "NONE",
            priority=alert.priority,
            activity_type=alert.activity_type,
            status_code=alert.status_code,
            source_config_uid=alert.source_config_uid,
            source_name=alert.source_name,
            condition_name=payload.get("conditionName")
            if isinstance(payload.get("conditionName"), str)
            else None,
            message_code=message.get("code") if isinstance(message.get("code"), str) else None,
            message=alert.message,
            subject=payload.get("subject") if isinstance(payload.get("subject"), str) else None,
            organization_id=alert.organization_id,
            device_id=alert.device_id,
            device_name=device.name if device else _expanded_name(expanded),
            node_class=device.node_class if device else expanded.get("nodeClass"),
            role_id=role if isinstance(role, int) and not isinstance(role, bool) else None,
            triggered_at=alert.triggered_at,
            params=params,
        )

    def logon(self, device_id: int | None) -> DeviceAttributes | None:
        """The device's last logon and linked contact (see ``inventory.field_sync``), if stored."""
        if device_id is None:
            return None
        if device_id not in self._logons:
            self._read_device(device_id)
        return self._logons[device_id]

    def problem_series(self, alert: Alert) -> tuple[Alert | None, Alert | None]:
        """The newest other series of the alert's problem (device + condition), and the newest one
        with a ticket: one statement, for the flapping count and the problem's ticket alike.

        Other series' rows only, so the alert's own pending changes are not flushed first (that
        would cost an UPDATE now and another at the commit). Under the problem lock they do not
        change behind the transaction's back.
        """
        if alert.device_id is None or not alert.source_config_uid:
            return None, None
        if alert.id not in self._problems:
            other = _OTHER_SERIES
            of_problem = (
                (other.integration_id == self.integration_id)
                & (other.device_id == alert.device_id)
                & (other.source_config_uid == alert.source_config_uid)
                & (other.id != alert.id)
            )
            newest = select(func.max(other.id)).where(of_problem)
            ticketed = newest.where(other.ticket_id.is_not(None))
            rows = self.session.scalars(
                select(Alert)
                .where(Alert.id.in_([newest.scalar_subquery(), ticketed.scalar_subquery()]))
                .execution_options(autoflush=False)
            ).all()
            previous = max(rows, key=lambda row: row.id, default=None)
            with_ticket = max(
                (row for row in rows if row.ticket_id is not None), key=lambda row: row.id, default=None
            )
            self._problems[alert.id] = (previous, with_ticket)
        return self._problems[alert.id]

    def device_context(self, alert: Alert, facts: AlertFacts) -> ticket_text.DeviceContext:
        device = self.device(alert.device_id)
        mapping = self.mapping(alert.organization_id)
        payload = alert.payload if isinstance(alert.payload, dict) else {}
        expanded = _object(payload.get("device"))
        references = _object(expanded.get("references"))
        hardware = device.hardware if device is not None and isinstance(device.hardware, dict) else {}
        location = None
        location_id = device.location_id if device is not None else expanded.get("locationId")
        if mapping is not None and location_id is not None:
            location = next(
                (loc.get("name") for loc in mapping.locations if loc.get("id") == location_id), None
            )
        if location is None:
            location = (references.get("location") or {}).get("name")
        organization = (
            mapping.name if mapping is not None else (references.get("organization") or {}).get("name")
        )
        url = None
        if alert.device_id is not None and alert.device_id >= 0:
            url = device_page_url(self.base_url, alert.device_id)
        logon = self.logon(alert.device_id)
        return ticket_text.DeviceContext(
            device_id=alert.device_id,
            name=facts.device_name,
            client=self.client_name(self.client_id(alert.organization_id)),
            organization=organization,
            location=location,
            ip=hardware.get("ip") or hardware.get("public_ip"),
            os=hardware.get("os"),
            last_user=(logon.logon_user if logon else None)
            or hardware.get("last_user")
            or expanded.get("lastLoggedInUser"),
            contact=logon.contact_name if logon and logon.contact_id else None,
            agent_status=device.agent_status if device is not None else None,
            node_class=facts.node_class,
            url=url,
        )


def _object(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: a stored payload is NinjaOne's, not ours."""
    return value if isinstance(value, dict) else {}


def _expanded_name(device: Mapping[str, Any]) -> str | None:
    for key in ("displayName", "systemName", "dnsName"):
        value = device.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def facts_of(session: Session, alerts: list[Alert]) -> list[tuple[Alert, AlertFacts]]:
    """Stored alerts with their rule-matching facts as at their trigger (for the dry run)."""
    by_integration: dict[int, Lookups] = {}
    result = []
    for alert in alerts:
        lookups = by_integration.get(alert.integration_id)
        if lookups is None:
            integration = get_scoped(session, Integration, alert.integration_id)
            if integration is None:
                continue
            lookups = by_integration[alert.integration_id] = Lookups(session, integration, get_state().host)
        result.append((alert, replace(lookups.facts(alert), status_code="TRIGGERED")))
    return result


class LookupsPart:
    """A part of one transaction's lifecycle work (the alert rows, the tickets): it works in the
    caller's session, on the integration its :class:`Lookups` read."""

    def __init__(self, session: Session, lookups: Lookups) -> None:
        self.session = session
        self.lookups = lookups
        self.host = lookups.host
        self.integration_id = lookups.integration_id
        self.tenant_id = lookups.tenant_id
