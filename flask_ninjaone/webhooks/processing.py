"""Process one stored delivery: ``statusCode`` is the event, ``activityType`` its category.

Device events never trust the payload (deliveries arrive out of order): the device is re-read from
the API and synced like any other. Condition events drive the alert lifecycle. Unknown codes are
recorded as ``ignored``, not errors. Failures are retried with backoff by the queue and end in a
visible ``failed`` state carrying the error.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session

from ..client.schemas import ActivitySchema
from ..models import DeliveryStatus, Integration, WebhookDelivery
from ..models.base import utcnow
from ..services.clients import client_for
from ..sync.engine import retire_device, sync_one_device
from ..tenancy import get_scoped
from .inbox import MAX_ATTEMPTS

#: Events after which the device is re-read from the API and synced.
RESYNC_CODES = frozenset(
    {
        "NODE_CREATED",
        "NODE_UPDATED",
        "NODE_MANUALLY_APPROVED",
        "NODE_AUTOMATICALLY_APPROVED",
        "SYSTEM_REBOOTED",
        "USER_LOGGED_IN",
        "USER_LOGGED_OUT",
    }
)
#: Hardware changes: ``CPU_ADDED``, ``DISK_VOLUME_REMOVED``, …
HARDWARE_PREFIXES = ("CPU_", "MEMORY_", "DISK_DRIVE_", "DISK_VOLUME_", "ADAPTER_")
#: Events meaning the device is gone from NinjaOne.
RETIRE_CODES = frozenset({"NODE_DELETED", "NODE_MANUALLY_REJECTED"})


def classify(activity: dict[str, Any]) -> str:
    """What to do with an activity: ``alert``, ``resync``, ``retire``, ``compliance`` or ``ignore``."""
    code = activity.get("statusCode") or ""
    category = activity.get("activityType") or ""
    if category == "CONDITION":
        return "alert"
    if activity.get("deviceId") is None:
        return "ignore"
    if code in RETIRE_CODES:
        return "retire"
    if code in RESYNC_CODES or (code.startswith(HARDWARE_PREFIXES) and code.endswith(("_ADDED", "_REMOVED"))):
        return "resync"
    if category in ("PATCH_MANAGEMENT", "ANTIVIRUS") or code.startswith(("PATCH_MANAGEMENT_", "ANTIVIRUS_")):
        return "compliance"
    return "ignore"


def process(session: Session, delivery_id: int) -> str:
    """Process a delivery once; returns its final status. Raises on failure (the queue retries)."""
    delivery = get_scoped(session, WebhookDelivery, delivery_id)
    if delivery is None or delivery.status in (DeliveryStatus.DONE, DeliveryStatus.IGNORED):
        return delivery.status if delivery else "missing"
    integration = get_scoped(session, Integration, delivery.integration_id)
    delivery.status = DeliveryStatus.PROCESSING
    delivery.attempts += 1
    session.commit()
    started = time.monotonic()
    try:
        outcome = _handle(session, integration, ActivitySchema().load(delivery.payload))
    except Exception as exc:
        session.rollback()
        delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
        delivery.status = (
            DeliveryStatus.FAILED if delivery.attempts >= MAX_ATTEMPTS else DeliveryStatus.PENDING
        )
        delivery.duration_ms = int((time.monotonic() - started) * 1000)
        session.commit()
        raise
    delivery.status = DeliveryStatus.IGNORED if outcome == "ignore" else DeliveryStatus.DONE
    delivery.error = None
    delivery.processed_at = utcnow()
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    session.commit()
    return delivery.status


def _handle(session: Session, integration: Integration | None, activity: dict[str, Any]) -> str:
    action = classify(activity)
    if integration is None or action == "ignore":
        return "ignore"
    if action == "alert":
        from ..alerts.lifecycle import handle_condition

        handle_condition(session, integration, activity)
        return action
    device_id = activity["deviceId"]
    if action == "retire":
        retire_device(session, integration, device_id, f"NinjaOne: {activity.get('statusCode')}")
        return action
    with client_for(integration) as client:
        if action == "resync":
            sync_one_device(session, integration, client, device_id)
        else:
            from ..inventory.device_refresh import refresh_device_compliance

            refresh_device_compliance(session, integration, client, device_id)
    session.commit()
    return action
