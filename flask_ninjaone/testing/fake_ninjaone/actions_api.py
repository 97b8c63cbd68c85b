"""``/v2`` endpoints that act on a device: reboot, maintenance mode, scripting and patch jobs (tag
``management``).

A token without the ``management`` scope gets 403, an unknown device 404, bad input and refused
actions (offline agent, a device class that cannot do it) 400; success is 204 with no body, as the
spec's bodiless ``default`` responses say. What each action records and delivers is described in
``device_actions``, ``scripting`` and ``patching``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from . import patching, scripting
from .api import authenticate, requires
from .errors import failure
from .state import UnknownRecord, current_state

bp = Blueprint("fake_ninjaone_actions", __name__, url_prefix="/v2")
bp.before_request(authenticate)


def _json_object(*, optional: bool) -> dict[str, Any]:
    """The request's JSON object body; an absent body is ``{}`` when ``optional``."""
    if not request.data and optional:
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise failure(400, "Body must be a JSON object")
    return body


def _act(action: Any, *args: Any) -> tuple[str, int]:
    try:
        action(*args)
    except UnknownRecord:
        raise failure(404, "Device not found") from None
    except ValueError as exc:  # ActionRefused included
        raise failure(400, str(exc)) from None
    return "", 204


@bp.post("/device/<int:device_id>/reboot/<mode>")
@requires("management")
def reboot(device_id: int, mode: str) -> tuple[str, int]:
    reason = _json_object(optional=True).get("reason")
    if reason is not None and not isinstance(reason, str):
        raise failure(400, "'reason' must be a string")
    return _act(current_state().device_actions.reboot, device_id, mode, reason)


@bp.put("/device/<int:device_id>/maintenance")
@requires("management")
def schedule_maintenance(device_id: int) -> tuple[str, int]:
    body = _json_object(optional=False)
    return _act(current_state().device_actions.schedule_maintenance, device_id, body)


@bp.delete("/device/<int:device_id>/maintenance")
@requires("management")
def cancel_maintenance(device_id: int) -> tuple[str, int]:
    return _act(current_state().device_actions.cancel_maintenance, device_id)


@bp.get("/device/<int:device_id>/scripting/options")
@requires("management")
def scripting_options(device_id: int) -> Response:
    device = current_state().device(device_id)
    if device is None:
        raise failure(404, "Device not found")
    return jsonify(scripting.options(device))


@bp.post("/device/<int:device_id>/script/run")
@requires("management")
def run_script(device_id: int) -> tuple[str, int]:
    if not g.access_token.user_context:
        raise failure(403, "user_context_required: running scripts needs a token issued to a signed-in user")
    body = _json_object(optional=False)
    return _act(scripting.run, current_state(), device_id, body)


def _patch_job(device_id: int, target: str, op: str) -> tuple[str, int]:
    """No body (the spec declares none); 204, or 400 when the device is not applicable or offline."""
    return _act(patching.submit, current_state(), device_id, target, op)


# Four paths, as the spec lists them (so request counts name each one): submitOSPatchScan, …
for _target in patching.TARGETS:
    for _op in patching.OPERATIONS:
        bp.add_url_rule(
            f"/device/<int:device_id>/patch/{_target}/{_op}",
            endpoint=f"patch_{_target}_{_op}",
            view_func=requires("management")(_patch_job),
            methods=["POST"],
            defaults={"target": _target, "op": _op},
        )
