"""``/v2`` endpoints of device custom fields and logged-on users (see ``custom_fields`` for the rules).

The three reports page exactly as the spec bounds them: ``pageSize`` 10..10000, default 1000 (outside
that range a 400), ``cursor=<cursor.name>`` with the name kept from page to page — the older reports of
``api.py`` keep the entity lists' 1..1000 paging the fake has always served them with. Reads need the
``monitoring`` scope, the PATCH ``management``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .api import _device_filter, _require, authenticate, report_page, requires
from .errors import failure
from .state import current_state

bp = Blueprint("fake_ninjaone_custom_fields", __name__, url_prefix="/v2")
bp.before_request(authenticate)

REPORT_PAGE_SIZE = (10, 10_000)
DEFAULT_REPORT_PAGE_SIZE = 1000


def _report_page_size() -> int:
    raw = request.args.get("pageSize")
    if raw in (None, ""):
        return DEFAULT_REPORT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise failure(400, "Parameter 'pageSize' must be an integer") from None
    low, high = REPORT_PAGE_SIZE
    if not low <= size <= high:
        raise failure(400, f"Parameter 'pageSize' must be between {low} and {high}")
    return size


def _page(report: str, rows_of: Callable[[list[int]], Iterator[dict[str, Any]]]) -> Response:
    state = current_state()
    return report_page(
        report, _report_page_size(), lambda: rows_of(state.matching_device_ids(_device_filter()))
    )


def _field_names() -> set[str] | None:
    raw = request.args.get("fields")
    return {name.strip() for name in raw.split(",") if name.strip()} if raw else None


def _updated_after() -> float | None:
    raw = request.args.get("updatedAfter")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise failure(400, "Parameter 'updatedAfter' must be epoch seconds") from None


def _custom_field_report(detailed: bool) -> Response:
    names, after = _field_names(), _updated_after()
    store = current_state().custom_fields
    report = "custom-fields-detailed" if detailed else "custom-fields"
    return _page(
        report, lambda ids: store.report_rows(ids, detailed=detailed, names=names, updated_after=after)
    )


@bp.get("/device-custom-fields")
@requires("monitoring")
def definitions() -> Response:
    return jsonify(current_state().custom_fields.definitions())


@bp.get("/queries/custom-fields")
@requires("monitoring")
def custom_fields_report() -> Response:
    return _custom_field_report(detailed=False)


@bp.get("/queries/custom-fields-detailed")
@requires("monitoring")
def custom_fields_detailed_report() -> Response:
    return _custom_field_report(detailed=True)


@bp.get("/queries/logged-on-users")
@requires("monitoring")
def logged_on_users_report() -> Response:
    state = current_state()
    return _page("logged-on-users", state.logon_rows)


@bp.get("/device/<int:device_id>/custom-fields")
@requires("monitoring")
def device_custom_fields(device_id: int) -> Response:
    state = current_state()
    _require(state.device(device_id), "Device")
    return jsonify(state.custom_fields.device_object(device_id))


@bp.patch("/device/<int:device_id>/custom-fields")
@requires("management")
def update_device_custom_fields(device_id: int) -> tuple[str, int]:
    state = current_state()
    _require(state.device(device_id), "Device")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise failure(400, "Body must be a JSON object")
    try:
        state.custom_fields.write(device_id, body)
    except ValueError as exc:
        raise failure(400, str(exc)) from None
    return "", 204


@bp.get("/device/<int:device_id>/last-logged-on-user")
@requires("monitoring")
def last_logged_on_user(device_id: int) -> Response:
    state = current_state()
    device = _require(state.device(device_id), "Device")
    return jsonify(state.custom_fields.logon(device) or {})
