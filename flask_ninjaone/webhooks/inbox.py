"""Storing deliveries and getting them processed, even when Redis is down.

A delivery is committed to the inbox before anything else happens, unique per (integration,
activity id): a repeat is acknowledged and never processed twice. Enqueueing is a second, separate
step; if it fails (Redis down) the row stays ``pending`` and the sweeper or
``flask ninjaone inbox replay`` enqueues it later. Nothing accepted is ever lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import (
    BigInteger,
    Engine,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    insert,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..jobs import enqueue
from ..models import DeliveryStatus, Integration, WebhookDelivery
from ..models.base import UTCDateTime, utcnow
from .receivers import Receiver

log = logging.getLogger(__name__)

#: A pending delivery older than this was not enqueued (or its job was lost): the sweeper re-enqueues it.
STALE_AFTER = timedelta(seconds=60)
#: Delays (seconds) between processing retries of a failing delivery.
RETRY_INTERVALS = (10, 60, 300, 900)
#: Processing attempts before a delivery is left ``failed`` for a human to look at.
MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1


@dataclass(frozen=True)
class Stored:
    """What the receiver needs of a stored delivery: enough to enqueue its processing."""

    id: int
    tenant_id: str


class ReceiverChanged(Exception):
    """The integration's secrets (or the integration) changed since the receiver read them."""


_deliveries = WebhookDelivery.__table__
_integrations = Integration.__table__

#: One round trip stores a delivery *and* proves the receiver's view of the integration is current:
#: the row is selected from the integration only while its secret columns still hold the ciphertext
#: the receiver authenticated against, and the grace of the previous one has
#: not been moved (see ``receivers``). Casts keep NULLs typed on PostgreSQL.
_STORE = (
    insert(_deliveries)
    .from_select(
        [
            "tenant_id",
            "integration_id",
            "activity_id",
            "activity_type",
            "status_code",
            "device_id",
            "series_uid",
            "payload",
            "status",
            "attempts",
            "received_at",
        ],  # fmt: skip
        select(
            _integrations.c.tenant_id,
            _integrations.c.id,
            cast(bindparam("activity_id"), BigInteger),
            cast(bindparam("activity_type"), String(64)),
            cast(bindparam("status_code"), String(64)),
            cast(bindparam("device_id"), BigInteger),
            cast(bindparam("series_uid"), String(64)),
            bindparam("payload", type_=_deliveries.c.payload.type),
            literal(DeliveryStatus.PENDING.value, String(16)),
            literal(0, Integer),
            bindparam("received_at", type_=_deliveries.c.received_at.type),
        ).where(
            _integrations.c.id == bindparam("integration_id"),
            type_coerce(_integrations.c.webhook_secret, Text).is_not_distinct_from(
                bindparam("secret_ciphertext", type_=Text)
            ),
            type_coerce(_integrations.c.webhook_previous_secret, Text).is_not_distinct_from(
                bindparam("previous_ciphertext", type_=Text)
            ),
            _integrations.c.webhook_previous_secret_expires_at.is_not_distinct_from(
                bindparam("previous_expires_at", type_=UTCDateTime())
            ),
        ),
    )
    .returning(_deliveries.c.id)
)


def store(engine: Engine, receiver: Receiver, activity: dict[str, Any], raw: dict[str, Any]) -> Stored | None:
    """Insert the delivery, durably; ``None`` if this activity was already received (a duplicate).

    The statement runs on its own in autocommit: the database commits it before it answers, so the
    insert and its commit are one round trip instead of three (``BEGIN``, ``INSERT``, ``COMMIT``), and
    no ORM session is involved — round trips and session bookkeeping were most of the receiver's CPU.

    Raises :class:`ReceiverChanged` (nothing stored) when the integration no longer matches what
    ``receiver`` was read from: the caller reads it again and re-authenticates.
    """
    params = {
        "activity_id": activity["id"],
        "activity_type": activity.get("activityType"),
        "status_code": activity.get("statusCode"),
        "device_id": activity.get("deviceId"),
        "series_uid": activity.get("seriesUid"),
        "payload": raw,
        "received_at": utcnow(),
        "integration_id": receiver.integration_id,
        "secret_ciphertext": receiver.secret_ciphertext,
        "previous_ciphertext": receiver.previous_ciphertext,
        "previous_expires_at": receiver.webhook_previous_secret_expires_at,
    }
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            delivery_id = connection.execute(_STORE, params).scalar()
    except IntegrityError:
        return None
    if delivery_id is None:
        raise ReceiverChanged(receiver.integration_id)
    return Stored(delivery_id, receiver.tenant_id)


def dispatch(delivery: WebhookDelivery | Stored, *, fresh: bool = False) -> bool:
    """Enqueue processing; ``False`` (and the row stays pending) when the queue is unreachable.

    ``fresh``: the row was inserted just now, so no job for it can exist yet (see ``jobs.enqueue``).

    Without Redis the delivery is processed right here; a processing error is already recorded on
    the row by then, so it is logged and swallowed: the receiver must still acknowledge.
    """
    delivery_id, tenant_id = delivery.id, delivery.tenant_id
    try:
        enqueue(
            "webhooks.process",
            tenant_id=tenant_id,
            key=str(delivery_id),
            retry_intervals=RETRY_INTERVALS,
            fresh=fresh,
            delivery_id=delivery_id,
        )
    except (RedisError, OSError) as exc:
        log.warning("ninjaone webhook %s stored but not enqueued (%s); the sweeper retries", delivery_id, exc)
        return False
    except Exception:
        log.exception("ninjaone webhook %s failed inline processing; it stays in the inbox", delivery_id)
    return True


def pending(
    session: Session, *, older_than: timedelta = STALE_AFTER, limit: int = 1000
) -> list[WebhookDelivery]:
    """Deliveries still waiting for processing (in the bound scope: one tenant, or all in system scope)."""
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.received_at <= utcnow() - older_than,
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )


def replay(session: Session, *, older_than: timedelta = STALE_AFTER, include_failed: bool = False) -> int:
    """Enqueue pending (and optionally failed) deliveries; returns how many were enqueued."""
    rows = pending(session, older_than=older_than)
    if include_failed:
        failed = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.FAILED)
        )
        for row in failed:
            row.status = DeliveryStatus.PENDING
            row.attempts = 0
            rows.append(row)
        session.commit()
    return sum(1 for row in rows if dispatch(row))
