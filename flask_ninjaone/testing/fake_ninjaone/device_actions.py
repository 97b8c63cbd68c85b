"""What the fake does when a technician acts on a device: reboot, maintenance mode (patch jobs: ``patching``).

Faithful to ``openapi.json`` where it speaks (paths, modes, bodies, the ``Maintenance`` record and its
statuses, the ``management`` tag) and marked *inferred* where it is silent:

* Reboot (``POST /v2/device/{id}/reboot/{mode}``, modes ``NORMAL`` | ``FORCED``, body ``{"reason"}``)
  answers 204 and records an ``ACTION`` / ``START_REQUESTED`` activity naming the mode and reason
  (inferred, after ``samples/device-activity-actionset-start-requested.json``). The agent then reboots:
  with :attr:`DeviceActions.complete_reboots` (the default) at once, through
  :meth:`FakeState.reboot_device` (``MONITOR`` / ``SYSTEM_REBOOTED``, the real sample's shape); with it
  off the device stays as it is until a test calls ``POST /_fake/devices/<id>/reboot``.
  Only agent devices reboot (inferred: NinjaOne offers no reboot for VM hosts, NMS or cloud monitors);
  an offline agent answers 400 (inferred: the command cannot be delivered).
* Maintenance (``PUT|DELETE /v2/device/{id}/maintenance``): the body is ``MaintenanceSettings``
  (``disabledFeatures`` of ALERTS/PATCHING/AVSCANS/TASKS, ``start``/``end`` as epoch milliseconds or
  ISO-8601, ``reasonMessage``). The device's ``maintenance`` becomes a ``Maintenance`` record (epoch
  seconds like every device timestamp; ``IN_MAINTENANCE`` once started, ``PENDING`` before) and a
  ``NODE_UPDATED`` activity is delivered (inferred). ``end`` is required and must be after ``start``
  and in the future; at least one feature must be disabled (inferred: NinjaOne's own form requires
  both). Cancelling answers 204 also when nothing was scheduled (inferred).
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING, Any

from .inventory import AGENT_CLASSES

if TYPE_CHECKING:
    from .state import FakeState

REBOOT_MODES = ("NORMAL", "FORCED")
MAINTENANCE_FEATURES = ("ALERTS", "PATCHING", "AVSCANS", "TASKS")


class ActionRefused(ValueError):
    """The request is well-formed but NinjaOne would not do it (the API answers 400)."""


def _epoch_seconds(value: Any, field: str) -> float:
    """``start``/``end`` as the spec allows them: epoch milliseconds or an ISO-8601 date-time string."""
    if isinstance(value, bool):
        raise ValueError(f"'{field}' must be epoch milliseconds or an ISO-8601 date-time")
    if isinstance(value, int | float):
        return round(value / 1000, 3)
    if isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"'{field}' is not an ISO-8601 date-time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return round(moment.timestamp(), 3)
    raise ValueError(f"'{field}' must be epoch milliseconds or an ISO-8601 date-time")


def maintenance_record(body: Any, now: float) -> dict[str, Any]:
    """Validate a ``MaintenanceSettings`` body; return the device's new ``Maintenance`` record."""
    if not isinstance(body, dict):
        raise ValueError("Body must be a JSON object")
    unknown = set(body) - {"disabledFeatures", "start", "end", "reasonMessage"}
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    features = body.get("disabledFeatures")
    if not isinstance(features, list) or not features:
        raise ValueError("'disabledFeatures' must list at least one feature")
    if any(feature not in MAINTENANCE_FEATURES for feature in features):
        raise ValueError(f"'disabledFeatures' values must be among {list(MAINTENANCE_FEATURES)}")
    if body.get("end") is None:
        raise ValueError("'end' is required")
    start = _epoch_seconds(body["start"], "start") if body.get("start") is not None else now
    end = _epoch_seconds(body["end"], "end")
    if end <= start:
        raise ValueError("'end' must be after 'start'")
    if end <= now:
        raise ValueError("'end' must be in the future")
    reason = body.get("reasonMessage")
    if reason is not None and not isinstance(reason, str):
        raise ValueError("'reasonMessage' must be a string")
    status = "IN_MAINTENANCE" if start <= now else "PENDING"
    record: dict[str, Any] = {"status": status, "start": round(start, 3), "end": end}
    if reason:
        record["reasonMessage"] = reason
    return record


class DeviceActions:
    """The device actions of one :class:`FakeState` (shares its lock and its activity log)."""

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self.complete_reboots = True
        """Reboot at once after the request (``SYSTEM_REBOOTED`` delivered); off: wait for a test."""
        self.script_results: dict[int, tuple[int, str]] = {}
        """``(exitCode, output)`` the next run of each script id reports (default ``(0, "<name>: done")``)."""
        self.disabled_features: dict[int, list[str]] = {}
        """Features each device's maintenance suppresses (kept by NinjaOne, not shown in the record)."""
        self.complete_patch_jobs = True
        """Finish a patch scan or apply at once (see ``patching``); off: only its STARTED activity."""
        self.failing_patch_jobs: set[int] = set()
        """Device ids whose next patch job fails (see ``patching``)."""

    def reboot(self, device_id: int, mode: str, reason: str | None) -> dict[str, Any]:
        """Accept a reboot command: record START_REQUESTED, then reboot unless told to wait."""
        if mode not in REBOOT_MODES:
            raise ValueError(f"Reboot mode must be one of {list(REBOOT_MODES)}")
        state = self._state
        with state.lock:
            device = state.require_device(device_id)
            if device["nodeClass"] not in AGENT_CLASSES:
                raise ActionRefused(f"Reboot is not supported for device class {device['nodeClass']}")
            if device.get("offline"):
                raise ActionRefused("Device is offline")
        # Deliveries go out after the lock is released (see FakeState), so nothing below holds it.
        message = f"Reboot ({mode.lower()}) requested" + (f": {reason}" if reason else "")
        activity = state.record_activity(
            activity_type="ACTION",
            status_code="START_REQUESTED",
            device_id=device_id,
            source_name=f"Reboot ({mode})",
            message=message,
        )
        if self.complete_reboots:
            state.reboot_device(device_id)
        return activity

    def schedule_maintenance(self, device_id: int, body: Any) -> dict[str, Any]:
        """Put the device in maintenance (or schedule it): its ``maintenance`` record, NODE_UPDATED."""
        state = self._state
        state.require_device(device_id)
        record = maintenance_record(body, time.time())
        self.disabled_features[device_id] = list(body["disabledFeatures"])
        # None clears a previous window's reason: update_device merges nested blocks one level.
        return state.update_device(device_id, {"maintenance": {"reasonMessage": None, **record}})

    def cancel_maintenance(self, device_id: int) -> dict[str, Any]:
        """End (or cancel) the device's maintenance; nothing scheduled is not an error."""
        state = self._state
        device = state.require_device(device_id)
        self.disabled_features.pop(device_id, None)
        if "maintenance" not in device:
            return device
        return state.update_device(device_id, {"maintenance": None})
