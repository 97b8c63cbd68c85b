"""Reconciliation: repair what webhook deliveries missed, with one ``GET /v2/alerts`` per run.

* An alert active in NinjaOne that we have no row for is a TRIGGERED we never received: it goes
  through the lifecycle like a delivery (rules, ticket, everything), as a trigger with no activity id.
* An alert open here (active or acknowledged) that NinjaOne no longer lists was reset while we were
  not listening: it is resolved "by reconciliation" and its ticket handled as on a reset.

A local alert that changed within ``grace`` of the fetch is left alone: its trigger may have reached
us after NinjaOne answered the list. A row we resolved ourselves is never re-opened from the list: a
person may have resolved it here without resetting it in NinjaOne.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..client import NinjaOneClient
from ..models import Alert, AlertStatus, Integration
from ..models.base import utcnow
from .events import ConditionEvent
from .lifecycle import BY_RECONCILIATION, apply_event, resolve_series

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(minutes=2)
_CHUNK = 500


def reconcile(
    session: Session,
    integration: Integration,
    client: NinjaOneClient,
    *,
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
) -> dict[str, int]:
    """Compare NinjaOne's active alerts with ours; returns ``{"remote", "created", "resolved"}``."""
    integration_id = integration.id
    fetched_at = now or utcnow()
    remote = client.alerts()
    by_uid: dict[str, dict[str, Any]] = {}
    for item in remote:
        uid = item.get("uid")
        if isinstance(uid, str) and uid.strip():
            by_uid[uid.strip()[:64]] = item
    known: set[str] = set()
    uids = sorted(by_uid)
    for start in range(0, len(uids), _CHUNK):
        chunk = uids[start : start + _CHUNK]
        known.update(
            session.scalars(
                select(Alert.series_uid).where(
                    Alert.integration_id == integration_id, Alert.series_uid.in_(chunk)
                )
            )
        )
    missing = sorted(
        (by_uid[uid] for uid in uids if uid not in known),
        key=lambda item: (item.get("createTime") or fetched_at, item["uid"]),
    )
    created = 0
    for item in missing:
        apply_event(session, integration, ConditionEvent.from_alert(item, now=fetched_at))
        created += 1

    cutoff = fetched_at - grace
    open_rows = session.execute(
        select(Alert.series_uid, Alert.updated_at).where(
            Alert.integration_id == integration_id, Alert.status != AlertStatus.RESOLVED
        )
    ).all()
    session.commit()  # end the read transaction before the per-alert ones
    resolved = 0
    for series_uid, updated_at in open_rows:
        if series_uid in by_uid or (updated_at is not None and updated_at >= cutoff):
            continue
        if resolve_series(session, integration, series_uid, by=BY_RECONCILIATION, at=fetched_at):
            resolved += 1
    if created or resolved:
        log.info(
            "ninjaone: alert reconciliation of integration %s created %d and resolved %d alert(s)",
            integration_id,
            created,
            resolved,
        )
    return {"remote": len(by_uid), "created": created, "resolved": resolved}
