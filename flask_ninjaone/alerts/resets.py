"""Resetting alerts in NinjaOne when a person closes their ticket: owed first, sent second.

The host calls :func:`ticket_closed` after committing a close; the ``alerts.reset_on_close`` job
(:func:`reset_on_ticket_close`) owes a reset for every linked alert whose rule wants one, commits,
and tries to send them at once. A reset NinjaOne confirms (204, or 404: already gone) resolves the
alert "by ticket close"; one it does not (a 429 with a long ``Retry-After``, a 5xx, NinjaOne down,
the connection broken) stays owed on the alert — shown on its page and in ``flask ninjaone alerts``
— and is retried by :mod:`..owed_writes` (delayed job, scheduler tick) and by the reconciliation,
until NinjaOne confirms. Before, such a reset was logged and lost: the alert stayed active on both
sides with its ticket closed, and nothing ever noticed.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..client import NotFound
from ..connection.api_client import owed_write_client
from ..jobs import enqueue
from ..models import Alert, Integration, OwedKind, OwedWrite
from ..models.base import utcnow
from ..owed_writes import Sender, owe, send_due
from ..state import get_state
from ..tenancy import get_scoped
from .catalog import BY_TICKET_CLOSE
from .lifecycle import resets_wanted_on_close, resolve_series

log = logging.getLogger(__name__)


def ticket_closed(tenant_id: str, ticket_id: str) -> None:
    """Host callback: a person closed ``ticket_id``. Call it after the close is committed.

    Queues ``alerts.reset_on_close`` (deterministic job id per ticket) so the host's request is not
    held up by NinjaOne; the job resets the linked alerts whose rule says so. Never raises: a queue
    failure is logged (the reconciliation job still resolves the alert later if it is reset).
    """
    try:
        enqueue(
            "alerts.reset_on_close", tenant_id=str(tenant_id), key=str(ticket_id), ticket_id=str(ticket_id)
        )
    except Exception:  # noqa: BLE001 - a host's close must never fail because of us
        log.exception(
            "ninjaone: could not queue the alert reset for ticket %s of tenant %s", ticket_id, tenant_id
        )


def reset_on_ticket_close(session: Session, ticket_id: str) -> dict[str, int]:
    """The job behind :func:`ticket_closed` (runs in the ticket's tenant scope).

    Records when the ticket closed (for the reopen window) on every alert linked to it, owes a reset
    for each still-open alert whose rule has ``reset_in_ninjaone_on_close`` and sends them. Returns
    ``{"alerts", "reset", "owed"}``: linked, confirmed by NinjaOne, still owed. Nothing happens if the
    ticket was reopened before the job ran.
    """
    counts = {"alerts": 0, "reset": 0, "owed": 0}
    ticket_id = str(ticket_id)
    linked = list(session.scalars(select(Alert).where(Alert.ticket_id == ticket_id).order_by(Alert.id)))
    if not linked:
        return counts
    counts["alerts"] = len(linked)
    state = get_state().host.ticket_state(linked[0].tenant_id, ticket_id)
    if state.exists and state.is_open:
        log.info("ninjaone: ticket %s was reopened before its alerts were reset; nothing to do", ticket_id)
        return counts
    session.execute(
        update(Alert)
        .where(Alert.ticket_id == ticket_id, Alert.ticket_closed_at.is_(None))
        .values(ticket_closed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    for integration_id in sorted({alert.integration_id for alert in linked}):
        integration = get_scoped(session, Integration, integration_id)
        if integration is None:
            continue
        mine = [alert for alert in linked if alert.integration_id == integration_id]
        wanted = resets_wanted_on_close(session, integration, mine)
        if not wanted:
            continue
        for series_uid in wanted:
            owe(session, integration_id, OwedKind.ALERT_RESET, series_uid)
        session.commit()  # owed before sent: a worker dying now leaves them owed, not lost
        sent = send_due(session, SENDERS, integration_id=integration_id, targets=wanted)
        counts["reset"] += sent["sent"]
        counts["owed"] += sent["owed"]
    return counts


def send_reset(session: Session, write: OwedWrite) -> None:
    """Send one owed reset; returns once NinjaOne confirmed it and the alert is resolved here."""
    integration, client = owed_write_client(session, write, "alert")
    with client:
        try:
            client.reset_alert(write.target)
        except NotFound:
            pass  # already gone from NinjaOne: the reset we wanted
        except ValueError:
            # Not a uid the API can address (NinjaOne's are UUIDs): no attempt can ever succeed.
            log.warning("ninjaone: alert %s cannot be reset through the API; dropped", write.target)
            return
    resolve_series(session, integration, write.target, by=BY_TICKET_CLOSE)


#: The owed writes this module sends (the reconciliation and the ``writes.send`` job use it too).
SENDERS: dict[str, Sender] = {OwedKind.ALERT_RESET: send_reset}
