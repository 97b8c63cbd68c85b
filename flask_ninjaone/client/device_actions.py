"""Device actions of the NinjaOne API (tag ``management``): reboot, maintenance mode, scripting, patch jobs.

The endpoints answer 204 with no body (the spec's ``default`` response has no schema), so the methods
return ``None`` and an error is always raised, never swallowed: the caller decides whether an action
is *sent* (2xx), *failed* (4xx, or a 5xx on the reboot POST, which may have acted) or worth another
try (:class:`~.errors.RateLimited`, :class:`~.errors.NetworkError`). Retries follow
:mod:`~.transport`: the idempotent ``PUT``/``DELETE`` are retried on 5xx and 429, the reboot ``POST``
only on 429 or when it never reached NinjaOne — a reboot must not be sent twice because a proxy
answered 502 after NinjaOne acted. What NinjaOne then does is told by its activities (``ACTION`` /
``START_REQUESTED``, ``MONITOR`` / ``SYSTEM_REBOOTED``, ``SYSTEM`` / ``NODE_UPDATED``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from .answers import load_response
from .errors import ApiError, UserContextRequired
from .schemas import ScriptingOptionsSchema
from .transport import Transport, path_id

REBOOT_MODES = ("NORMAL", "FORCED")
"""``{mode}`` of ``POST /v2/device/{id}/reboot/{mode}``: a normal restart, or forced (apps closed)."""
MAINTENANCE_FEATURES = ("ALERTS", "PATCHING", "AVSCANS", "TASKS")
PATCH_TARGETS = ("os", "software")
"""``{target}`` of ``POST /v2/device/{id}/patch/{target}/{op}``: OS updates or third-party software."""
PATCH_OPERATIONS = ("scan", "apply")
SCRIPT_TYPES = ("SCRIPT", "ACTION")
"""``type`` of a script run: a custom script (by ``id``) or a built-in action (by ``uid``)."""
USER_CONTEXT_REQUIRED = "user_context_required"
"""``disabledFeatures`` a maintenance window may suppress (``MaintenanceSettings`` in the spec)."""


def _epoch_ms(moment: datetime, name: str) -> int:
    """``start``/``end`` as epoch milliseconds (the spec also allows ISO strings; numbers are unambiguous)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return int(moment.astimezone(UTC).timestamp() * 1000)


def maintenance_body(
    *, end: datetime, start: datetime | None, disabled_features: Collection[str], reason: str | None
) -> dict[str, Any]:
    """The ``MaintenanceSettings`` body, validated: known features, ``end`` after ``start``."""
    features = list(dict.fromkeys(disabled_features))
    if not features or any(feature not in MAINTENANCE_FEATURES for feature in features):
        raise ValueError(f"disabled_features must name one or more of {', '.join(MAINTENANCE_FEATURES)}")
    body: dict[str, Any] = {"disabledFeatures": features, "end": _epoch_ms(end, "end")}
    if start is not None:
        body["start"] = _epoch_ms(start, "start")
        if body["end"] <= body["start"]:
            raise ValueError("end must be after start")
    if reason:
        body["reasonMessage"] = reason
    return body


class DeviceActionsMixin:
    """Mixed into :class:`~.api.NinjaOneClient`, which provides ``_transport``."""

    _transport: Transport

    def reboot_device(self, device_id: int, mode: str = "NORMAL", reason: str | None = None) -> None:
        """``POST /v2/device/{id}/reboot/{mode}`` with ``{"reason"}``; NinjaOne answers 204."""
        if mode not in REBOOT_MODES:
            raise ValueError(f"mode must be one of {', '.join(REBOOT_MODES)}")
        body = {"reason": reason} if reason else {}
        self._transport.request(
            "POST",
            "device/{id}/reboot/{mode}",
            path_params={"id": path_id(device_id), "mode": mode},
            json=body,
        )

    def submit_patch_job(self, device_id: int, target: str, op: str) -> None:
        """``POST /v2/device/{id}/patch/{os|software}/{scan|apply}`` (no body); NinjaOne answers 204, or
        400 when the device is not applicable. Not replayed after a 5xx: an apply may have started."""
        if target not in PATCH_TARGETS or op not in PATCH_OPERATIONS:
            raise ValueError(f"target must be one of {PATCH_TARGETS} and op one of {PATCH_OPERATIONS}")
        self._transport.request(
            "POST", f"device/{{id}}/patch/{target}/{op}", path_params={"id": path_id(device_id)}
        )

    def schedule_maintenance(
        self,
        device_id: int,
        *,
        end: datetime,
        disabled_features: Collection[str] = ("ALERTS",),
        start: datetime | None = None,
        reason: str | None = None,
    ) -> None:
        """``PUT /v2/device/{id}/maintenance``: maintenance from ``start`` (default now) until ``end``."""
        body = maintenance_body(end=end, start=start, disabled_features=disabled_features, reason=reason)
        self._transport.request(
            "PUT", "device/{id}/maintenance", path_params={"id": path_id(device_id)}, json=body
        )

    def cancel_maintenance(self, device_id: int) -> None:
        """``DELETE /v2/device/{id}/maintenance``: end (or cancel) the device's maintenance."""
        self._transport.request("DELETE", "device/{id}/maintenance", path_params={"id": path_id(device_id)})

    def scripting_options(self, device_id: int) -> dict[str, Any]:
        """``GET /v2/device/{id}/scripting/options``: ``categories``, ``scripts``, run-as ``credentials``."""
        response = self._transport.request(
            "GET", "device/{id}/scripting/options", path_params={"id": path_id(device_id)}
        )
        return load_response(ScriptingOptionsSchema(), response, "GET /v2/device/{id}/scripting/options")

    def run_script(
        self,
        device_id: int,
        *,
        script_type: str,
        script_id: int | None = None,
        action_uid: str | None = None,
        parameters: str | None = None,
        run_as: str | None = None,
    ) -> None:
        """``POST /v2/device/{id}/script/run``. Raises :class:`UserContextRequired` when NinjaOne refuses the
        connection's token (client credentials); not replayed after a 5xx (it may have run)."""
        if script_type not in SCRIPT_TYPES:
            raise ValueError(f"script_type must be one of {', '.join(SCRIPT_TYPES)}")
        body: dict[str, Any] = {"type": script_type}
        if script_type == "SCRIPT":
            body["id"] = path_id(script_id)  # type: ignore[arg-type]
        else:
            body["uid"] = str(uuid.UUID(str(action_uid)))
        if parameters:
            body["parameters"] = parameters
        if run_as:
            body["runAs"] = run_as
        try:
            self._transport.request(
                "POST", "device/{id}/script/run", path_params={"id": path_id(device_id)}, json=body
            )
        except ApiError as err:
            if err.status == 403 and USER_CONTEXT_REQUIRED in str(err):
                raise UserContextRequired.instead_of(
                    err,
                    "NinjaOne runs scripts only for a connection made by signing in (authorization code), "
                    "not with client credentials: reconnect the integration from the settings page.",
                ) from None
            raise
