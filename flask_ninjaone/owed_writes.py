"""Writes to NinjaOne that must happen: kept in ``ninjaone_owed_writes`` until NinjaOne confirms them.

Before this, a write that met one 429 was logged and lost: an alert reset after its ticket closed,
the webhook configuration, the webhook removal and token revocation of a disconnect. Each is now
*owed* first (a row, committed) and sent second; a failure keeps the row with its error and moves
``next_attempt_at`` to NinjaOne's ``Retry-After`` or the next step of :data:`RETRY_INTERVALS`, a
confirmation (2xx, or 404 for what is already gone) deletes it. There is no final failure: a write
that must happen keeps being tried (at most hourly), and shows where people look (the alert page,
``flask ninjaone alerts``, the settings page) until it goes through or is no longer needed.

Why one table for every kind rather than columns on each owner: the three kinds share everything but
the HTTP call (owing, claiming, backoff, scheduling, showing), and the owner of a release is gone by
design — a disconnect erases the credentials row, yet revoking its tokens needs them, so they live on
in the owed row's encrypted ``payload`` until NinjaOne confirms. An alert's owed reset is found by
(integration, ``alert_reset``, series uid).

Nothing waits long inside a worker: the client waits out a short ``Retry-After`` itself (at most
:data:`SHORT_WAIT`), a longer one ends the attempt and the row is rescheduled — a delayed
``writes.send`` job for that instant when Redis is configured, and in any case the scheduler tick
(:func:`sweep`) and the alert reconciliation, which pick up whatever is due.

Concurrency: an attempt claims its row with one conditional ``UPDATE`` (due, and pushed out by
:data:`CLAIM`), so two workers never send the same write at once; a killed worker's claim lapses. The
senders are idempotent anyway (a second reset answers 404, a second revoke is a no-op).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .client import NinjaOneError
from .dml import rows_matched
from .jobs import enqueue, enqueue_at, redis_connection
from .models import OwedKind, OwedWrite
from .models.base import utcnow
from .tenancy import get_scoped, require_tenant_id

log = logging.getLogger(__name__)

#: Seconds between attempts when NinjaOne gave no ``Retry-After`` (the last one repeats for ever).
RETRY_INTERVALS = (30, 120, 600, 1800, 3600)
#: How long an attempt holds its row; a worker killed mid-send frees it after this.
CLAIM = timedelta(minutes=5)
#: Longest ``Retry-After`` (and backoff step) a client sending an owed write waits out itself.
SHORT_WAIT = 10.0
_ERROR_LIMIT = 500

#: Sends one owed write; returns when NinjaOne confirmed, raises (anything) when it did not.
Sender = Callable[[Session, OwedWrite], None]


class NotSendable(Exception):
    """The write cannot be sent as things stand (e.g. the connection is gone); it stays owed."""


def owe(
    session: Session,
    integration_id: int,
    kind: OwedKind,
    target: str,
    *,
    payload: str | None = None,
    failed: Exception | None = None,
) -> OwedWrite:
    """Record (or refresh) an owed write; the caller commits. Owing it again starts over.

    It is due now, unless ``failed`` says a first attempt was made already (its error is kept and
    the next attempt waits as after any failed one).
    """
    now = utcnow()
    values: dict[str, Any] = {"payload": payload, "next_attempt_at": now, "attempts": 0, "last_error": None}
    if failed is not None:
        values.update(
            attempts=1,
            last_error=_describe(failed),
            next_attempt_at=now + delay_after(1, getattr(failed, "retry_after", None)),
        )
    row = _find(session, integration_id, kind, target)
    if row is None:
        row = OwedWrite(integration_id=integration_id, kind=kind, target=target, created_at=now, **values)
        try:
            with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:  # another worker owed it at the same moment
            row = _find(session, integration_id, kind, target)
            assert row is not None
    for name, value in values.items():
        setattr(row, name, value)
    return row


def _find(session: Session, integration_id: int, kind: OwedKind, target: str) -> OwedWrite | None:
    return session.scalars(
        select(OwedWrite).where(
            OwedWrite.integration_id == integration_id, OwedWrite.kind == kind, OwedWrite.target == target
        )
    ).one_or_none()


def forget(
    session: Session, integration_id: int, kind: OwedKind, targets: Iterable[str] | None = None
) -> int:
    """Drop owed writes that are no longer needed (the caller commits); returns how many."""
    statement = delete(OwedWrite).where(OwedWrite.integration_id == integration_id, OwedWrite.kind == kind)
    if targets is not None:
        statement = statement.where(OwedWrite.target.in_(list(targets)))
    return rows_matched(session.execute(statement.execution_options(synchronize_session=False)))


def send_due(
    session: Session,
    senders: Mapping[str, Sender],
    *,
    integration_id: int | None = None,
    targets: Iterable[str] | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Send the bound tenant's due owed writes of the kinds in ``senders``, oldest first.

    Returns ``{"sent", "owed"}``: confirmed (and forgotten), and still owed after this attempt.
    When some are still owed, a ``writes.send`` job is queued for the earliest next attempt.
    """
    now = now or utcnow()
    query = select(OwedWrite.id).where(OwedWrite.kind.in_(list(senders)), OwedWrite.next_attempt_at <= now)
    if integration_id is not None:
        query = query.where(OwedWrite.integration_id == integration_id)
    if targets is not None:
        query = query.where(OwedWrite.target.in_(list(targets)))
    ids = session.scalars(query.order_by(OwedWrite.id)).all()
    session.commit()  # end the read transaction before the per-write ones
    counts = {"sent": 0, "owed": 0}
    for write_id in ids:
        write = _claim(session, write_id, now)
        if write is None:
            continue  # another attempt holds it, or it was confirmed meanwhile
        try:
            senders[write.kind](session, write)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the write stays owed
            session.rollback()
            _postpone(session, write_id, exc, now)
            counts["owed"] += 1
        else:
            session.execute(delete(OwedWrite).where(OwedWrite.id == write_id))
            session.commit()
            counts["sent"] += 1
    if counts["owed"]:
        schedule_next(session)
    return counts


def _claim(session: Session, write_id: int, now: datetime) -> OwedWrite | None:
    claimed = rows_matched(
        session.execute(
            update(OwedWrite)
            .where(OwedWrite.id == write_id, OwedWrite.next_attempt_at <= now)
            .values(attempts=OwedWrite.attempts + 1, next_attempt_at=now + CLAIM)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return get_scoped(session, OwedWrite, write_id) if claimed else None


def delay_after(attempts: int, retry_after: float | None) -> timedelta:
    """NinjaOne's ``Retry-After`` when it sent one, else the backoff step of this attempt."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1.0))
    return timedelta(seconds=RETRY_INTERVALS[min(max(attempts, 1), len(RETRY_INTERVALS)) - 1])


def _postpone(session: Session, write_id: int, exc: Exception, now: datetime) -> None:
    write = get_scoped(session, OwedWrite, write_id)
    if write is None:
        return
    write.next_attempt_at = now + delay_after(write.attempts, getattr(exc, "retry_after", None))
    write.last_error = _describe(exc)
    log.warning("ninjaone owed %s %s of integration %s not confirmed (attempt %d, next at %s): %s",
                write.kind, write.target, write.integration_id, write.attempts,
                write.next_attempt_at.isoformat(), write.last_error,
                exc_info=not isinstance(exc, NinjaOneError | NotSendable))  # fmt: skip
    session.commit()


def _describe(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:_ERROR_LIMIT]


def schedule_next(session: Session) -> None:
    """Queue a ``writes.send`` job for the bound tenant's earliest owed write (needs Redis: without
    it nothing waits in a queue, and the tick or a reconciliation picks the write up)."""
    if redis_connection() is None:
        return
    earliest = session.scalar(select(func.min(OwedWrite.next_attempt_at)))
    if earliest is not None:
        enqueue_at("writes.send", tenant_id=require_tenant_id(), at=earliest)


def sweep(session: Session, now: datetime | None = None) -> list[str]:
    """The scheduler tick (system scope): queue ``writes.send`` for every tenant with a due owed write.

    The delayed job queued after a failure is the fast path; this is the one that cannot be lost.
    """
    now = now or utcnow()
    tenants = session.scalars(
        select(OwedWrite.tenant_id).where(OwedWrite.next_attempt_at <= now).distinct()
    ).all()
    for tenant_id in tenants:
        enqueue("writes.send", tenant_id=tenant_id, key="sweep")
    return list(tenants)
