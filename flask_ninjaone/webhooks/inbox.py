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
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..jobs import enqueue
from ..models import DeliveryStatus, Integration, WebhookDelivery
from ..models.base import utcnow

log = logging.getLogger(__name__)

#: A pending delivery older than this was not enqueued (or its job was lost): the sweeper re-enqueues it.
STALE_AFTER = timedelta(seconds=60)
#: Delays (seconds) between processing retries of a failing delivery.
RETRY_INTERVALS = (10, 60, 300, 900)
#: Processing attempts before a delivery is left ``failed`` for a human to look at.
MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1


@dataclass(frozen=True)
class Stored:
    """What the receiver needs of a stored delivery, read before the commit expires the row."""

    id: int
    tenant_id: str


def store(
    session: Session, integration: Integration, activity: dict[str, Any], raw: dict[str, Any]
) -> Stored | None:
    """Insert the delivery; ``None`` if this activity was already received (a duplicate)."""
    delivery = WebhookDelivery(
        integration_id=integration.id,
        activity_id=activity["id"],
        activity_type=activity.get("activityType"),
        status_code=activity.get("statusCode"),
        device_id=activity.get("deviceId"),
        series_uid=activity.get("seriesUid"),
        payload=raw,
        status=DeliveryStatus.PENDING,
    )
    session.add(delivery)
    try:
        session.flush()
        stored = Stored(delivery.id, delivery.tenant_id)
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return stored


def dispatch(delivery: WebhookDelivery | Stored) -> bool:
    """Enqueue processing; ``False`` (and the row stays pending) when the queue is unreachable.

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
