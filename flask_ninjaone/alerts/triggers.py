"""A TRIGGERED event: the alert row, the rule that handles it, flapping, and its one ticket.

* A repeat adds a note to the open ticket and bumps ``occurrence_count``; a new series of the same
  problem (device + condition) joins the problem's open ticket; a recurrence within the rule's
  reopen window reopens the closed ticket; flapping (more than K cycles in M minutes, see
  :mod:`.flapping`) is collapsed into one ticket with one note.
* Maintenance windows, "record only" rules, unmatched alerts and unmapped organizations record the
  alert without a ticket, saying why in ``suppressed_reason``.
* A trigger no newer than what was applied only fills in the row's missing details, and never opens
  a ticket (a trigger arriving after its reset).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .. import signals
from ..models import Alert, AlertStatus
from . import ticket_text
from .events import TRIGGER, ConditionEvent
from .flapping import CycleCount, count_cycle, dump_times, load_times
from .rows import is_stale
from .rules import NO_RULE_ACTIONS, AlertFacts, RuleActions, RuleSpec, first_match, ticket_priority
from .run import LifecycleRun

#: ``suppressed_reason`` is a 255-character column.
MAX_REASON = 255


def on_trigger(run: LifecycleRun, event: ConditionEvent) -> Alert:
    """Apply a trigger to its series (the problem lock held); returns the row."""
    alert = run.rows.locked(event.series_uid)
    new = first = recurrence = False
    if alert is None:
        alert, new = run.rows.insert(
            event,
            triggered_at=event.created_at or event.at,
            last_triggered_at=event.at,
            last_activity_id=event.activity_id,
        )
    if not new:
        if is_stale(alert, event):
            _fill_in(alert, event)
            return alert
        first = alert.last_triggered_at is None
        recurrence = alert.status == AlertStatus.RESOLVED
        run.rows.absorb(alert, event)
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
    facts = run.lookups.facts(alert)
    rule = first_match(run.lookups.rules(), facts)
    alert.rule_id = rule.id if rule is not None else None
    actions = rule.actions if rule is not None else NO_RULE_ACTIONS
    new_cycle = new or first or recurrence
    cycle = _count_cycle(run, alert, actions, event.at, same_series=recurrence) if new_cycle else None
    _route_ticket(run, alert, facts, rule, event.at, new_cycle=new_cycle, cycle=cycle)
    quiet_flap = cycle is not None and cycle.flapping and not cycle.started_flapping
    notice_rule = rule if new_cycle and rule is not None and rule.actions.notify_user_ids else None
    if notice_rule is not None and not quiet_flap and run.lookups.in_maintenance(alert, event.at) is None:
        _notify(run, alert, facts, notice_rule)
    run.signals.queue(
        signals.alert_received,
        alert,
        device_id=alert.device_id,
        severity=alert.severity,
        occurrence_count=alert.occurrence_count,
        ticket_id=alert.ticket_id,
        new=new_cycle,
    )
    return alert


def _fill_in(alert: Alert, event: ConditionEvent) -> None:
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


def _count_cycle(
    run: LifecycleRun, alert: Alert, actions: RuleActions, at: datetime, *, same_series: bool
) -> CycleCount:
    """Count one more cycle of the problem, carrying a new series' predecessor's times forward."""
    if same_series:
        previous: Alert | None = alert
    else:
        previous = run.lookups.problem_series(alert)[0]
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


def _suppression(run: LifecycleRun, alert: Alert, rule: RuleSpec | None, at: datetime) -> str | None:
    """Why no ticket may be opened or reopened for the alert now, or ``None``."""
    if rule is None:
        return "No alert rule matched: recorded without a ticket."
    if not rule.actions.creates_ticket:
        return f"Rule “{rule.name}” records alerts without tickets."[:MAX_REASON]
    window = run.lookups.in_maintenance(alert, at)
    if window is not None:
        return f"Maintenance window “{window.name}” was active."[:MAX_REASON]
    if alert.organization_id is None:
        if run.lookups.device(alert.device_id) is None:
            return (
                f"Device {alert.device_id} is not synced yet and the alert names no organization: "
                "no client to open a ticket for."
            )[:MAX_REASON]
        return "The device belongs to no organization: no client to open a ticket for."
    if run.lookups.client_id(alert.organization_id) is None:
        return f"Organization {alert.organization_id} is not mapped to a client: no ticket opened."[
            :MAX_REASON
        ]
    return None


def _route_ticket(
    run: LifecycleRun,
    alert: Alert,
    facts: AlertFacts,
    rule: RuleSpec | None,
    at: datetime,
    *,
    new_cycle: bool,
    cycle: CycleCount | None,
) -> None:
    """Note on the problem's open ticket, or reopen its closed one, or open one, or record why not."""
    tickets = run.tickets
    actions = rule.actions if rule is not None else NO_RULE_ACTIONS
    onset_note = (
        ticket_text.flapping_note(cycle.count, actions.flap_minutes, actions.flap_cycles)
        if cycle is not None and cycle.started_flapping
        else None
    )
    flapping_quietly = alert.flapping and onset_note is None
    own = tickets.ticket_of(alert)
    sibling = tickets.problem_ticket(alert) if own is None or not own.state.is_open else None
    open_ref = own if own is not None and own.state.is_open else None
    if open_ref is None and sibling is not None and sibling.state.is_open:
        open_ref = sibling
    if open_ref is not None:
        alert.ticket_id = open_ref.ticket_id
        alert.suppressed_reason = None
        if onset_note is not None:
            tickets.note(open_ref.ticket_id, onset_note)
        elif not flapping_quietly:
            body = (
                ticket_text.new_series_note(facts, at)
                if new_cycle
                else ticket_text.repeat_note(facts, alert.occurrence_count, at)
            )
            tickets.note(open_ref.ticket_id, body)
        return
    reason = _suppression(run, alert, rule, at)
    if reason is not None:
        alert.suppressed_reason = reason
        return
    closed = own if own is not None else sibling
    if closed is not None:
        closed_at = closed.alert.ticket_closed_at or closed.alert.resolved_at
        hours = actions.reopen_window_hours
        within = hours > 0 and closed_at is not None and at - closed_at <= timedelta(hours=hours)
        if alert.flapping or within:
            tickets.reopen(
                closed.ticket_id, ticket_text.reopen_note(facts, at, None if alert.flapping else hours)
            )
            alert.ticket_id = closed.ticket_id
            alert.ticket_closed_at = None
            alert.suppressed_reason = None
            if onset_note is not None:
                tickets.note(closed.ticket_id, onset_note)
            return
    ticket_id = tickets.open_ticket(alert, facts, actions)
    if onset_note is not None:
        tickets.note(ticket_id, onset_note)


def _notify(run: LifecycleRun, alert: Alert, facts: AlertFacts, rule: RuleSpec) -> None:
    """Tell the rule's users about a new cycle (the ticket id appended when there is one)."""
    device = run.lookups.device_context(alert, facts)
    priority = ticket_priority(alert.severity, rule.actions.priority)
    body = ticket_text.ticket_description(facts, device, priority=priority)
    if alert.ticket_id:
        body += f"\n\nTicket: {alert.ticket_id}"
    run.lookups.host.notify(
        run.tenant_id, list(rule.actions.notify_user_ids), ticket_text.ticket_title(facts, device), body
    )
