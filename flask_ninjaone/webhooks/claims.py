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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Update, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..config import setting
from ..dml import rows_matched
from ..models import DeliveryStatus, WebhookDelivery
from ..models.base import utcnow
from .inbox import due

log = logging.getLogger(__name__)


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
    now = utcnow()
    row = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, due(now))
        .values(
            status=DeliveryStatus.PROCESSING,
            attempts=WebhookDelivery.attempts + 1,
            next_attempt_at=now + lease(),
        )
        .returning(
            WebhookDelivery.integration_id,
            WebhookDelivery.attempts,
            WebhookDelivery.payload,
            WebhookDelivery.received_at,
        )
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    if row is None:
        return None
    integration_id, attempt, payload, received_at = row
    return Claim(delivery_id, attempt, integration_id, payload, received_at)


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
    """Record the attempt's outcome, only if the claim is still this attempt's; ``False`` if another
    attempt took the delivery over (its outcome stands).

    ``values`` may give the attempt back (``attempts`` = ``claim.attempt - 1``, for a throttled one):
    the count then never drops below what it was before this claim, so no later claim can carry
    the token of an attempt that lost its claim and is still running."""
    written = rows_matched(session.execute(_held(claim).values(**values)))
    session.commit()
    if not written:
        log.warning("ninjaone webhook %s: attempt %s lost its claim to a later attempt; its outcome "
                    "is not recorded", claim.delivery_id, claim.attempt)  # fmt: skip
    return bool(written)


class Heartbeat:
    """Renews the claim a drain is working on, from a thread of its own.

    A claim is short so a dead worker's deliveries are taken over quickly, but one step of an
    attempt (a slow API answer with retries, a host adapter call) may take longer than the lease. The
    thread wakes every third of the lease and extends the current claim if it is older than that, so
    the usual attempt (milliseconds) costs no write at all. It uses its own connection: the drain's
    session may be in the middle of a transaction. A renewal that fails (database busy or gone) is
    logged and tried again on the next beat; if the claim lapses meanwhile, the delivery is taken
    over, which is safe (see the module docstring).
    """

    def __init__(self, app: Flask) -> None:
        self._engine = app.extensions["sqlalchemy"].engine
        self._lease = lease(app)
        self._current: tuple[Claim, float] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def holding(self, claim: Claim) -> Iterator[None]:
        """Keep ``claim`` renewed for the duration of the block."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._beat, name="ninjaone-claim-heartbeat", daemon=True)
            self._thread.start()
        self._current = (claim, time.monotonic())
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
            claim = current[0]
            try:
                with self._engine.begin() as connection:
                    connection.execute(_held(claim).values(next_attempt_at=utcnow() + self._lease))
            except SQLAlchemyError as exc:
                log.warning("ninjaone webhook %s: could not renew its claim (%s)", claim.delivery_id, exc)
