"""The alert lifecycle: condition events in, alert rows and host tickets out.

Entry points (each commits its own work, then sends the signals):

* :func:`handle_condition` — the webhook processor calls it for every CONDITION delivery.
* :func:`apply_event` — the same for an already-normalized :class:`~.events.ConditionEvent`
  (reconciliation feeds the alerts it finds in ``GET /v2/alerts`` through it).
* :func:`acknowledge`, :func:`resolve`, :func:`create_ticket` — the alerts panel.
* :func:`resolve_series` — reconciliation's "gone from NinjaOne".
* :func:`resets_wanted_on_close` — which alerts of a closed ticket to reset (:mod:`.resets` does it).

Rules of the game (see docs/user-guide.md, "Alert rules"):

* Alerts are keyed by ``seriesUid``; the activity id orders and de-duplicates events of a series.
  An event no newer than the last one applied (a repeat, or one overtaken by a later event) changes
  nothing, except that a trigger arriving after its reset fills in the alert's details — and never
  opens a ticket. A RESET or ACKNOWLEDGED for a series we never saw is recorded, so its late TRIGGERED
  knows it is late.
* One open ticket per device + condition: a repeat adds a note and bumps ``occurrence_count``; a new
  series of the same problem joins the open ticket; a recurrence within the rule's reopen window
  reopens the closed ticket; flapping (more than K cycles in M minutes) is collapsed into one ticket
  with one note.
* A reset closes the ticket when the rule says so and no person worked it (otherwise a note), and
  only when no other active alert shares the ticket.
* Maintenance windows, "record only" rules, unmatched alerts and unmapped organizations record the
  alert without a ticket, saying why in ``suppressed_reason``.

Concurrency: every change runs under the problem lock and the alert's row lock (:mod:`.locks`); a
concurrent insert of the same series is caught by the unique key and re-read. Host writes (tickets,
notes) go through the same session and commit with the alert, so either both happen or neither.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import signals
from ..client import NinjaOneError, NotFound, device_page_url
from ..connection.api_client import MissingCredentials, client_for
from ..host import TicketDraft, TicketState, UserRef
from ..labels import labels_for
from ..models import (
    Alert,
    AlertRule,
    AlertStatus,
    Device,
    Integration,
    MaintenanceWindow,
    MappingState,
    OrganizationMapping,
)
from ..models.base import utcnow
from ..owed_writes import SHORT_WAIT
from ..state import current_app_object, get_state
from ..tenancy import get_scoped
from ..unit_of_work import unit_of_work
from . import ticket_text
from .events import ACKNOWLEDGE, RESET, TRIGGER, ConditionEvent
from .flapping import CycleCount, count_cycle, dump_times, load_times
from .locks import lock_problem, problem_key
from .maintenance import WindowSpec, active_window
from .rules import NO_RULE_ACTIONS, AlertFacts, RuleActions, RuleSpec, first_match, load_rule, ticket_priority

log = logging.getLogger(__name__)

#: ``resolved_by`` values of resolutions no person made.
BY_NINJAONE = "NinjaOne"
BY_RECONCILIATION = "reconciliation"
BY_TICKET_CLOSE = "ticket close"
#: ``suppressed_reason`` is a 255-character column.
MAX_REASON = 255


class AlertActionError(RuntimeError):
    """A panel action that cannot be done (the message is shown to the user as is)."""


def handle_condition(session: Session, integration: Integration, activity: Mapping[str, Any]) -> None:
    """Apply one CONDITION activity (a webhook delivery loaded through ``ActivitySchema``).

    Idempotent and order-tolerant (see the module docstring); commits its own work. An activity
    without a ``seriesUid`` or with a status code that is not TRIGGERED / RESET / ACKNOWLEDGED is
    logged and ignored. Raises only for infrastructure failures (database, host adapter), after
    rolling back, so the caller's retry starts clean.
    """
    event = ConditionEvent.from_activity(activity)
    if event is None:
        log.warning("ninjaone: CONDITION activity %s has no seriesUid; ignored", activity.get("id"))
        return
    if event.kind not in (TRIGGER, RESET, ACKNOWLEDGE):
        log.info("ninjaone: CONDITION status %s of series %s ignored", event.status_code, event.series_uid)
        return
    apply_event(session, integration, event)


def apply_event(session: Session, integration: Integration, event: ConditionEvent) -> Alert | None:
    """Apply a normalized event in its own transaction; returns the alert row (expired after commit)."""
    run = _Run(session, integration)
    with unit_of_work(session):
        run.lock(event.series_uid, event.device_id, event.source_config_uid)
        if event.kind == TRIGGER:
            alert = run.on_trigger(event)
        elif event.kind == RESET:
            alert = run.on_reset(event)
        elif event.kind == ACKNOWLEDGE:
            alert = run.on_acknowledge(event)
        else:
            alert = None
    run.send_signals()
    return alert


# -- panel actions -----------------------------------------------------------------------------------


def _for_action(session: Session, alert_id: int) -> tuple[_Run, Alert]:
    """Lock the alert's problem and row for a panel action (404-style ``LookupError`` when missing)."""
    found = get_scoped(session, Alert, alert_id)
    if found is None:
        raise LookupError(f"alert {alert_id} does not exist")
    integration = get_scoped(session, Integration, found.integration_id)
    if integration is None:
        raise LookupError(f"integration of alert {alert_id} does not exist")
    run = _Run(session, integration)
    run.lock(found.series_uid, found.device_id, found.source_config_uid)
    alert = run.locked_alert(found.series_uid)
    if alert is None:  # deleted between the two reads
        raise LookupError(f"alert {alert_id} does not exist")
    return run, alert


def acknowledge(session: Session, alert_id: int, user: UserRef | None) -> Alert:
    """Acknowledge an alert from the panel (no effect on NinjaOne)."""
    with unit_of_work(session):
        run, alert = _for_action(session, alert_id)
        if alert.status == AlertStatus.RESOLVED:
            raise AlertActionError("This alert is already resolved.")
        by = user.name if user else "system"
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by = by[:255]
        alert.status = AlertStatus.ACKNOWLEDGED
        run.signal(signals.alert_acknowledged, alert, by=by)
    run.send_signals()
    return alert


def resolve(
    session: Session, alert_id: int, user: UserRef | None, *, reset_in_ninjaone: bool = False
) -> Alert:
    """Resolve an alert from the panel, optionally resetting it in NinjaOne first.

    The NinjaOne call happens before any lock is taken; if NinjaOne refuses, nothing changes here
    and :class:`AlertActionError` says why (an alert already gone from NinjaOne counts as reset).
    The ticket is then handled like on a reset: closed if the rule says so and nobody worked it.
    """
    found = get_scoped(session, Alert, alert_id)
    if found is None:
        raise LookupError(f"alert {alert_id} does not exist")
    if found.status == AlertStatus.RESOLVED:
        raise AlertActionError("This alert is already resolved.")
    if reset_in_ninjaone:
        integration = get_scoped(session, Integration, found.integration_id)
        _reset_in_ninjaone(integration, found.series_uid)
    with unit_of_work(session):
        run, alert = _for_action(session, alert_id)
        if alert.status != AlertStatus.RESOLVED:
            by = user.name if user else "system"
            run.resolve(alert, at=utcnow(), by=by[:255])
    run.send_signals()
    return alert


def _reset_in_ninjaone(integration: Integration | None, series_uid: str) -> None:
    if integration is None:
        raise AlertActionError("The NinjaOne connection of this alert no longer exists.")
    try:  # a person waits for this answer: a long Retry-After is theirs to decide on, not to sleep
        with client_for(integration, max_sleep=SHORT_WAIT) as client:
            client.reset_alert(series_uid)
    except NotFound:
        pass  # already gone from NinjaOne: the reset we wanted
    except (NinjaOneError, MissingCredentials, ValueError) as exc:
        raise AlertActionError(f"NinjaOne did not reset the alert: {exc}") from exc


def create_ticket(session: Session, alert_id: int, user: UserRef | None) -> str:
    """Open a ticket for an alert by hand (whatever the rules and suppression said); returns its id."""
    with unit_of_work(session):
        run, alert = _for_action(session, alert_id)
        current = run.ticket_of(alert)
        if current is not None and current.state.is_open:
            label = labels_for(run.tenant_id, ticket_ids=[alert.ticket_id]).ticket(alert.ticket_id)
            raise AlertActionError(f"This alert already has an open ticket ({label}).")
        rule = run.rule_for(alert)
        actions = rule.actions if rule is not None and rule.actions.creates_ticket else RuleActions()
        ticket_id = run.open_ticket(alert, run.facts(alert), actions, auto=False)
        if user is not None:
            run.host.add_ticket_note(
                run.tenant_id, ticket_id, f"Opened from the NinjaOne alerts panel by {user.name}."
            )
    run.send_signals()
    return ticket_id


def resolve_series(
    session: Session, integration: Integration, series_uid: str, *, by: str, at: datetime | None = None
) -> bool:
    """Resolve a still-open alert (reconciliation: gone from NinjaOne); ``False`` if nothing changed."""
    run = _Run(session, integration)
    with unit_of_work(session):
        existing = session.scalars(
            select(Alert).where(Alert.integration_id == integration.id, Alert.series_uid == series_uid)
        ).one_or_none()
        if existing is None:
            return False
        run.lock(series_uid, existing.device_id, existing.source_config_uid)
        alert = run.locked_alert(series_uid)
        changed = alert is not None and alert.status != AlertStatus.RESOLVED
        if alert is not None and changed:
            run.resolve(alert, at=at or utcnow(), by=by)
    run.send_signals()
    return changed


# -- ticket closed by a person (the flow itself lives in :mod:`.resets`) ---------------------------------


def resets_wanted_on_close(session: Session, integration: Integration, alerts: list[Alert]) -> list[str]:
    """Series uids of the still-open ``alerts`` whose rule says "reset in NinjaOne when the ticket closes"."""
    run = _Run(session, integration)
    wanted = []
    for alert in alerts:
        rule = run.rule_for(alert) if alert.status != AlertStatus.RESOLVED else None
        if rule is not None and rule.actions.reset_in_ninjaone_on_close:
            wanted.append(alert.series_uid)
    return wanted


# -- the work of one transaction -------------------------------------------------------------------------


@dataclass(frozen=True)
class _TicketRef:
    ticket_id: str
    state: TicketState
    alert: Alert


class _Run:
    """One transaction's worth of lifecycle work, with per-transaction caches and pending signals."""

    def __init__(self, session: Session, integration: Integration) -> None:
        self.session = session
        self.integration_id: int = integration.id
        self.tenant_id: str = integration.tenant_id
        self.base_url: str = integration.base_url
        self.host = get_state().host
        self._signals: list[tuple[Any, dict[str, Any]]] = []
        self._rules: list[RuleSpec] | None = None
        self._windows: list[WindowSpec] | None = None
        self._devices: dict[int, Device | None] = {}
        self._mappings: dict[int, OrganizationMapping | None] = {}
        self._client_names: dict[str, str] | None = None

    # -- locking and rows ----------------------------------------------------------------------------

    def lock(self, series_uid: str, device_id: int | None, source_config_uid: str | None) -> None:
        lock_problem(
            self.session,
            self.tenant_id,
            self.integration_id,
            problem_key(series_uid, device_id, source_config_uid),
        )

    def locked_alert(self, series_uid: str) -> Alert | None:
        return self.session.scalars(
            select(Alert)
            .where(Alert.integration_id == self.integration_id, Alert.series_uid == series_uid)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()

    def insert(self, event: ConditionEvent, **values: Any) -> tuple[Alert, bool]:
        """Insert the series' row; ``(row, False)`` with the existing row when another worker won."""
        alert = Alert(
            tenant_id=self.tenant_id,
            integration_id=self.integration_id,
            series_uid=event.series_uid,
            status=AlertStatus.ACTIVE,
            occurrence_count=1,
            cycle_times=[],
            flapping=False,
            auto_created=False,
        )
        self.absorb(alert, event)
        for key, value in values.items():
            setattr(alert, key, value)
        try:
            with self.session.begin_nested():
                self.session.add(alert)
        except IntegrityError:
            existing = self.locked_alert(event.series_uid)
            if existing is None:
                raise
            return existing, False
        return alert, True

    def absorb(self, alert: Alert, event: ConditionEvent) -> None:
        """Copy what the event says about the alert onto the row (known values only)."""
        if event.device_id is not None:
            alert.device_id = event.device_id
        alert.severity = event.severity
        alert.priority = event.priority
        alert.activity_type = event.activity_type or alert.activity_type
        alert.status_code = event.status_code
        if event.message is not None:
            alert.message = event.message
        alert.source_config_uid = event.source_config_uid or alert.source_config_uid
        alert.source_name = event.source_name or alert.source_name
        if event.kind == TRIGGER or not alert.payload:
            alert.payload = event.payload
        device = self.device(alert.device_id)
        if device is not None:
            alert.host_asset_id = None if device.retired else device.host_asset_id
            alert.organization_id = device.organization_id
        elif event.organization_id is not None:
            alert.organization_id = event.organization_id

    @staticmethod
    def is_stale(alert: Alert, event: ConditionEvent) -> bool:
        """Whether ``event`` is no newer than the last event applied to ``alert`` (repeat or overtaken)."""
        if event.activity_id is not None and alert.last_activity_id is not None:
            return event.activity_id <= alert.last_activity_id
        marks = [alert.last_triggered_at]
        if alert.status == AlertStatus.RESOLVED and alert.resolved_by == BY_NINJAONE:
            marks.append(alert.resolved_at)
        known = [mark for mark in marks if mark is not None]
        return bool(known) and event.at <= max(known)

    # -- context ---------------------------------------------------------------------------------------

    def device(self, device_id: int | None) -> Device | None:
        if device_id is None:
            return None
        if device_id not in self._devices:
            self._devices[device_id] = self.session.scalars(
                select(Device).where(
                    Device.integration_id == self.integration_id, Device.device_id == device_id
                )
            ).first()
        return self._devices[device_id]

    def mapping(self, organization_id: int | None) -> OrganizationMapping | None:
        if organization_id is None:
            return None
        if organization_id not in self._mappings:
            self._mappings[organization_id] = self.session.scalars(
                select(OrganizationMapping).where(
                    OrganizationMapping.integration_id == self.integration_id,
                    OrganizationMapping.organization_id == organization_id,
                )
            ).first()
        return self._mappings[organization_id]

    def client_id(self, organization_id: int | None) -> str | None:
        row = self.mapping(organization_id)
        if row is None or row.state != MappingState.MAPPED or not row.host_client_id:
            return None
        return row.host_client_id

    def client_name(self, client_id: str | None) -> str | None:
        if client_id is None:
            return None
        if self._client_names is None:
            self._client_names = {client.id: client.name for client in self.host.list_clients(self.tenant_id)}
        return self._client_names.get(client_id)

    def rules(self) -> list[RuleSpec]:
        """Every rule of the tenant (inactive ones too: an alert keeps the rule it was handled by)."""
        if self._rules is None:
            specs = []
            for row in self.session.scalars(select(AlertRule).order_by(AlertRule.position, AlertRule.id)):
                try:
                    specs.append(load_rule(row))
                except ValidationError as exc:
                    log.error("ninjaone: alert rule %s is invalid and is skipped: %s", row.id, exc.messages)
            self._rules = specs
        return self._rules

    def rule_for(self, alert: Alert) -> RuleSpec | None:
        """The rule that handled the alert, else the rule that would handle it now."""
        if alert.rule_id is not None:
            for rule in self.rules():
                if rule.id == alert.rule_id:
                    return rule
        return first_match(self.rules(), replace(self.facts(alert), status_code="TRIGGERED"))

    def windows(self) -> list[WindowSpec]:
        if self._windows is None:
            rows = self.session.scalars(
                select(MaintenanceWindow)
                .where(MaintenanceWindow.active.is_(True))
                .order_by(MaintenanceWindow.id)
            )
            self._windows = [WindowSpec.from_row(row) for row in rows]
        return self._windows

    def facts(self, alert: Alert) -> AlertFacts:
        payload = alert.payload if isinstance(alert.payload, dict) else {}
        expanded = _object(payload.get("device"))
        message = _object(_object(payload.get("data")).get("message"))
        params = _object(message.get("params"))
        device = self.device(alert.device_id)
        role = expanded.get("nodeRoleId")
        return AlertFacts(
            series_uid=alert.series_uid,
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
                (loc.get("name") for loc in mapping.locations or [] if loc.get("id") == location_id), None
            )
        if location is None:
            location = (references.get("location") or {}).get("name")
        organization = (
            mapping.name if mapping is not None else (references.get("organization") or {}).get("name")
        )
        url = None
        if alert.device_id is not None and alert.device_id >= 0:
            url = device_page_url(self.base_url, alert.device_id)
        return ticket_text.DeviceContext(
            device_id=alert.device_id,
            name=facts.device_name,
            client=self.client_name(self.client_id(alert.organization_id)),
            organization=organization,
            location=location,
            ip=hardware.get("ip") or hardware.get("public_ip"),
            os=hardware.get("os"),
            last_user=hardware.get("last_user") or expanded.get("lastLoggedInUser"),
            agent_status=device.agent_status if device is not None else None,
            node_class=facts.node_class,
            url=url,
        )

    # -- tickets ---------------------------------------------------------------------------------------

    def ticket_of(self, alert: Alert) -> _TicketRef | None:
        if not alert.ticket_id:
            return None
        state = self.host.ticket_state(self.tenant_id, alert.ticket_id)
        return _TicketRef(alert.ticket_id, state, alert) if state.exists else None

    def problem_ticket(self, alert: Alert) -> _TicketRef | None:
        """The newest ticket of another series of the same problem (device + condition)."""
        if alert.device_id is None or not alert.source_config_uid:
            return None
        sibling = self.session.scalars(
            select(Alert)
            .where(
                Alert.integration_id == self.integration_id,
                Alert.device_id == alert.device_id,
                Alert.source_config_uid == alert.source_config_uid,
                Alert.id != alert.id,
                Alert.ticket_id.is_not(None),
            )
            .order_by(Alert.id.desc())
            .limit(1)
        ).first()
        return self.ticket_of(sibling) if sibling is not None else None

    def previous_of_problem(self, alert: Alert) -> Alert | None:
        if alert.device_id is None or not alert.source_config_uid:
            return None
        return self.session.scalars(
            select(Alert)
            .where(
                Alert.integration_id == self.integration_id,
                Alert.device_id == alert.device_id,
                Alert.source_config_uid == alert.source_config_uid,
                Alert.id != alert.id,
            )
            .order_by(Alert.id.desc())
            .limit(1)
        ).first()

    def open_ticket(self, alert: Alert, facts: AlertFacts, actions: RuleActions, *, auto: bool = True) -> str:
        device = self.device_context(alert, facts)
        priority = ticket_priority(alert.severity, actions.priority)
        draft = TicketDraft(
            client_id=self.client_id(alert.organization_id),
            title=ticket_text.ticket_title(facts, device),
            description=ticket_text.ticket_description(facts, device, priority=priority),
            priority=priority,
            asset_ids=(alert.host_asset_id,) if alert.host_asset_id else (),
            board=actions.board,
            assignee_id=actions.assignee_id,
            external_ref=alert.series_uid,
        )
        ticket_id = self._create(draft)
        alert.ticket_id = ticket_id
        alert.auto_created = auto
        alert.suppressed_reason = None
        alert.ticket_closed_at = None
        return ticket_id

    def _create(self, draft: TicketDraft) -> str:
        try:
            with self.session.begin_nested():
                return str(self.host.create_ticket(self.tenant_id, draft))
        except LookupError as exc:
            if draft.assignee_id is None and not draft.asset_ids:
                raise
            # The rule's assignee left, or the asset was deleted in the host: still open the ticket.
            log.warning(
                "ninjaone: ticket for alert %s opened without assignee/asset: %s", draft.external_ref, exc
            )
            with self.session.begin_nested():
                return str(
                    self.host.create_ticket(self.tenant_id, replace(draft, assignee_id=None, asset_ids=()))
                )

    def note(self, ticket_id: str, body: str) -> None:
        self.host.add_ticket_note(self.tenant_id, ticket_id, body)

    # -- the three events ------------------------------------------------------------------------------

    def on_trigger(self, event: ConditionEvent) -> Alert:
        alert = self.locked_alert(event.series_uid)
        new = first = recurrence = False
        if alert is None:
            alert, new = self.insert(
                event,
                triggered_at=event.created_at or event.at,
                last_triggered_at=event.at,
                last_activity_id=event.activity_id,
            )
        if not new:
            if self.is_stale(alert, event):
                self.fill_in(alert, event)
                return alert
            first = alert.last_triggered_at is None
            recurrence = alert.status == AlertStatus.RESOLVED
            self.absorb(alert, event)
            alert.last_triggered_at = event.at
            if event.activity_id is not None:
                alert.last_activity_id = event.activity_id
            if first:
                alert.triggered_at = alert.triggered_at or event.at
                alert.occurrence_count = max(alert.occurrence_count or 0, 0) + 1
            else:
                alert.occurrence_count = (alert.occurrence_count or 0) + 1
            if recurrence:
                alert.status = AlertStatus.ACTIVE
                alert.resolved_at = alert.resolved_by = None
                alert.acknowledged_at = alert.acknowledged_by = None
        facts = self.facts(alert)
        rule = first_match(self.rules(), facts)
        alert.rule_id = rule.id if rule is not None else None
        actions = rule.actions if rule is not None else NO_RULE_ACTIONS
        new_cycle = new or first or recurrence
        cycle = self.count_cycle(alert, actions, event.at, same_series=recurrence) if new_cycle else None
        self.route_ticket(alert, facts, rule, event.at, new_cycle=new_cycle, cycle=cycle)
        quiet_flap = cycle is not None and cycle.flapping and not cycle.started_flapping
        notice_rule = rule if new_cycle and rule is not None and rule.actions.notify_user_ids else None
        if notice_rule is not None and not quiet_flap and self.in_maintenance(alert, event.at) is None:
            self.notify(alert, facts, notice_rule)
        self.signal(
            signals.alert_received,
            alert,
            device_id=alert.device_id,
            severity=alert.severity,
            occurrence_count=alert.occurrence_count,
            ticket_id=alert.ticket_id,
            new=new_cycle,
        )
        return alert

    def fill_in(self, alert: Alert, event: ConditionEvent) -> None:
        """A trigger older than what we applied: keep its details, never act on it."""
        if event.kind != TRIGGER:
            return
        if alert.triggered_at is None or event.at < alert.triggered_at:
            alert.triggered_at = event.at
        if alert.last_triggered_at is None:
            alert.last_triggered_at = event.at
            alert.occurrence_count = max(alert.occurrence_count or 0, 1)
            alert.payload = event.payload
            if alert.message is None:
                alert.message = event.message
            if alert.status == AlertStatus.RESOLVED and not alert.ticket_id:
                alert.suppressed_reason = "The reset arrived before its trigger: no ticket was opened."

    def count_cycle(
        self, alert: Alert, actions: RuleActions, at: datetime, *, same_series: bool
    ) -> CycleCount:
        if same_series:
            previous: Alert | None = alert
        else:
            previous = self.previous_of_problem(alert)
        result = count_cycle(
            load_times(previous.cycle_times) if previous is not None else (),
            at,
            limit=actions.flap_cycles,
            minutes=actions.flap_minutes,
            was_flapping=bool(previous.flapping) if previous is not None else False,
        )
        alert.cycle_times = dump_times(result.times)
        alert.flapping = result.flapping
        return result

    def in_maintenance(self, alert: Alert, at: datetime) -> WindowSpec | None:
        return active_window(
            self.windows(), device_id=alert.device_id, organization_id=alert.organization_id, at=at
        )

    def suppression(self, alert: Alert, rule: RuleSpec | None, at: datetime) -> str | None:
        """Why no ticket may be opened or reopened for the alert now, or ``None``."""
        if rule is None:
            return "No alert rule matched: recorded without a ticket."
        if not rule.actions.creates_ticket:
            return f"Rule “{rule.name}” records alerts without tickets."[:MAX_REASON]
        window = self.in_maintenance(alert, at)
        if window is not None:
            return f"Maintenance window “{window.name}” was active."[:MAX_REASON]
        if alert.organization_id is None:
            if self.device(alert.device_id) is None:
                return (
                    f"Device {alert.device_id} is not synced yet and the alert names no organization: "
                    "no client to open a ticket for."
                )[:MAX_REASON]
            return "The device belongs to no organization: no client to open a ticket for."
        if self.client_id(alert.organization_id) is None:
            return f"Organization {alert.organization_id} is not mapped to a client: no ticket opened."[
                :MAX_REASON
            ]
        return None

    def route_ticket(
        self,
        alert: Alert,
        facts: AlertFacts,
        rule: RuleSpec | None,
        at: datetime,
        *,
        new_cycle: bool,
        cycle: CycleCount | None,
    ) -> None:
        """Note on the problem's open ticket, or reopen its closed one, or open one, or record why not."""
        actions = rule.actions if rule is not None else NO_RULE_ACTIONS
        onset_note = (
            ticket_text.flapping_note(cycle.count, actions.flap_minutes, actions.flap_cycles)
            if cycle is not None and cycle.started_flapping
            else None
        )
        flapping_quietly = alert.flapping and onset_note is None
        own = self.ticket_of(alert)
        sibling = self.problem_ticket(alert) if own is None or not own.state.is_open else None
        open_ref = own if own is not None and own.state.is_open else None
        if open_ref is None and sibling is not None and sibling.state.is_open:
            open_ref = sibling
        if open_ref is not None:
            alert.ticket_id = open_ref.ticket_id
            alert.suppressed_reason = None
            if onset_note is not None:
                self.note(open_ref.ticket_id, onset_note)
            elif not flapping_quietly:
                body = (
                    ticket_text.new_series_note(facts, at)
                    if new_cycle
                    else ticket_text.repeat_note(facts, alert.occurrence_count, at)
                )
                self.note(open_ref.ticket_id, body)
            return
        reason = self.suppression(alert, rule, at)
        if reason is not None:
            alert.suppressed_reason = reason
            return
        closed = own if own is not None else sibling
        if closed is not None:
            closed_at = closed.alert.ticket_closed_at or closed.alert.resolved_at
            hours = actions.reopen_window_hours
            within = hours > 0 and closed_at is not None and at - closed_at <= timedelta(hours=hours)
            if alert.flapping or within:
                self.host.reopen_ticket(
                    self.tenant_id,
                    closed.ticket_id,
                    ticket_text.reopen_note(facts, at, None if alert.flapping else hours),
                )
                alert.ticket_id = closed.ticket_id
                alert.ticket_closed_at = None
                alert.suppressed_reason = None
                if onset_note is not None:
                    self.note(closed.ticket_id, onset_note)
                return
        ticket_id = self.open_ticket(alert, facts, actions)
        if onset_note is not None:
            self.note(ticket_id, onset_note)

    def notify(self, alert: Alert, facts: AlertFacts, rule: RuleSpec) -> None:
        device = self.device_context(alert, facts)
        priority = ticket_priority(alert.severity, rule.actions.priority)
        body = ticket_text.ticket_description(facts, device, priority=priority)
        if alert.ticket_id:
            body += f"\n\nTicket: {alert.ticket_id}"
        self.host.notify(
            self.tenant_id, list(rule.actions.notify_user_ids), ticket_text.ticket_title(facts, device), body
        )

    def on_reset(self, event: ConditionEvent) -> Alert:
        alert = self.locked_alert(event.series_uid)
        if alert is None:
            alert, new = self.insert(
                event,
                status=AlertStatus.RESOLVED,
                occurrence_count=0,
                resolved_at=event.at,
                resolved_by=BY_NINJAONE,
                last_activity_id=event.activity_id,
                suppressed_reason="The reset arrived before its trigger: no ticket was opened.",
            )
            if new:
                return alert
        if self.is_stale(alert, event):
            return alert
        if event.activity_id is not None:
            alert.last_activity_id = event.activity_id
        alert.status_code = event.status_code
        if alert.status != AlertStatus.RESOLVED:
            self.resolve(alert, at=event.at, by=BY_NINJAONE)
        return alert

    def on_acknowledge(self, event: ConditionEvent) -> Alert:
        by = f"NinjaOne user {event.user_id}" if event.user_id is not None else BY_NINJAONE
        alert = self.locked_alert(event.series_uid)
        if alert is None:
            alert, new = self.insert(
                event,
                status=AlertStatus.ACKNOWLEDGED,
                occurrence_count=0,
                acknowledged_at=event.at,
                acknowledged_by=by,
            )
            if new:
                self.signal(signals.alert_acknowledged, alert, by=by)
                return alert
        if alert.acknowledged_at is not None and event.at <= alert.acknowledged_at:
            return alert  # a repeat, or older than the acknowledgement we have
        alert.acknowledged_at = event.at
        alert.acknowledged_by = by
        if alert.status == AlertStatus.ACTIVE:
            alert.status = AlertStatus.ACKNOWLEDGED
        self.signal(signals.alert_acknowledged, alert, by=by)
        return alert

    def resolve(self, alert: Alert, *, at: datetime, by: str) -> None:
        """Mark resolved and handle the ticket as the rule says (close, or note why it stays open)."""
        alert.status = AlertStatus.RESOLVED
        alert.resolved_at = at
        alert.resolved_by = by
        self.signal(signals.alert_resolved, alert, by=by)
        ref = self.ticket_of(alert)
        if ref is None or not ref.state.is_open:
            return
        others = self.session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(
                Alert.integration_id == self.integration_id,
                Alert.ticket_id == ref.ticket_id,
                Alert.id != alert.id,
                Alert.status != AlertStatus.RESOLVED,
            )
        )
        what = "reset in NinjaOne" if by == BY_NINJAONE else f"resolved by {by}"
        if others:
            self.note(
                ref.ticket_id,
                ticket_text.reset_kept_open_note(
                    at, what, f"{others} other alert(s) on this ticket are still active."
                ),
            )
            return
        if alert.flapping:
            return  # the flapping note said the ticket stays open; no note per cycle
        rule = self.rule_for(alert)
        if rule is None or not rule.actions.close_on_reset:
            self.note(
                ref.ticket_id,
                ticket_text.reset_kept_open_note(at, what, "The alert rule keeps the ticket open."),
            )
            return
        if ref.state.worked_by_human:
            self.note(
                ref.ticket_id,
                ticket_text.reset_kept_open_note(
                    at, what, "A person worked this ticket, so it stays open for them to close."
                ),
            )
            return
        self.host.close_ticket(self.tenant_id, ref.ticket_id, ticket_text.reset_close_note(at, what))
        self.session.execute(
            update(Alert)
            .where(Alert.integration_id == self.integration_id, Alert.ticket_id == ref.ticket_id)
            .values(ticket_closed_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )

    # -- signals ---------------------------------------------------------------------------------------

    def signal(self, signal: Any, alert: Alert, **extra: Any) -> None:
        """Queue a signal; its values are taken now (the row expires at the commit)."""
        if signal.receivers:
            self.session.flush()
            data = {
                "alert_id": alert.id,
                "series_uid": alert.series_uid,
                "ticket_id": alert.ticket_id,
                **extra,
            }
            self._signals.append((signal, data))

    def send_signals(self) -> None:
        """Send after the commit, so receivers see what the signal announces."""
        if not self._signals:
            return
        app = current_app_object()
        pending, self._signals = self._signals, []
        for signal, data in pending:
            signal.send(app, tenant_id=self.tenant_id, integration_id=self.integration_id, **data)


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
    runs: dict[int, _Run] = {}
    result = []
    for alert in alerts:
        run = runs.get(alert.integration_id)
        if run is None:
            integration = get_scoped(session, Integration, alert.integration_id)
            if integration is None:
                continue
            run = runs[alert.integration_id] = _Run(session, integration)
        result.append((alert, replace(run.facts(alert), status_code="TRIGGERED")))
    return result
