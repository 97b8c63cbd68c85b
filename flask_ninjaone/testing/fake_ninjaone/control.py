"""The ``/_fake/`` control API: drive the fake over HTTP from tests, the demo or a shell.

JSON in, JSON out, no authentication (the fake is a test double; never expose it). Device and activity
fields use NinjaOne's camelCase names; options of the fake itself (``repeat``, ``out_of_order``,
``retry_after``…) are snake_case. Every route maps onto a :class:`FakeState` method of the same purpose,
which tests embedding the fake may call directly instead. Bad input answers 400 ``{"error": ...}``, an
unknown device or alert 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from .faults import Fault
from .state import UnknownRecord, current_state

bp = Blueprint("fake_ninjaone_control", __name__, url_prefix="/_fake")

_CREATE_KEYS = ("organizationId", "nodeClass", "locationId")
_TRIGGER_OPTIONS = {
    "condition": "condition",
    "message": "message",
    "severity": "severity",
    "priority": "priority",
    "sourceConfigUid": "source_config_uid",
    "sourceName": "source_name",
    "sourceType": "source_type",
    "subject": "subject",
    "data": "data",
    "repeat": "repeat",
    "out_of_order": "out_of_order",
    "activityTime": "at",
}
_ACTIVITY_FIELDS = {
    "activityType": "activity_type",
    "statusCode": "status_code",
    "deviceId": "device_id",
    "severity": "severity",
    "priority": "priority",
    "seriesUid": "series_uid",
    "sourceConfigUid": "source_config_uid",
    "sourceName": "source_name",
    "subject": "subject",
    "userId": "user_id",
    "message": "message",
    "data": "data",
}


@bp.errorhandler(ValueError)
def _bad_input(error: ValueError) -> tuple[Response, int]:
    return jsonify({"error": str(error)}), 400


@bp.errorhandler(UnknownRecord)
def _unknown(error: UnknownRecord) -> tuple[Response, int]:
    return jsonify({"error": str(error)}), 404


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _keywords(body: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    unknown = set(body) - set(names)
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; expected some of {sorted(names)}")
    return {names[key]: value for key, value in body.items()}


# -- devices, conditions, activities -----------------------------------------------------------------


@bp.post("/devices")
def create_device() -> tuple[Response, int]:
    body = _body()
    if not isinstance(body.get("organizationId"), int):
        raise ValueError("organizationId (integer) is required")
    device = current_state().create_device(
        body["organizationId"],
        body.get("nodeClass", "WINDOWS_WORKSTATION"),
        location_id=body.get("locationId"),
        fields={key: value for key, value in body.items() if key not in _CREATE_KEYS},
    )
    return jsonify(device), 201


@bp.patch("/devices/<int:device_id>")
def update_device(device_id: int) -> Response:
    return jsonify(current_state().update_device(device_id, _body()))


@bp.delete("/devices/<int:device_id>")
def delete_device(device_id: int) -> Response | tuple[str, int]:
    """``?unlogged=true`` deletes without an activity (the feed missed it): 204 instead of the activity."""
    unlogged = request.args.get("unlogged", "false")
    if unlogged not in ("true", "false"):
        raise ValueError("unlogged must be true or false")
    activity = current_state().delete_device(device_id, unlogged=unlogged == "true")
    return ("", 204) if activity is None else jsonify(activity)


@bp.post("/devices/<int:device_id>/approve")
def approve_device(device_id: int) -> Response:
    return jsonify(current_state().approve_device(device_id))


@bp.put("/devices/<int:device_id>/approval")
def set_approval_status(device_id: int) -> Response:
    status = _body().get("approvalStatus")
    if not isinstance(status, str):
        raise ValueError("approvalStatus (PENDING, STAGED, APPROVED or DECOMMISSIONED) is required")
    return jsonify(current_state().set_approval_status(device_id, status))


@bp.post("/devices/<int:device_id>/move")
def move_device(device_id: int) -> Response:
    body = _body()
    unknown = set(body) - {"organizationId", "locationId"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; expected organizationId and locationId")
    organization_id, location_id = body.get("organizationId"), body.get("locationId")
    if not isinstance(organization_id, int) or isinstance(organization_id, bool):
        raise ValueError("organizationId (integer) is required")
    if location_id is not None and (not isinstance(location_id, int) or isinstance(location_id, bool)):
        raise ValueError("locationId must be an integer")
    return jsonify(current_state().move_device(device_id, organization_id, location_id))


@bp.post("/organizations/<int:organization_id>/locations")
def add_location(organization_id: int) -> tuple[Response, int]:
    """A technician adds a location (no activity: NinjaOne records none for it, inferred)."""
    body = _body()
    unknown = set(body) - {"name", "address", "description"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; expected name, address and description")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name (text) is required")
    extra = {key: body[key] for key in ("address", "description") if isinstance(body.get(key), str)}
    return jsonify(current_state().add_location(organization_id, name, **extra)), 201


@bp.post("/node-roles")
def add_node_role() -> tuple[Response, int]:
    """A technician adds a custom device role under a built-in (or custom) one."""
    body = _body()
    unknown = set(body) - {"name", "nodeRoleParentId", "chassisType"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; expected name, nodeRoleParentId and chassisType")
    name, parent_id, chassis = body.get("name"), body.get("nodeRoleParentId"), body.get("chassisType")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name (text) is required")
    if not isinstance(parent_id, int) or isinstance(parent_id, bool):
        raise ValueError("nodeRoleParentId (integer) is required")
    if chassis is not None and not isinstance(chassis, str):
        raise ValueError("chassisType must be text")
    return jsonify(current_state().add_node_role(name, parent_id, chassis_type=chassis)), 201


@bp.post("/devices/<int:device_id>/reboot")
def reboot_device(device_id: int) -> tuple[Response, int]:
    return jsonify(current_state().reboot_device(device_id)), 201


@bp.put("/devices/<int:device_id>/inventory")
def set_device_inventory(device_id: int) -> Response:
    return jsonify(current_state().set_device_inventory(device_id, _body()))


def _activity_time(value: Any) -> float | None:
    """``activityTime`` dates an event (epoch seconds, like the real field) so tests replay a history."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError("activityTime must be a positive number of epoch seconds")
    return float(value)


@bp.post("/custom-fields")
def define_custom_field() -> tuple[Response, int]:
    """Add or replace a device custom field definition (the spec's definition shape)."""
    return jsonify(current_state().custom_fields.define(_body())), 201


@bp.delete("/custom-fields/<name>")
def remove_custom_field(name: str) -> tuple[str, int]:
    if not current_state().custom_fields.remove(name):
        raise UnknownRecord(f"no custom field {name!r}")
    return "", 204


@bp.put("/devices/<int:device_id>/custom-fields")
def write_custom_fields(device_id: int) -> Response:
    """Values as a technician types them in NinjaOne (checked like a PATCH, whatever apiPermission)."""
    state = current_state()
    state.require_device(device_id)
    state.custom_fields.write(device_id, _body(), api=False)
    return jsonify(state.custom_fields.device_object(device_id))


@bp.put("/devices/<int:device_id>/logon")
def log_on(device_id: int) -> Response:
    """``{"userName": "j.smith", "logonTime": epoch seconds}`` logs a user on; ``{"userName": null}``
    leaves the device without one."""
    state = current_state()
    device = state.require_device(device_id)
    body = _body()
    state.custom_fields.set_logon(device_id, body.get("userName"), body.get("logonTime"))
    return jsonify(state.custom_fields.logon(device) or {})


@bp.post("/devices/<int:device_id>/conditions")
def trigger_condition(device_id: int) -> tuple[Response, int]:
    options = _keywords(_body(), _TRIGGER_OPTIONS)
    options["at"] = _activity_time(options.get("at"))
    return jsonify(current_state().trigger_condition(device_id, **options)), 201


@bp.post("/alerts/<uid>/reset")
def reset_alert(uid: str) -> Response:
    options = _keywords(_body(), {"data": "data", "activityTime": "at"})
    return jsonify(
        current_state().reset_alert(uid, options.get("data"), at=_activity_time(options.get("at")))
    )


@bp.post("/activities")
def record_activity() -> tuple[Response, int]:
    keywords = _keywords(_body(), _ACTIVITY_FIELDS)
    if "activity_type" not in keywords or "status_code" not in keywords:
        raise ValueError("activityType and statusCode are required")
    return jsonify(current_state().record_activity(**keywords)), 201


# -- faults, tokens, settings, client apps -----------------------------------------------------------


@bp.post("/faults")
def inject_fault() -> tuple[Response, int]:
    body = _body()
    if not isinstance(body.get("path"), str) or not isinstance(body.get("kind"), str):
        raise ValueError("path and kind are required")
    try:
        fault = Fault(**body)
    except TypeError as exc:
        raise ValueError(str(exc)) from None
    return jsonify(current_state().faults.inject(fault).to_json()), 201


@bp.get("/faults")
def pending_faults() -> Response:
    return jsonify([fault.to_json() for fault in current_state().faults.pending()])


@bp.delete("/faults")
def clear_faults() -> tuple[str, int]:
    current_state().faults.clear()
    return "", 204


@bp.post("/tokens/expire")
def expire_access_tokens() -> Response:
    return jsonify({"expired": current_state().oauth.expire_access_tokens()})


@bp.post("/tokens/revoke-refresh")
def revoke_refresh_tokens() -> Response:
    return jsonify({"revoked": current_state().oauth.revoke_refresh_tokens(_body().get("client_id"))})


@bp.get("/settings")
def settings() -> Response:
    state = current_state()
    return jsonify(
        {
            "deny_consent": state.oauth.deny_consent,
            "synchronous_webhooks": state.webhooks.synchronous,
            "capture_webhooks": state.webhooks.capture,
            "access_token_lifetime": state.oauth.access_token_lifetime,
            "complete_reboots": state.device_actions.complete_reboots,
            "complete_patch_jobs": state.device_actions.complete_patch_jobs,
        }
    )


@bp.put("/settings")
def change_settings() -> Response:
    body = _body()
    state = current_state()
    unknown = set(body) - {
        "deny_consent",
        "synchronous_webhooks",
        "capture_webhooks",
        "access_token_lifetime",
        "complete_reboots",
        "complete_patch_jobs",
    }
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}")
    if "capture_webhooks" in body and not isinstance(body["capture_webhooks"], bool):
        raise ValueError("capture_webhooks must be true or false")
    if "access_token_lifetime" in body:
        lifetime = body["access_token_lifetime"]
        if not isinstance(lifetime, int) or isinstance(lifetime, bool) or lifetime < 1:
            raise ValueError("access_token_lifetime must be a positive integer (seconds)")
        state.oauth.access_token_lifetime = lifetime
    if "deny_consent" in body:
        state.oauth.deny_consent = bool(body["deny_consent"])
    if "synchronous_webhooks" in body:
        state.webhooks.synchronous = bool(body["synchronous_webhooks"])
    if "capture_webhooks" in body:
        state.webhooks.capture = body["capture_webhooks"]
    if "complete_reboots" in body:
        state.device_actions.complete_reboots = bool(body["complete_reboots"])
    if "complete_patch_jobs" in body:
        state.device_actions.complete_patch_jobs = bool(body["complete_patch_jobs"])
    return settings()


@bp.post("/clients")
def register_client() -> tuple[Response, int]:
    body = _body()
    for key in ("client_id", "client_secret"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise ValueError(f"{key} is required")
    redirect_uris = body.get("redirect_uris", [])
    if not isinstance(redirect_uris, list) or not all(isinstance(uri, str) for uri in redirect_uris):
        raise ValueError("redirect_uris must be a list of strings")
    client = current_state().oauth.register_client(
        body["client_id"],
        body["client_secret"],
        redirect_uris,
        scopes=body.get("scopes", ["monitoring", "management", "control", "offline_access"]),
        system_admin=bool(body.get("system_admin", True)),
    )
    return jsonify(client.to_json()), 201


# -- observation ---------------------------------------------------------------------------------------


@bp.get("/counters")
def counters() -> Response:
    state = current_state()
    return jsonify({"requests": state.request_counts(), "token_grants": state.token_grant_counts()})


@bp.delete("/counters")
def reset_counters() -> tuple[str, int]:
    current_state().reset_counters()
    return "", 204


@bp.get("/webhooks")
def webhook_configs() -> Response:
    return jsonify(
        {client: config.to_json() for client, config in current_state().webhooks.configs().items()}
    )


@bp.get("/webhooks/deliveries")
def webhook_deliveries() -> Response:
    return jsonify([delivery.to_json() for delivery in current_state().webhooks.deliveries()])


@bp.delete("/webhooks/deliveries")
def clear_webhook_deliveries() -> tuple[str, int]:
    current_state().webhooks.clear_deliveries()
    return "", 204


@bp.post("/webhooks/captured/take")
def take_captured_webhooks() -> Response:
    """What the fake would have POSTed while ``capture_webhooks`` is on, oldest first; removed once taken
    (a POST, not a GET: taking is a change)."""
    return jsonify([job.to_json() for job in current_state().webhooks.take_captured()])
