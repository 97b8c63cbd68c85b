"""Confirm sent reboots from what NinjaOne reports: the agent's ``SYSTEM_REBOOTED`` activity.

Called for every processed webhook delivery (see :mod:`..webhooks.processing`). NinjaOne delivers
``MONITOR`` / ``SYSTEM_REBOOTED`` when the agent is back after a restart (``activityTime`` is when it
reported, ``data.message.params.reboot_date`` when the machine restarted). A delivery can repeat or
arrive late, so only a reboot *sent* before the activity's time is confirmed, and only while it is
still ``sent``: a repeat confirms nothing twice and writes no second ticket note.

NinjaOne may also deliver it before the sending job has recorded ``sent`` (a fast agent, a slow
worker, or webhooks processed inline): :func:`reported_reboot` lets the job find such a delivery in
the inbox right before it commits, so either side confirms, whichever comes second.

A script run finishes the same way from ``SCRIPTING`` / ``COMPLETED`` naming the script
(``sourceName``) with its exit code and output (``data``): exit code 0 is ``confirmed``, any other
``failed``, each with the exit code and the start of the output as the result and ticket note.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, ScalarResult, select
from sqlalchemy.orm import Session

from ..models import ActionKind, ActionState, DeviceAction, Integration, WebhookDelivery
from .outcome import finish, when

REBOOTED = "SYSTEM_REBOOTED"
SCRIPTING, SCRIPT_DONE = "SCRIPTING", "COMPLETED"
#: Characters of a script's output kept in the result (and the ticket note).
OUTPUT_SUMMARY = 300
#: Clock skew tolerated between our ``sent_at`` and NinjaOne's ``activityTime``.
SKEW = timedelta(minutes=2)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def _sent(
    session: Session, integration: Integration, device_id: int, kind: ActionKind
) -> Sequence[DeviceAction]:
    """The device's actions of ``kind`` sent and not yet finished: what an activity may finish."""
    return session.scalars(
        select(DeviceAction).where(
            DeviceAction.integration_id == integration.id,
            DeviceAction.device_id == device_id,
            DeviceAction.kind == kind,
            DeviceAction.state == ActionState.SENT,
        )
    ).all()


def _delivered(
    session: Session, action: DeviceAction, since: datetime, *activity: ColumnElement[bool]
) -> ScalarResult[dict[str, Any]]:
    """The payloads of the deliveries about the action's device received since ``since`` (less the
    skew) that match ``activity``: a report that may have come before the action was recorded sent."""
    return session.scalars(
        select(WebhookDelivery.payload).where(
            WebhookDelivery.integration_id == action.integration_id,
            WebhookDelivery.device_id == action.device_id,
            *activity,
            WebhookDelivery.received_at >= since - SKEW,
        )
    )


def confirm_from_activity(session: Session, integration: Integration, activity: dict[str, Any]) -> int:
    """Finish the device's sent reboots or script runs this activity reports done; returns how many (no
    commit)."""
    if activity.get("deviceId") is None:
        return 0
    if activity.get("activityType") == SCRIPTING and activity.get("statusCode") == SCRIPT_DONE:
        return _finish_scripts(session, integration, activity)
    if activity.get("statusCode") != REBOOTED:
        return 0
    at = _moment(activity.get("activityTime"))
    if at is None:
        return 0
    pending = _sent(session, integration, activity["deviceId"], ActionKind.REBOOT)
    confirmed = 0
    for action in pending:
        if action.sent_at is None or action.sent_at - SKEW > at:
            continue  # an older reboot reported late: not this action's
        finish(session, action, ActionState.CONFIRMED, f"Rebooted; back online at {when(at)}.", at)
        confirmed += 1
    return confirmed


def reported_reboot(session: Session, action: DeviceAction, since: datetime) -> datetime | None:
    """When the device reported a reboot at or after ``since`` in a delivery already received, else None."""
    payloads = _delivered(session, action, since, WebhookDelivery.status_code == REBOOTED)
    moments = [
        at for payload in payloads if (at := _moment(payload.get("activityTime"))) and at >= since - SKEW
    ]
    return max(moments, default=None)


def _finish_scripts(session: Session, integration: Integration, activity: dict[str, Any]) -> int:
    at = _moment(activity.get("activityTime"))
    if at is None:
        return 0
    pending = _sent(session, integration, activity["deviceId"], ActionKind.SCRIPT)
    for action in sorted(pending, key=lambda row: row.sent_at or at):
        if _same_run(action, activity, at):
            script_finished(session, action, activity)
            return 1  # one completion finishes one run: the oldest of that script
    return 0


def _same_run(action: DeviceAction, activity: dict[str, Any], at: datetime) -> bool:
    sent = action.sent_at
    return (
        sent is not None and sent - SKEW <= at and activity.get("sourceName") == action.parameters.get("name")
    )


def script_finished(session: Session, action: DeviceAction, activity: dict[str, Any]) -> None:
    """Finish a script run from its ``COMPLETED`` activity: exit code 0 confirmed, else failed."""
    data = activity.get("data") or {}
    code = data.get("exitCode")
    output = " ".join(str(data.get("output") or "").split())[:OUTPUT_SUMMARY]
    at = _moment(activity.get("activityTime")) or datetime.now(UTC)
    state = ActionState.CONFIRMED if code == 0 else ActionState.FAILED
    exit_text = "an unknown exit code" if code is None else f"exit code {code}"
    result = f"Finished at {when(at)} with {exit_text}" + (f"; output: {output}" if output else ".")
    finish(session, action, state, result, at)


def reported_script(session: Session, action: DeviceAction, since: datetime) -> dict[str, Any] | None:
    """The ``COMPLETED`` activity of this run if a delivery already received reports it, else None."""
    payloads = _delivered(
        session,
        action,
        since,
        WebhookDelivery.activity_type == SCRIPTING,
        WebhookDelivery.status_code == SCRIPT_DONE,
    )
    for payload in payloads:
        at = _moment(payload.get("activityTime"))
        if at is not None and _same_run(action, payload, at):
            return payload
    return None
