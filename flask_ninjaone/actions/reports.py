"""What NinjaOne reported about a device, read the two ways an action's outcome arrives.

* :func:`pending` — the device's *sent* actions of a kind, when a webhook delivery is processed;
* :func:`delivered` — the payloads of deliveries already in the inbox, when the sending job is about
  to record ``sent``: NinjaOne may report faster than the job commits (a fast agent, a slow worker,
  webhooks processed inline), so the job looks there and whichever side comes second confirms.

Both tolerate :data:`SKEW` between our clock (``sent_at``) and NinjaOne's ``activityTime``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ActionState, DeviceAction, Integration, WebhookDelivery

#: Clock skew tolerated between our ``sent_at`` and NinjaOne's ``activityTime``.
SKEW = timedelta(minutes=2)


def moment(value: Any) -> datetime | None:
    """An activity's time (epoch seconds, int or float, as the samples vary) as an aware datetime."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def pending(
    session: Session, integration: Integration, device_id: Any, kinds: Collection[str]
) -> list[DeviceAction]:
    """The device's actions of ``kinds`` NinjaOne accepted and has not reported on yet, oldest first."""
    rows = session.scalars(
        select(DeviceAction).where(
            DeviceAction.integration_id == integration.id,
            DeviceAction.device_id == device_id,
            DeviceAction.kind.in_(list(kinds)),
            DeviceAction.state == ActionState.SENT,
        )
    ).all()
    return sorted(rows, key=lambda row: (row.sent_at or datetime.max.replace(tzinfo=UTC), row.id))


def sent_before(action: DeviceAction, at: datetime) -> bool:
    """Whether ``action`` was sent before an activity at ``at`` (an older report is not its outcome)."""
    return action.sent_at is not None and action.sent_at - SKEW <= at


def delivered(
    session: Session,
    action: DeviceAction,
    since: datetime,
    status_codes: Collection[str],
    activity_type: str | None = None,
) -> list[dict[str, Any]]:
    """Payloads of the deliveries about the action's device with one of ``status_codes`` (and of
    ``activity_type`` when given) whose activity happened at or after ``since``, oldest first."""
    query = select(WebhookDelivery.payload).where(
        WebhookDelivery.integration_id == action.integration_id,
        WebhookDelivery.device_id == action.device_id,
        WebhookDelivery.status_code.in_(list(status_codes)),
        WebhookDelivery.received_at >= since - SKEW,
    )
    if activity_type is not None:
        query = query.where(WebhookDelivery.activity_type == activity_type)
    found = [
        (at, payload)
        for payload in session.scalars(query)
        if (at := moment(payload.get("activityTime"))) is not None and at >= since - SKEW
    ]
    return [payload for _, payload in sorted(found, key=lambda item: item[0])]
