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

Patch scans and applies finish from the ``PATCH_MANAGEMENT`` / ``SOFTWARE_PATCH_MANAGEMENT``
activities (see :mod:`.patching`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..models import ActionKind, ActionState, DeviceAction, Integration
from .outcome import finish, when
from .patching import PATCH_ACTIVITY_TYPES, confirm_patch
from .reports import delivered, moment, pending, sent_before

REBOOTED = "SYSTEM_REBOOTED"
SCRIPTING, SCRIPT_DONE = "SCRIPTING", "COMPLETED"
#: Characters of a script's output kept in the result (and the ticket note).
OUTPUT_SUMMARY = 300


def confirm_from_activity(session: Session, integration: Integration, activity: dict[str, Any]) -> int:
    """Finish the device's sent actions this activity reports done; returns how many (no commit)."""
    if activity.get("deviceId") is None:
        return 0
    if activity.get("activityType") == SCRIPTING and activity.get("statusCode") == SCRIPT_DONE:
        return _finish_scripts(session, integration, activity)
    if activity.get("activityType") in PATCH_ACTIVITY_TYPES:
        return confirm_patch(session, integration, activity)
    if activity.get("statusCode") != REBOOTED:
        return 0
    at = moment(activity.get("activityTime"))
    if at is None:
        return 0
    confirmed = 0
    for action in pending(session, integration, activity["deviceId"], (ActionKind.REBOOT,)):
        if not sent_before(action, at):
            continue  # an older reboot reported late: not this action's
        finish(session, action, ActionState.CONFIRMED, f"Rebooted; back online at {when(at)}.", at)
        confirmed += 1
    return confirmed


def reported_reboot(session: Session, action: DeviceAction, since: datetime) -> datetime | None:
    """When the device reported a reboot at or after ``since`` in a delivery already received, else None."""
    payloads = delivered(session, action, since, (REBOOTED,))
    return moment(payloads[-1].get("activityTime")) if payloads else None


def _finish_scripts(session: Session, integration: Integration, activity: dict[str, Any]) -> int:
    at = moment(activity.get("activityTime"))
    if at is None:
        return 0
    for action in pending(session, integration, activity["deviceId"], (ActionKind.SCRIPT,)):
        if _same_run(action, activity, at):
            script_finished(session, action, activity)
            return 1  # one completion finishes one run: the oldest of that script
    return 0


def _same_run(action: DeviceAction, activity: dict[str, Any], at: datetime) -> bool:
    return sent_before(action, at) and activity.get("sourceName") == action.parameters.get("name")


def script_finished(session: Session, action: DeviceAction, activity: dict[str, Any]) -> None:
    """Finish a script run from its ``COMPLETED`` activity: exit code 0 confirmed, else failed."""
    data = activity.get("data") or {}
    code = data.get("exitCode")
    output = " ".join(str(data.get("output") or "").split())[:OUTPUT_SUMMARY]
    at = moment(activity.get("activityTime")) or datetime.now(UTC)
    state = ActionState.CONFIRMED if code == 0 else ActionState.FAILED
    exit_text = "an unknown exit code" if code is None else f"exit code {code}"
    result = f"Finished at {when(at)} with {exit_text}" + (f"; output: {output}" if output else ".")
    finish(session, action, state, result, at)


def reported_script(session: Session, action: DeviceAction, since: datetime) -> dict[str, Any] | None:
    """The ``COMPLETED`` activity of this run if a delivery already received reports it, else None."""
    for payload in delivered(session, action, since, (SCRIPT_DONE,), activity_type=SCRIPTING):
        at = moment(payload.get("activityTime"))
        if at is not None and _same_run(action, payload, at):
            return payload
    return None
