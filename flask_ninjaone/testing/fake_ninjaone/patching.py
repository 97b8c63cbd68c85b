"""Patch scans and patch applies on a device: ``POST /v2/device/{id}/patch/{os|software}/{scan|apply}``.

Faithful to ``openapi.json`` where it speaks: four paths (tag ``management``), no request body, 204 on
success, 400 "Device is not applicable for <target> <op>." Inferred where it is silent:

* Which devices apply: OS patching reaches every agent device (Windows, macOS, Linux); software
  (third-party) patching only Windows agents, as the generated ``software-patches`` report lists
  patches only for them. Agentless classes (VM hosts, NMS, cloud monitors) get the spec's 400; so
  does an offline agent ("Device is offline": the job cannot be delivered).
* What NinjaOne then reports: the activity types and status codes are the spec's enum
  (``PATCH_MANAGEMENT`` / ``PATCH_MANAGEMENT_SCAN_STARTED`` … ``_SCAN_COMPLETED``,
  ``_APPLY_PATCH_STARTED`` … ``_APPLY_PATCH_COMPLETED``, per patch ``_INSTALLED``; the same with
  ``SOFTWARE_PATCH_MANAGEMENT`` for software), their order and messages are inferred. No sample of
  these activities is public: ``data`` is left out.
* An apply installs the device's ``APPROVED`` patches of that target (``PENDING`` ones wait for
  approval, as NinjaOne's policies do): they become ``INSTALLED`` with ``installedAt`` now, so the
  device's patch reports and health counts follow.
* With :attr:`DeviceActions.complete_patch_jobs` off, only the ``…STARTED`` activity is recorded
  until a test calls :meth:`finish_patch_job`; :attr:`DeviceActions.failing_patch_jobs` makes the
  next job of a device fail (``PATCH_MANAGEMENT_FAILURE``; software has no such code, so its failure
  is a ``SOFTWARE_PATCH_MANAGEMENT_INSTALL_FAILED`` then ``…_APPLY_PATCH_COMPLETED``, or for a scan a
  ``…_SCAN_COMPLETED`` whose message says it failed — inferred).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .device_actions import ActionRefused
from .inventory import AGENT_CLASSES

if TYPE_CHECKING:
    from .state import FakeState

TARGETS = ("os", "software")
OPERATIONS = ("scan", "apply")
#: Target → activity type, and the row set of its patches (see ``inventory_changes``).
ACTIVITY_TYPES = {"os": "PATCH_MANAGEMENT", "software": "SOFTWARE_PATCH_MANAGEMENT"}
_ROWS = {"os": ("os-patches", "osPatches"), "software": ("software-patches", "softwarePatches")}
_CODES = {"scan": "SCAN", "apply": "APPLY_PATCH"}


def applicable(device: dict[str, Any], target: str) -> bool:
    """Whether NinjaOne can patch ``target`` on this device at all (online or not)."""
    if device["nodeClass"] not in AGENT_CLASSES:
        return False
    return target == "os" or device["nodeClass"].startswith("WINDOWS")


def submit(state: FakeState, device_id: int, target: str, op: str) -> dict[str, Any]:
    """Accept a patch job: record its STARTED activity, then finish it unless told to wait."""
    with state.lock:
        device = state.require_device(device_id)
        if not applicable(device, target):
            raise ActionRefused(f"Device is not applicable for {target} {op}.")
        if device.get("offline"):
            raise ActionRefused("Device is offline")
    kind = ACTIVITY_TYPES[target]
    started = state.record_activity(
        activity_type=kind,
        status_code=f"{kind}_{_CODES[op]}_STARTED",
        device_id=device_id,
        source_name=f"{'OS' if target == 'os' else 'Software'} patch {op}",
        message=f"{'OS' if target == 'os' else 'Software'} patch {op} started",
    )
    if state.device_actions.complete_patch_jobs:
        return finish_patch_job(state, device_id, target, op)
    return started


def finish_patch_job(state: FakeState, device_id: int, target: str, op: str) -> dict[str, Any]:
    """The agent reports the job done (or failed): install approved patches on apply; the last activity."""
    kind = ACTIVITY_TYPES[target]
    what = f"{'OS' if target == 'os' else 'Software'} patch {op}"
    common: dict[str, Any] = {"activity_type": kind, "device_id": device_id, "source_name": what}
    failing = device_id in state.device_actions.failing_patch_jobs
    state.device_actions.failing_patch_jobs.discard(device_id)
    if failing and target == "os":
        return state.record_activity(
            status_code="PATCH_MANAGEMENT_FAILURE", message=f"{what} failed", **common
        )
    if op == "apply":
        for name in _install_approved(state, device_id, target, failed=failing):
            code = "INSTALL_FAILED" if failing else "INSTALLED"
            state.record_activity(
                status_code=f"{kind}_{code}", message=f"{name}: {code.lower().replace('_', ' ')}", **common
            )
    outcome = "failed" if failing else "completed"
    return state.record_activity(
        status_code=f"{kind}_{_CODES[op]}_COMPLETED", message=f"{what} {outcome}", **common
    )


def _install_approved(state: FakeState, device_id: int, target: str, *, failed: bool) -> list[str]:
    """Mark the target's APPROVED patches INSTALLED (or FAILED); return their names."""
    kind, key = _ROWS[target]
    rows = state.inventory_rows(device_id, kind)
    now = round(time.time(), 3)
    names = []
    for row in rows:
        if row["status"] == "APPROVED":
            row.update(status="FAILED" if failed else "INSTALLED", installedAt=now)
            names.append(str(row.get("name") or row.get("title")))
    if names:
        state.set_device_inventory(device_id, {key: rows})
    return names
