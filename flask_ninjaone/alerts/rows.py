"""An integration's alert rows as the lifecycle changes them: locked, read, inserted, brought up to date.

Every change runs under the problem lock and the alert's row lock (:mod:`.locks`); a concurrent
insert of the same series is caught by the unique key and the winner's row re-read. Events are
ordered by activity id (else by time): :func:`is_stale` tells a repeat or an overtaken event from a
new one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Alert, AlertStatus
from .catalog import BY_NINJAONE
from .events import TRIGGER, ConditionEvent
from .locks import lock_problem, problem_key
from .lookups import Lookups


class AlertRows:
    """Reads and writes of one integration's alert rows, in the caller's transaction."""

    def __init__(self, session: Session, lookups: Lookups) -> None:
        self.session = session
        self.lookups = lookups
        self.integration_id = lookups.integration_id
        self.tenant_id = lookups.tenant_id

    def lock(self, series_uid: str, device_id: int | None, source_config_uid: str | None) -> None:
        """Take the problem lock of a series (device + condition), held until the transaction ends."""
        lock_problem(
            self.session,
            self.tenant_id,
            self.integration_id,
            problem_key(series_uid, device_id, source_config_uid),
        )

    def locked(self, series_uid: str) -> Alert | None:
        """The series' row, locked and re-read (another worker may have changed it since we looked)."""
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
            existing = self.locked(event.series_uid)
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
        device = self.lookups.device(alert.device_id)
        if device is not None:
            alert.host_asset_id = None if device.retired else device.host_asset_id
            alert.organization_id = device.organization_id
        elif event.organization_id is not None:
            alert.organization_id = event.organization_id


def is_stale(alert: Alert, event: ConditionEvent) -> bool:
    """Whether ``event`` is no newer than the last event applied to ``alert`` (repeat or overtaken)."""
    if event.activity_id is not None and alert.last_activity_id is not None:
        return event.activity_id <= alert.last_activity_id
    marks = [alert.last_triggered_at]
    if alert.status == AlertStatus.RESOLVED and alert.resolved_by == BY_NINJAONE:
        marks.append(alert.resolved_at)
    known = [mark for mark in marks if mark is not None]
    return bool(known) and event.at <= max(known)
