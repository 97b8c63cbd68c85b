"""Patch scans and patch applies (OS or third-party software): the request and its outcome.

NinjaOne's ``POST /v2/device/{id}/patch/{os|software}/{scan|apply}`` only *submits* a job (204);
the agent then reports it as activities, which the webhook delivers (the registration subscribes to
them, see :mod:`..webhooks.registration`). The activity types and status codes are the spec's enum;
which ones end a job is inferred (no public sample of them):

* OS: ``PATCH_MANAGEMENT_SCAN_COMPLETED`` ends a scan, ``PATCH_MANAGEMENT_APPLY_PATCH_COMPLETED`` an
  apply, ``PATCH_MANAGEMENT_FAILURE`` fails the oldest sent OS job of the device;
* software: ``SOFTWARE_PATCH_MANAGEMENT_SCAN_COMPLETED`` / ``…_APPLY_PATCH_COMPLETED`` (the type has
  no FAILURE code);
* an apply counts the ``…_INSTALLED`` and ``…_INSTALL_FAILED`` activities received since it was
  sent: any failed install makes the apply ``failed`` (with the counts), else ``confirmed``.

A report can repeat or come late, so only a job sent before the activity is finished, and only
while it is still ``sent`` (see :mod:`.reports`). The job that sends it looks in the inbox too, for
a job NinjaOne finished before ``sent`` was recorded (:func:`reported_patch`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..client.device_actions import PATCH_OPERATIONS, PATCH_TARGETS
from ..models import ActionKind, ActionState, DeviceAction, Integration
from .inputs import ActionInputError, ActionRequest
from .outcome import finish, when
from .reports import delivered, moment, pending, sent_before

PATCH_KINDS = frozenset({ActionKind.PATCH_SCAN, ActionKind.PATCH_APPLY})
#: Target → the activity type NinjaOne reports its jobs with.
ACTIVITY_TYPE = {"os": "PATCH_MANAGEMENT", "software": "SOFTWARE_PATCH_MANAGEMENT"}
PATCH_ACTIVITY_TYPES = frozenset(ACTIVITY_TYPE.values())
_STEP = {ActionKind.PATCH_SCAN: "SCAN", ActionKind.PATCH_APPLY: "APPLY_PATCH"}
OS_FAILURE = "PATCH_MANAGEMENT_FAILURE"
#: Result of a job NinjaOne accepted, until the agent reports it.
WAITING = "Patch job sent to NinjaOne; waiting for the device to report it finished."


def patch(op: Any, target: Any) -> ActionRequest:
    """A patch job: ``op`` ``scan`` or ``apply``, ``target`` ``os`` or ``software`` (as NinjaOne's path)."""
    if op not in PATCH_OPERATIONS:
        raise ActionInputError(f"Patch operation must be {' or '.join(PATCH_OPERATIONS)}.")
    if target not in PATCH_TARGETS:
        raise ActionInputError(f"Patch target must be {' or '.join(PATCH_TARGETS)}.")
    kind = ActionKind.PATCH_SCAN if op == "scan" else ActionKind.PATCH_APPLY
    return ActionRequest(kind, {"target": target})


def operation(action: DeviceAction) -> str:
    """``scan`` or ``apply``: the last segment of the job's path."""
    return "scan" if action.kind == ActionKind.PATCH_SCAN else "apply"


def _completed_code(action: DeviceAction) -> str:
    target = action.parameters.get("target", "os")
    return f"{ACTIVITY_TYPE[target]}_{_STEP[ActionKind(action.kind)]}_COMPLETED"


def _ends(action: DeviceAction, code: str) -> bool:
    target = action.parameters.get("target")
    return code == _completed_code(action) or (target == "os" and code == OS_FAILURE)


def confirm_patch(session: Session, integration: Integration, activity: dict[str, Any]) -> int:
    """Finish the oldest sent patch job of the device this activity ends; returns 1 or 0 (no commit)."""
    at = moment(activity.get("activityTime"))
    code = str(activity.get("statusCode") or "")
    if at is None:
        return 0
    for action in pending(session, integration, activity["deviceId"], PATCH_KINDS):
        if sent_before(action, at) and _ends(action, code):
            patch_finished(session, action, activity)
            return 1  # one report ends one job
    return 0


def patch_finished(session: Session, action: DeviceAction, activity: dict[str, Any]) -> None:
    """Finish a patch job from the activity that ends it (an apply with its install counts)."""
    at = moment(activity.get("activityTime")) or datetime.now(UTC)
    if activity.get("statusCode") == OS_FAILURE:
        detail = str(activity.get("message") or "").strip()
        finish(session, action, ActionState.FAILED, f"NinjaOne reported the job failed at {when(at)}"
               + (f": {detail}" if detail else "."), at)  # fmt: skip
        return
    if action.kind == ActionKind.PATCH_SCAN:
        finish(session, action, ActionState.CONFIRMED, f"Scan finished at {when(at)}.", at)
        return
    installed, failed = _install_counts(session, action)
    if failed:
        result = f"Apply finished at {when(at)}: {failed} patch(es) failed to install, {installed} installed."
        finish(session, action, ActionState.FAILED, result, at)
    else:
        finish(
            session,
            action,
            ActionState.CONFIRMED,
            f"Apply finished at {when(at)}: {installed} installed.",
            at,
        )


def _install_counts(session: Session, action: DeviceAction) -> tuple[int, int]:
    """Installs and failed installs the device reported since the apply was sent (webhooks received)."""
    kind = ACTIVITY_TYPE[action.parameters.get("target", "os")]
    since = action.sent_at or action.requested_at
    codes = (f"{kind}_INSTALLED", f"{kind}_INSTALL_FAILED")
    reports = [payload.get("statusCode") for payload in delivered(session, action, since, codes)]
    return reports.count(codes[0]), reports.count(codes[1])


def reported_patch(session: Session, action: DeviceAction, since: datetime) -> dict[str, Any] | None:
    """The activity ending this job if a delivery already received reports it, else None."""
    for payload in delivered(session, action, since, (_completed_code(action), OS_FAILURE)):
        if _ends(action, str(payload.get("statusCode"))):
            return payload
    return None
