"""The alert lifecycle: condition events in, alert rows and host tickets out.

Entry points (each commits its own work, then sends the signals):

* :func:`handle_condition` — the webhook processor calls it for every CONDITION delivery.
* :func:`apply_event` — the same for an already-normalized :class:`~.events.ConditionEvent`
  (reconciliation feeds the alerts it finds in ``GET /v2/alerts`` through it).
* :func:`resolve_series` — reconciliation's "gone from NinjaOne".
* :func:`resets_wanted_on_close` — which alerts of a closed ticket to reset (:mod:`.resets` does it).

The technician's actions (acknowledge, resolve, create a ticket) are in :mod:`.panel_actions`.

Rules of the game (see docs/user-guide.md, "Alert rules"):

* Alerts are keyed by ``seriesUid``; the activity id orders and de-duplicates events of a series.
  An event no newer than the last one applied (a repeat, or one overtaken by a later event) changes
  nothing, except that a trigger arriving after its reset fills in the alert's details — and never
  opens a ticket. A RESET or ACKNOWLEDGED for a series we never saw is recorded, so its late TRIGGERED
  knows it is late.
* What a trigger does (one ticket per problem, reopening, flapping, suppression): :mod:`.triggers`.
* What a reset does to the ticket: :mod:`.resolution`.

The parts one transaction works with — alert rows (:mod:`.rows`), tickets (:mod:`.tickets`), cached
lookups (:mod:`.lookups`) and the signals sent after the commit (:mod:`.outbox`) — are bundled in
:class:`~.run.LifecycleRun`. Concurrency: every change runs under the problem lock and the alert's
row lock (:mod:`.locks`); host writes go through the same session and commit with the alert, so
either both happen or neither.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import signals
from ..models import Alert, AlertStatus, Integration
from ..models.base import utcnow
from ..state import get_state
from ..unit_of_work import unit_of_work
from .catalog import BY_NINJAONE
from .events import ACKNOWLEDGE, RESET, TRIGGER, ConditionEvent
from .lookups import Lookups, StableReads
from .resolution import on_reset, resolve
from .run import LifecycleRun
from .triggers import on_trigger

log = logging.getLogger(__name__)


def handle_condition(
    session: Session, integration: Integration | StableReads, activity: Mapping[str, Any]
) -> None:
    """Apply one CONDITION activity (a webhook delivery loaded through ``ActivitySchema``).

    ``integration`` may be a drain's :class:`~.lookups.StableReads` of it (rules, windows, mappings
    read once per drain, not per delivery).

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


def apply_event(
    session: Session, integration: Integration | StableReads, event: ConditionEvent
) -> Alert | None:
    """Apply a normalized event in its own transaction; returns the alert row (expired after commit)."""
    run = LifecycleRun(session, integration)
    with unit_of_work(session):
        run.rows.lock(event.series_uid, event.device_id, event.source_config_uid)
        if event.kind == TRIGGER:
            alert: Alert | None = on_trigger(run, event)
        elif event.kind == RESET:
            alert = on_reset(run, event)
        elif event.kind == ACKNOWLEDGE:
            alert = _on_acknowledge(run, event)
        else:
            alert = None
    run.send_signals()
    return alert


def _on_acknowledge(run: LifecycleRun, event: ConditionEvent) -> Alert:
    """Someone acknowledged the alert in NinjaOne: record who and when (the ticket is left alone)."""
    by = f"NinjaOne user {event.user_id}" if event.user_id is not None else BY_NINJAONE
    alert = run.rows.locked(event.series_uid)
    if alert is None:
        alert, new = run.rows.insert(
            event,
            status=AlertStatus.ACKNOWLEDGED,
            occurrence_count=0,
            acknowledged_at=event.at,
            acknowledged_by=by,
        )
        if new:
            run.signals.queue(signals.alert_acknowledged, alert, by=by)
            return alert
    if alert.acknowledged_at is not None and event.at <= alert.acknowledged_at:
        return alert  # a repeat, or older than the acknowledgement we have
    alert.acknowledged_at = event.at
    alert.acknowledged_by = by
    if alert.status == AlertStatus.ACTIVE:
        alert.status = AlertStatus.ACKNOWLEDGED
    run.signals.queue(signals.alert_acknowledged, alert, by=by)
    return alert


def resolve_series(
    session: Session, integration: Integration, series_uid: str, *, by: str, at: datetime | None = None
) -> bool:
    """Resolve a still-open alert (reconciliation: gone from NinjaOne); ``False`` if nothing changed."""
    run = LifecycleRun(session, integration)
    with unit_of_work(session):
        existing = session.scalars(
            select(Alert).where(Alert.integration_id == integration.id, Alert.series_uid == series_uid)
        ).one_or_none()
        if existing is None:
            return False
        run.rows.lock(series_uid, existing.device_id, existing.source_config_uid)
        alert = run.rows.locked(series_uid)
        changed = alert is not None and alert.status != AlertStatus.RESOLVED
        if alert is not None and changed:
            resolve(run, alert, at=at or utcnow(), by=by)
    run.send_signals()
    return changed


def resets_wanted_on_close(session: Session, integration: Integration, alerts: list[Alert]) -> list[str]:
    """Series uids of the still-open ``alerts`` whose rule says "reset in NinjaOne when the ticket closes"."""
    lookups = Lookups(session, integration, get_state().host)
    wanted = []
    for alert in alerts:
        rule = lookups.rule_for(alert) if alert.status != AlertStatus.RESOLVED else None
        if rule is not None and rule.actions.reset_in_ninjaone_on_close:
            wanted.append(alert.series_uid)
    return wanted
