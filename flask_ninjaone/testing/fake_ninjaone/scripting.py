"""Scripting on a device: the options NinjaOne offers (``GET /v2/device/{id}/scripting/options``) and
running one (``POST /v2/device/{id}/script/run``), shaped as openapi.json describes them.

Inferred where the spec is silent: the catalogue below (a few custom scripts per OS family and one
built-in action; NinjaOne's real library is per account), the run-as roles (``SYSTEM``,
``LOGGED_ON_USER``) and no stored credentials; agentless devices are offered nothing. A run is refused
with 403 ``user_context_required`` for a token from the client-credentials grant (the brief of issue
19 names the code; the spec does not), with 400 for an offline agent or a script/action/role not
offered to that device; otherwise it records ``SCRIPTING`` / ``START_REQUESTED`` and, at once,
``SCRIPTING`` / ``COMPLETED`` naming the exit code (0, or what a test set in
``device_actions.script_results``), both delivered to webhooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .device_actions import ActionRefused
from .inventory import AGENT_CLASSES

if TYPE_CHECKING:
    from .state import FakeState

CATEGORIES = [
    {"id": 1, "name": "Maintenance", "internal": False},
    {"id": 2, "name": "Built-in", "internal": True},
]
ROLES = ["SYSTEM", "LOGGED_ON_USER"]
_RESTART_SERVICE_UID = "4a0e9f9c-3b3e-4f0c-9d7e-2f3c5a8b1e01"
_SCRIPTS = {
    "windows": [
        {"type": "SCRIPT", "id": 101, "name": "Clear temp files", "language": "PowerShell",
         "description": "Deletes files older than 7 days from the temp folders", "architecture": ["64", "32"],
         "categoryId": 1},
        {"type": "SCRIPT", "id": 102, "name": "Restart print spooler", "language": "PowerShell",
         "description": "Restarts the Spooler service", "architecture": ["64", "32"], "categoryId": 1},
        {"type": "ACTION", "uid": _RESTART_SERVICE_UID, "name": "Restart service",
         "description": "Restart a Windows service by name", "architecture": ["64", "32"], "categoryId": 2},
    ],
    "unix": [
        {"type": "SCRIPT", "id": 201, "name": "Clear /tmp", "language": "ShellScript",
         "description": "Deletes files older than 7 days from /tmp", "architecture": ["64"], "categoryId": 1},
    ],
}  # fmt: skip


def options(device: dict[str, Any]) -> dict[str, Any]:
    """The ``scripting/options`` body for ``device``."""
    node_class = device["nodeClass"]
    if node_class not in AGENT_CLASSES:
        scripts: list[dict[str, Any]] = []
    else:
        scripts = _SCRIPTS["windows" if node_class.startswith("WINDOWS") else "unix"]
    return {
        "categories": CATEGORIES if scripts else [],
        "scripts": scripts,
        "credentials": {"roles": ROLES if scripts else [], "credentials": []},
    }


def _offered(device: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    kind = body.get("type")
    if kind not in ("SCRIPT", "ACTION"):
        raise ValueError("'type' must be SCRIPT or ACTION")
    key = "id" if kind == "SCRIPT" else "uid"
    wanted = body.get(key)
    for script in options(device)["scripts"]:
        if script["type"] == kind and script.get(key) == wanted:
            return script
    raise ActionRefused(f"{kind.capitalize()} {wanted!r} is not available for this device")


def run(state: FakeState, device_id: int, body: Any) -> dict[str, Any]:
    """Validate and run a script or built-in action; returns the COMPLETED activity."""
    if not isinstance(body, dict):
        raise ValueError("Body must be a JSON object")
    unknown = set(body) - {"type", "id", "uid", "parameters", "runAs"}
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    if body.get("parameters") is not None and not isinstance(body["parameters"], str):
        raise ValueError("'parameters' must be a string")
    device = state.require_device(device_id)
    script = _offered(device, body)
    run_as = body.get("runAs") or "SYSTEM"
    if run_as not in ROLES:
        raise ActionRefused(f"runAs {run_as!r} is not available for this device")
    if device.get("offline"):
        raise ActionRefused("Device is offline")
    name = script["name"]
    common = {"activity_type": "SCRIPTING", "device_id": device_id, "source_name": name}
    state.record_activity(
        status_code="START_REQUESTED", message=f"Script '{name}' requested (run as {run_as})", **common
    )
    code, output = state.device_actions.script_results.pop(script.get("id", -1), (0, f"{name}: done"))
    return state.record_activity(
        status_code="COMPLETED",
        message=f"Script '{name}' completed with exit code {code}",
        data={"exitCode": code, "output": output},
        **common,
    )
