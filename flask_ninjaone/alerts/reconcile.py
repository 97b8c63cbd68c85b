"""Reconciliation: repair what webhook deliveries missed, with one ``GET /v2/alerts`` per run.

* An alert active in NinjaOne that we have no row for is a TRIGGERED we never received: it goes
  through the lifecycle like a delivery (rules, ticket, everything), as a trigger with no activity id.
* An alert open here (active or acknowledged) that NinjaOne no longer lists was reset while we were
  not listening: it is resolved "by reconciliation" and its ticket handled as on a reset.
* A reset owed to NinjaOne (its ticket was closed, NinjaOne did not confirm the reset yet) is sent
  when due; one whose alert NinjaOne no longer lists is done without a call. An alert still active on
  both sides whose ticket a person closed, with a rule that resets on close but no reset owed (its
  reset job was lost), gets its reset owed and sent: before, "active on both sides" hid it for good.
  The host is asked about those tickets only for alerts whose rule resets on close.

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
from ..models import Alert, AlertStatus, ConnectionStatus, Integration, OwedKind, OwedWrite
from ..models.base import utcnow
from ..owed_writes import forget, owe, send_due
from ..state import get_state
from .catalog import BY_RECONCILIATION, BY_TICKET_CLOSE
from .events import ConditionEvent
from .lifecycle import apply_event, resets_wanted_on_close, resolve_series
from .resets import SENDERS

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(minutes=2)
#: Connection states in which a reconciliation can talk to NinjaOne.
RECONCILABLE = (ConnectionStatus.CONNECTED, ConnectionStatus.SYNCING, ConnectionStatus.ERROR)
_CHUNK = 500


def reconcile(
    session: Session,
    integration: Integration,
    client: NinjaOneClient,
    *,
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
) -> dict[str, int]:
    """Compare NinjaOne's active alerts with ours and settle owed resets; returns ``{"remote",
    "created", "resolved", "resets_sent", "resets_owed"}``."""
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

    resets = _settle_resets(session, integration, set(by_uid), fetched_at)

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
    if created or resolved or any(resets.values()):
        log.info(
            "ninjaone: alert reconciliation of integration %s created %d and resolved %d alert(s); "
            "resets: %d confirmed, %d still owed",
            integration_id,
            created,
            resolved,
            resets["resets_sent"],
            resets["resets_owed"],
        )
    return {"remote": len(by_uid), "created": created, "resolved": resolved, **resets}


def _settle_resets(
    session: Session, integration: Integration, remote: set[str], now: datetime
) -> dict[str, int]:
    """Owed resets: done when NinjaOne no longer lists the alert, else sent when due; and owed anew
    for open alerts of closed tickets that should have been reset. ``{"resets_sent", "resets_owed"}``."""
    integration_id = integration.id
    owed = set(
        session.scalars(
            select(OwedWrite.target).where(
                OwedWrite.integration_id == integration_id, OwedWrite.kind == OwedKind.ALERT_RESET
            )
        )
    )
    gone = sorted(owed - remote)
    for series_uid in gone:
        resolve_series(session, integration, series_uid, by=BY_TICKET_CLOSE, at=now)
    forget(session, integration_id, OwedKind.ALERT_RESET, gone)
    # Open on both sides with a ticket a person closed, a rule that resets on close and nothing owed:
    # the reset was lost before it could be owed (its job never ran, or an older version dropped it).
    with_tickets = session.scalars(
        select(Alert).where(
            Alert.integration_id == integration_id,
            Alert.status != AlertStatus.RESOLVED,
            Alert.ticket_id.is_not(None),
        )
    ).all()
    unowed = [alert for alert in with_tickets if alert.series_uid in remote and alert.series_uid not in owed]
    wanted = set(resets_wanted_on_close(session, integration, unowed))
    host = get_state().host
    for alert in unowed:
        if alert.series_uid not in wanted:
            continue
        ticket = host.ticket_state(integration.tenant_id, alert.ticket_id or "")
        if ticket.exists and not ticket.is_open:
            alert.ticket_closed_at = alert.ticket_closed_at or now  # the reopen window counts from here
            owe(session, integration_id, OwedKind.ALERT_RESET, alert.series_uid)
    session.commit()
    sent = send_due(session, SENDERS, integration_id=integration_id)
    return {"resets_sent": len(gone) + sent["sent"], "resets_owed": sent["owed"]}
