"""The ``/v2`` endpoints an integration uses, with NinjaOne's paging, filter and error semantics.

* Entity lists page with ``pageSize`` (default 100; values above 1000 are served as 1000, as the real
  service caps rather than rejects) and ``after`` = last id of the previous page; the body is a bare
  array with no total and no next link, so the client stops on a short or empty page.
* ``/v2/activities`` pages with ``pageSize`` 10..1000 (default 200; outside that range is a 400, as the
  spec bounds it) and ``olderThan`` / ``newerThan`` activity ids, newest first.
* ``/v2/queries/*`` page through server-side cursors (see ``queries.py``).
* Scopes: reads need ``monitoring``; resetting alerts and configuring webhooks ``management``; the
  remote-access link ``control``. A token lacking the scope gets 403.
* Device actions (reboot, maintenance mode) are in ``actions_api``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from flask import Blueprint, Response, g, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from .device_filter import DeviceFilter, DeviceFilterError, parse_device_filter
from .errors import failure, not_authenticated
from .payloads import device_summary, location_brief, organization_brief, organization_detailed
from .queries import REPORT_FILTERS
from .state import UnknownRecord, current_state
from .webhooks import WebhookConfig

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
DASHBOARD_LINK_LIFETIME = 300

bp = Blueprint("fake_ninjaone_api", __name__, url_prefix="/v2")


@bp.before_request
def authenticate() -> None:
    """Every /v2 request needs a live bearer token (also registered by ``actions_api``)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    access = current_state().oauth.bearer(token.strip()) if scheme.lower() == "bearer" else None
    if access is None:
        raise not_authenticated()
    g.access_token = access


def requires(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Answer 403 unless the bearer token carries ``scope``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if scope not in g.access_token.scopes:
                raise failure(403, f"The access token lacks the '{scope}' scope")
            return view(*args, **kwargs)

        return guarded

    return decorate


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise failure(400, f"Parameter '{name}' must be an integer") from None


def _page_size() -> int:
    size = _int_arg("pageSize")
    if size is None:
        return DEFAULT_PAGE_SIZE
    if size < 1:
        raise failure(400, "Parameter 'pageSize' must be positive")
    return min(size, MAX_PAGE_SIZE)


def _device_filter() -> DeviceFilter:
    try:
        return parse_device_filter(request.args.get("df"))
    except DeviceFilterError as exc:
        raise failure(400, f"Invalid device filter: {exc}") from None


def _device_list_filter() -> DeviceFilter:
    """``df`` of a device list: APPROVED devices only unless it names a status (see device_filter)."""
    return _device_filter().approved_by_default()


def _value_sets(params: dict[str, str]) -> dict[str, set[str]]:
    """``{query parameter: record field}`` -> ``{field: allowed values}`` for the parameters present."""
    return {
        field: set(request.args[param].split(","))
        for param, field in params.items()
        if request.args.get(param)
    }


def _require(record: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if record is None:
        raise failure(404, f"{what} not found")
    return record


# -- organizations and locations ---------------------------------------------------------------------


@bp.get("/organizations")
@requires("monitoring")
def organizations() -> Response:
    page = current_state().organizations_page(_int_arg("after"), _page_size())
    return jsonify([organization_brief(organization) for organization in page])


@bp.get("/organizations-detailed")
@requires("monitoring")
def organizations_detailed() -> Response:
    state = current_state()
    page = state.organizations_page(_int_arg("after"), _page_size())
    return jsonify([organization_detailed(org, state.locations_of(org["id"])) for org in page])


@bp.get("/organization/<int:organization_id>")
@requires("monitoring")
def organization(organization_id: int) -> Response:
    state = current_state()
    found = _require(state.organization(organization_id), "Organization")
    return jsonify(organization_detailed(found, state.locations_of(organization_id)))


@bp.get("/organization/<int:organization_id>/locations")
@requires("monitoring")
def organization_locations(organization_id: int) -> Response:
    state = current_state()
    _require(state.organization(organization_id), "Organization")
    return jsonify([location_brief(location) for location in state.locations_of(organization_id)])


@bp.get("/organization/<int:organization_id>/devices")
@requires("monitoring")
def organization_devices(organization_id: int) -> Response:
    state = current_state()
    _require(state.organization(organization_id), "Organization")
    page = state.devices_page(
        _int_arg("after"), _page_size(), _device_list_filter(), organization_id=organization_id
    )
    return jsonify([device_summary(device) for device in page])


@bp.get("/locations")
@requires("monitoring")
def locations() -> Response:
    return jsonify(current_state().locations_page(_int_arg("after"), _page_size()))


@bp.get("/noderole/list")
@requires("monitoring")
def node_roles() -> Response:
    """Every device role. ``isAssignable`` is accepted and changes nothing: every role the fake
    holds can be given to a device of its class (inferred; the spec does not say what it filters)."""
    if request.args.get("isAssignable", "false") not in ("true", "false"):
        raise failure(400, "isAssignable must be true or false")
    return jsonify(current_state().node_roles())


# -- devices -----------------------------------------------------------------------------------------


@bp.get("/devices")
@requires("monitoring")
def devices() -> Response:
    page = current_state().devices_page(_int_arg("after"), _page_size(), _device_list_filter())
    return jsonify([device_summary(device) for device in page])


@bp.get("/devices-detailed")
@requires("monitoring")
def devices_detailed() -> Response:
    return jsonify(current_state().devices_page(_int_arg("after"), _page_size(), _device_list_filter()))


@bp.get("/device/<int:device_id>")
@requires("monitoring")
def device(device_id: int) -> Response:
    return jsonify(_require(current_state().device(device_id), "Device"))


@bp.get("/device/<int:device_id>/alerts")
@requires("monitoring")
def device_alerts(device_id: int) -> Response:
    state = current_state()
    _require(state.device(device_id), "Device")
    return jsonify(state.alerts(device_id=device_id))


@bp.get("/device/<int:device_id>/software")
@requires("monitoring")
def device_software(device_id: int) -> Response:
    state = current_state()
    _require(state.device(device_id), "Device")
    return jsonify(state.device_software(device_id))


@bp.get("/device/<int:device_id>/os-patches")
@requires("monitoring")
def device_os_patches(device_id: int) -> Response:
    return _device_patches(device_id, "os-patches", current_state().device_os_patches)


@bp.get("/device/<int:device_id>/software-patches")
@requires("monitoring")
def device_software_patches(device_id: int) -> Response:
    return _device_patches(device_id, "software-patches", current_state().device_software_patches)


def _device_patches(device_id: int, report: str, rows: Callable[[int], list[dict[str, Any]]]) -> Response:
    """A device's patches, filtered by the query parameters its report accepts (404 for no device)."""
    _require(current_state().device(device_id), "Device")
    filters = _value_sets(REPORT_FILTERS[report])
    return jsonify([patch for patch in rows(device_id) if all(patch.get(k) in v for k, v in filters.items())])


@bp.get("/device/<int:device_id>/dashboard-url")
@requires("control")
def device_dashboard_url(device_id: int) -> BaseResponse:
    _require(current_state().device(device_id), "Device")
    url = f"{request.host_url.rstrip('/')}/#/deviceDashboard/{device_id}/overview"
    if request.args.get("redirect", "").lower() == "true":
        return redirect(url, 302)
    return jsonify({"url": url, "expires": round(time.time() + DASHBOARD_LINK_LIFETIME, 3)})


# -- alerts and activities ---------------------------------------------------------------------------


@bp.get("/alerts")
@requires("monitoring")
def alerts() -> Response:
    return jsonify(current_state().alerts(_device_filter(), request.args.get("sourceType") or None))


@bp.delete("/alert/<uid>")
@requires("management")
def delete_alert(uid: str) -> tuple[str, int]:
    return _reset_alert(uid, None)


@bp.post("/alert/<uid>/reset")
@requires("management")
def reset_alert(uid: str) -> tuple[str, int]:
    body = request.get_json(silent=True) if request.data else None
    if request.data and not isinstance(body, dict):
        raise failure(400, "Body must be a JSON object")
    return _reset_alert(uid, body or None)


def _reset_alert(uid: str, data: dict[str, Any] | None) -> tuple[str, int]:
    try:
        current_state().reset_alert(uid, data)
    except UnknownRecord:
        raise failure(404, "Alert not found") from None
    return "", 204


@bp.get("/activities")
@requires("monitoring")
def activities() -> Response:
    size = _int_arg("pageSize")
    size = 200 if size is None else size
    if not 10 <= size <= 1000:
        raise failure(400, "Parameter 'pageSize' must be between 10 and 1000")
    last, page = current_state().activities_page(
        size,
        newer_than=_int_arg("newerThan"),
        older_than=_int_arg("olderThan"),
        matches=_device_filter(),
        criteria=_value_sets(
            {
                "type": "activityType",
                "status": "statusCode",
                "seriesUid": "seriesUid",
                "sourceConfigUid": "sourceConfigUid",
            }
        ),
    )
    body: dict[str, Any] = {} if last is None else {"lastActivityId": last}
    body["activities"] = page
    return jsonify(body)


# -- query reports -----------------------------------------------------------------------------------


def report_page(report: str, size: int, open_rows: Callable[[], Iterator[dict[str, Any]]]) -> Response:
    """One page of a report walk: the ``cursor`` named in the query (400 when unknown or expired), or a
    new cursor over ``open_rows()`` (called only then, so a walk's row set is fixed when it starts)."""
    state = current_state()
    name = request.args.get("cursor")
    if name:
        cursor = state.cursors.resume(report, name)
        if cursor is None:
            raise failure(400, "Cursor not found or expired")
    else:
        cursor = state.cursors.open(report, open_rows())
    return jsonify(state.cursors.page(cursor, size))


def _query(report: str) -> Response:
    state = current_state()
    return report_page(
        report,
        _page_size(),
        lambda: state.query_rows(report, _device_filter(), _value_sets(REPORT_FILTERS[report])),
    )


for _report in REPORT_FILTERS:
    bp.add_url_rule(
        f"/queries/{_report}",
        endpoint=f"query_{_report}",
        view_func=requires("monitoring")(_query),
        defaults={"report": _report},
    )


# -- webhook configuration ---------------------------------------------------------------------------


@bp.put("/webhook")
@requires("management")
def configure_webhook() -> tuple[str, int]:
    state = current_state()
    client = state.oauth.client(g.access_token.client_id)
    if not client.system_admin:
        raise failure(403, "Only system administrators can configure webhooks")
    try:
        config = WebhookConfig.from_json(request.get_json(silent=True))
    except ValueError as exc:
        raise failure(400, f"Invalid webhook configuration: {exc}") from None
    state.webhooks.configure(client.client_id, config)
    return "", 204


@bp.delete("/webhook")
@requires("management")
def disable_webhook() -> tuple[str, int]:
    current_state().webhooks.remove(g.access_token.client_id)
    return "", 204
