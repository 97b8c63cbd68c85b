"""An integration's alert rows as the lifecycle changes them: locked, read, inserted, brought up to date.

Every change runs under the problem lock and the alert's row lock (:mod:`.locks`); a concurrent
insert of the same series is caught by the unique key and the winner's row re-read. Events are
ordered by activity id (else by time): :func:`is_stale` tells a repeat or an overtaken event from a
new one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from ..models import Alert, AlertStatus
from .catalog import BY_NINJAONE
from .events import TRIGGER, ConditionEvent
from .locks import lock_problem, problem_key
from .lookups import LookupsPart


class AlertRows(LookupsPart):
    """Reads and writes of one integration's alert rows, in the caller's transaction."""

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
        upsert = _INSERT_OR_NOTHING.get(self.session.get_bind().dialect.name)
        if upsert is not None:
            return self._insert_unless_taken(upsert, alert)
        try:
            with self.session.begin_nested():
                self.session.add(alert)
        except IntegrityError:
            existing = self.locked(event.series_uid)
            if existing is None:
                raise
            return existing, False
        return alert, True

    def _insert_unless_taken(self, upsert: Any, alert: Alert) -> tuple[Alert, bool]:
        """The insert as one ``INSERT … ON CONFLICT DO NOTHING RETURNING``: the savepoint around a
        plain INSERT cost two more round trips (``SAVEPOINT``, ``RELEASE``) for every new series, 7 %
        of a storm's statements (bench/README.md, session 17). A conflict (another worker inserted
        the series under another problem key) returns no row, and the winner's row is read locked
        as before."""
        mapper = inspect(Alert)
        columns = {
            attr.key: getattr(alert, attr.key) for attr in mapper.column_attrs if attr.key in alert.__dict__
        }
        inserted = self.session.scalars(
            upsert(Alert).values(columns).on_conflict_do_nothing().returning(Alert)
        ).one_or_none()
        if inserted is not None:
            return inserted, True
        existing = self.locked(alert.series_uid)
        if existing is None:  # pragma: no cover - the conflicting row was deleted since
            raise LookupError(f"alert series {alert.series_uid} conflicted but is gone")
        return existing, False

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


#: The dialects whose INSERT can skip a conflicting row and return the inserted one (see
#: :meth:`AlertRows._insert_unless_taken`); others insert in a savepoint and catch the conflict.
_INSERT_OR_NOTHING: dict[str, Any] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def is_stale(alert: Alert, event: ConditionEvent) -> bool:
    """Whether ``event`` is no newer than the last event applied to ``alert`` (repeat or overtaken)."""
    if event.activity_id is not None and alert.last_activity_id is not None:
        return event.activity_id <= alert.last_activity_id
    marks = [alert.last_triggered_at]
    if alert.status == AlertStatus.RESOLVED and alert.resolved_by == BY_NINJAONE:
        marks.append(alert.resolved_at)
    known = [mark for mark in marks if mark is not None]
    return bool(known) and event.at <= max(known)
