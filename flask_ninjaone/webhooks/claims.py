"""Claims on inbox deliveries: a short lease that a live attempt renews and a dead one loses.

An attempt claims its delivery with one conditional ``UPDATE`` (``processing``, one more attempt,
``next_attempt_at`` = the end of the lease) and commits the claim before working. A claim used to
last the job timeout (an hour), so a delivery whose worker was SIGKILLed or whose database
connection died waited that long; now it lasts ``NINJAONE_DELIVERY_LEASE_SECONDS`` (30 s) and a
:class:`Heartbeat` renews it while its attempt is still working, however long one step takes.

A lapsed claim is safe to take over even when its holder is only slow, not dead: every handler is
idempotent in effect (the alert lifecycle applies an activity once per series under its problem
lock; device syncs and retirements converge on NinjaOne's state), and the attempt number the claim
set is its token — the outcome is written only while the row still carries it (:func:`finish`), so
an attempt that lost its claim cannot overwrite what the attempt that took over recorded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, Update, bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..config import setting
from ..dml import rows_matched
from ..models import DeliveryStatus, WebhookDelivery
from ..models.base import table_of, utcnow
from .inbox import due

log = logging.getLogger(__name__)
_inbox = table_of(WebhookDelivery)


@dataclass(frozen=True)
class Claim:
    """A delivery claimed by this attempt; ``attempt`` (the row's attempt count it set) is its token."""

    delivery_id: int
    attempt: int
    integration_id: int
    payload: dict[str, Any]
    received_at: datetime


def lease(app: Flask | None = None) -> timedelta:
    """How long a claim lives without renewal."""
    return timedelta(seconds=setting("NINJAONE_DELIVERY_LEASE_SECONDS", app))


def take(session: Session, delivery_id: int) -> Claim | None:
    """Claim the delivery if it is due (pending, or its claim lapsed) and commit the claim.

    ``None`` when it is not due: claimed by a live attempt, waiting out a backoff, or finished.
    """
    claimed = _claim(session, WebhookDelivery.id == delivery_id)
    session.commit()
    return claimed[0] if claimed else None


def take_due(session: Session, tenant_id: str, limit: int) -> list[Claim]:
    """Claim the bound tenant's oldest due deliveries, at most ``limit``, in arrival order; the caller
    commits (with the outcomes of the previous batch, see :func:`record`).

    Two statements claim the whole batch, its ids picked and then updated: a claim per delivery cost
    an ``UPDATE``, a ``BEGIN`` and a ``COMMIT`` each, a sixth of a storm's round trips. On PostgreSQL
    the ids are picked ``FOR UPDATE SKIP LOCKED``, so two drains of a tenant claim different
    deliveries instead of waiting on each other, and the rows stay locked until the commit. (Not one
    ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)``: PostgreSQL may run such a
    subquery again per row and claim more than ``n``.)
    """
    picked = session.scalars(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.tenant_id == tenant_id, due(utcnow()))
        .order_by(WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not picked:
        return []
    return sorted(_claim(session, WebhookDelivery.id.in_(picked)), key=lambda claim: claim.delivery_id)


def _claim(session: Session, which: ColumnElement[bool]) -> list[Claim]:
    """Claim the due deliveries ``which`` selects: ``processing``, one more attempt, leased."""
    now = utcnow()
    rows = session.execute(
        update(WebhookDelivery)
        .where(which, due(now))
        .values(
            status=DeliveryStatus.PROCESSING,
            attempts=WebhookDelivery.attempts + 1,
            next_attempt_at=now + lease(),
        )
        .returning(
            WebhookDelivery.id,
            WebhookDelivery.attempts,
            WebhookDelivery.integration_id,
            WebhookDelivery.payload,
            WebhookDelivery.received_at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return [Claim(*row) for row in rows]


def _held(claim: Claim) -> Update:
    """An UPDATE of the delivery that matches only while ``claim`` is still its current claim."""
    return (
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == claim.delivery_id,
            WebhookDelivery.status == DeliveryStatus.PROCESSING,
            WebhookDelivery.attempts == claim.attempt,
        )
        .execution_options(synchronize_session=False)
    )


def finish(session: Session, claim: Claim, values: dict[str, Any]) -> bool:
    """Record the attempt's outcome and commit, only if the claim is still this attempt's; ``False``
    if another attempt took the delivery over (its outcome stands)."""
    lost = record(session, [(claim, values)])
    session.commit()
    return not lost


def record(session: Session, outcomes: list[tuple[Claim, dict[str, Any]]]) -> dict[int, str]:
    """Write the attempts' outcomes where their claims still hold (the caller commits); returns the
    deliveries whose claim another attempt took over, with their status (that attempt's outcome
    stands).

    ``values`` may give the attempt back (``attempts`` = ``claim.attempt - 1``, for a throttled one):
    the count then never drops below what it was before this claim, so no later claim can carry
    the token of an attempt that lost its claim and is still running. Outcomes with the same columns
    go in one ``executemany`` (one round trip with psycopg's pipeline); a drain records a batch's at
    once, with the next batch's claim.
    """
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for claim, values in outcomes:
        params = {f"new_{key}": value for key, value in values.items()}
        params.update(held_id=claim.delivery_id, held_attempt=claim.attempt)
        groups.setdefault(tuple(sorted(values)), []).append(params)
    written = 0
    for columns, rows in groups.items():
        statement = (
            update(_inbox)
            .where(
                _inbox.c.id == bindparam("held_id"),
                _inbox.c.status == DeliveryStatus.PROCESSING,
                _inbox.c.attempts == bindparam("held_attempt"),
            )
            .values({column: bindparam(f"new_{column}") for column in columns})
        )
        written += rows_matched(session.execute(statement, rows))
    if written == len(outcomes):
        return {}
    lost = _lost(session, outcomes)
    for claim, _ in outcomes:
        if claim.delivery_id in lost:
            log.warning("ninjaone webhook %s: attempt %s lost its claim to a later attempt; its outcome "
                        "is not recorded", claim.delivery_id, claim.attempt)  # fmt: skip
    return lost


def _lost(session: Session, outcomes: list[tuple[Claim, dict[str, Any]]]) -> dict[int, str]:
    """Which of ``outcomes`` were not written (their row does not carry what was just written), with
    the status their row has."""
    wanted = {
        claim.delivery_id: (values["status"], values.get("attempts", claim.attempt))
        for claim, values in outcomes
    }
    rows = session.execute(
        select(_inbox.c.id, _inbox.c.status, _inbox.c.attempts).where(_inbox.c.id.in_(wanted))
    )
    found = {row.id: (str(row.status), row.attempts) for row in rows}
    return {
        delivery_id: found[delivery_id][0] if delivery_id in found else "missing"
        for delivery_id, written in wanted.items()
        if found.get(delivery_id) != written
    }


class Heartbeat:
    """Renews the claims a drain is working on, from a thread of its own.

    A claim is short so a dead worker's deliveries are taken over quickly, but one step of an
    attempt (a slow API answer with retries, a host adapter call) may take longer than the lease. The
    thread wakes every third of the lease and extends the current batch's claims if they are older
    than that, so the usual batch (milliseconds a delivery) costs no write at all. It uses its own
    connection: the drain's session may be in the middle of a transaction. A renewal that fails
    (database busy or gone) is logged and tried again on the next beat; if the claim lapses
    meanwhile, the delivery is taken over, which is safe (see the module docstring).
    """

    def __init__(self, app: Flask) -> None:
        self._engine = app.extensions["sqlalchemy"].engine
        self._lease = lease(app)
        self._current: tuple[Sequence[Claim], float] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def holding(self, claims: Sequence[Claim]) -> Iterator[None]:
        """Keep ``claims`` (a drain's batch, from its claim until its outcomes are recorded) renewed
        for the duration of the block."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._beat, name="ninjaone-claim-heartbeat", daemon=True)
            self._thread.start()
        self._current = (claims, time.monotonic())
        try:
            yield
        finally:
            self._current = None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        interval = self._lease.total_seconds() / 3
        while not self._stop.wait(interval):
            current = self._current
            if current is None or time.monotonic() - current[1] < interval:
                continue
            for claim in current[0]:
                try:
                    with self._engine.begin() as connection:
                        connection.execute(_held(claim).values(next_attempt_at=utcnow() + self._lease))
                except SQLAlchemyError as exc:
                    log.warning("ninjaone webhook %s: could not renew its claim (%s)", claim.delivery_id, exc)
