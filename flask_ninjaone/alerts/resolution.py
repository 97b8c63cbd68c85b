"""Resolving an alert — a RESET from NinjaOne, a person in the panel, the reconciliation — and its ticket.

The ticket closes when the rule says so and no person worked it (otherwise it gets a note saying why
it stays open), and only when no other active alert shares it. A flapping problem's ticket stays
open without a note per cycle: the flapping note said so once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from .. import signals
from ..models import Alert, AlertStatus
from . import ticket_text
from .catalog import BY_NINJAONE
from .events import ConditionEvent
from .rows import is_stale
from .run import LifecycleRun


def on_reset(run: LifecycleRun, event: ConditionEvent) -> Alert:
    """Apply a reset to its series (the problem lock held); a reset before its trigger is recorded."""
    alert = run.rows.locked(event.series_uid)
    if alert is None:
        alert, new = run.rows.insert(
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
    if is_stale(alert, event):
        return alert
    if event.activity_id is not None:
        alert.last_activity_id = event.activity_id
    alert.status_code = event.status_code
    if alert.status != AlertStatus.RESOLVED:
        resolve(run, alert, at=event.at, by=BY_NINJAONE)
    return alert


def resolve(run: LifecycleRun, alert: Alert, *, at: datetime, by: str) -> None:
    """Mark resolved and handle the ticket as the rule says (close, or note why it stays open)."""
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = at
    alert.resolved_by = by
    run.signals.queue(signals.alert_resolved, alert, by=by)
    ref = run.tickets.ticket_of(alert)
    if ref is None or not ref.state.is_open:
        return
    others = run.session.scalar(
        select(func.count())
        .select_from(Alert)
        .where(
            Alert.integration_id == run.integration_id,
            Alert.ticket_id == ref.ticket_id,
            Alert.id != alert.id,
            Alert.status != AlertStatus.RESOLVED,
        )
    )
    what = "reset in NinjaOne" if by == BY_NINJAONE else f"resolved by {by}"
    if others:
        run.tickets.note(
            ref.ticket_id,
            ticket_text.reset_kept_open_note(
                at, what, f"{others} other alert(s) on this ticket are still active."
            ),
        )
        return
    if alert.flapping:
        return  # the flapping note said the ticket stays open; no note per cycle
    rule = run.lookups.rule_for(alert)
    if rule is None or not rule.actions.close_on_reset:
        run.tickets.note(
            ref.ticket_id, ticket_text.reset_kept_open_note(at, what, "The alert rule keeps the ticket open.")
        )
        return
    if ref.state.worked_by_human:
        run.tickets.note(
            ref.ticket_id,
            ticket_text.reset_kept_open_note(
                at, what, "A person worked this ticket, so it stays open for them to close."
            ),
        )
        return
    run.tickets.close(ref.ticket_id, ticket_text.reset_close_note(at, what))
