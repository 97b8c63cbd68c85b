"""Confirm sent reboots from what NinjaOne reports: the agent's ``SYSTEM_REBOOTED`` activity.

Called for every processed webhook delivery (see :mod:`..webhooks.processing`). NinjaOne delivers
``MONITOR`` / ``SYSTEM_REBOOTED`` when the agent is back after a restart (``activityTime`` is when it
reported, ``data.message.params.reboot_date`` when the machine restarted). A delivery can repeat or
arrive late, so only a reboot *sent* before the activity's time is confirmed, and only while it is
still ``sent``: a repeat confirms nothing twice and writes no second ticket note.

NinjaOne may also deliver it before the sending job has recorded ``sent`` (a fast agent, a slow
worker, or webhooks processed inline): :func:`reported_reboot` lets the job find such a delivery in
the inbox right before it commits, so either side confirms, whichever comes second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ActionKind, ActionState, DeviceAction, Integration, WebhookDelivery
from .outcome import finish, when

REBOOTED = "SYSTEM_REBOOTED"
#: Clock skew tolerated between our ``sent_at`` and NinjaOne's ``activityTime``.
SKEW = timedelta(minutes=2)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def confirm_from_activity(session: Session, integration: Integration, activity: dict[str, Any]) -> int:
    """Confirm the device's sent reboots that this activity reports done; returns how many (no commit)."""
    if activity.get("statusCode") != REBOOTED or activity.get("deviceId") is None:
        return 0
    at = _moment(activity.get("activityTime"))
    if at is None:
        return 0
    pending = session.scalars(
        select(DeviceAction).where(
            DeviceAction.integration_id == integration.id,
            DeviceAction.device_id == activity["deviceId"],
            DeviceAction.kind == ActionKind.REBOOT,
            DeviceAction.state == ActionState.SENT,
        )
    ).all()
    confirmed = 0
    for action in pending:
        if action.sent_at is None or action.sent_at - SKEW > at:
            continue  # an older reboot reported late: not this action's
        finish(session, action, ActionState.CONFIRMED, f"Rebooted; back online at {when(at)}.", at)
        confirmed += 1
    return confirmed


def reported_reboot(session: Session, action: DeviceAction, since: datetime) -> datetime | None:
    """When the device reported a reboot at or after ``since`` in a delivery already received, else None."""
    payloads = session.scalars(
        select(WebhookDelivery.payload).where(
            WebhookDelivery.integration_id == action.integration_id,
            WebhookDelivery.device_id == action.device_id,
            WebhookDelivery.status_code == REBOOTED,
            WebhookDelivery.received_at >= since - SKEW,
        )
    )
    moments = [
        at for payload in payloads if (at := _moment(payload.get("activityTime"))) and at >= since - SKEW
    ]
    return max(moments, default=None)
