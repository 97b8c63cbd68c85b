"""Technician panels: the RMM panel of a host asset, the ticket panel, asset-list helpers, and the
per-device actions they offer ("refresh this device now", "sync selected", "open in NinjaOne").

Hosts include the panels through template globals (documented in docs/host-integration.md,
"Technician panels")::

    {{ ninjaone_asset_panel(asset.id) }}      {# asset detail page #}
    {{ ninjaone_ticket_panel(ticket.id) }}    {# ticket detail page #}
    {{ ninjaone_remote_button(asset.id) }}    {# an actions menu #}
    {% set rmm = ninjaone_asset_summaries(assets|map(attribute='id')) %}   {# asset list / cards #}

Each returns safe HTML (or an empty string for a user without ``ninjaone.view``), so the host needs
no knowledge of the extension's models.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..client import device_page_url
from ..connection.health import Health, connection_health
from ..connection.instances import names_if_several, tenant_instances
from ..forms.instance import device_instance_field, remember_rendered
from ..forms.mapping import ActionForm
from ..host import Permission
from ..inventory.asset_devices import by_instance, device_for_asset, devices_for_assets, instance_of
from ..inventory.compliance import AssetSummary, asset_summaries
from ..inventory.device_refresh import MAX_SELECTED
from ..inventory.panels import AssetPanel, asset_panels, ticket_assets
from ..labels import labels_for
from ..state import get_state
from ..sync.requests import (
    DEVICE_REFRESH,
    SELECTED_DEVICES,
    SyncRequest,
    request_device_refresh,
    request_selected,
)
from ..tenancy import current_tenant_id, require_tenant_id
from .access import EXPIRED_FORM, host_asset_url, host_page_url, require, safe_next, this_page, wants_json
from .run_progress import HOST_PAGE_RUN, answer_on_host_page, followed_run, run_view, with_param
from .states import posted_device_instance, require_some_connection

bp = Blueprint("ninjaone_assets", __name__, template_folder="../templates")


def _may(permission: Permission) -> bool:
    host = get_state().host
    return (
        host.current_user() is not None
        and current_tenant_id() is not None
        and host.has_permission(permission)
    )


def _assets_head() -> Markup:
    """The panels' stylesheet and script, once per page (panels may be rendered several times)."""
    if g.get("_ninjaone_panel_assets"):
        return Markup("")
    g._ninjaone_panel_assets = True
    return Markup(render_template("ninjaone/asset_head.html"))


def optional_url(endpoint: str, **values: Any) -> str | None:
    """``url_for`` of a route that may not exist (e.g. the alerts panel's, built separately)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except Exception:  # noqa: BLE001 - a route with other arguments than we guessed: no link
        return None


# -- hooks (template globals) ---------------------------------------------------------------------------


bp.add_app_template_global(device_instance_field, "ninjaone_device_instance_field")


@bp.app_template_global("ninjaone_asset_panel")
def render_asset_panel(host_asset_id: Any) -> Markup:
    """The RMM panel of a host asset: status, Remote Connect, alerts, patches, antivirus, software. An
    asset several instances' devices feed (the same machine) gets a section per device, each named
    and with its own buttons, which go to that device's instance."""
    if not _may(Permission.VIEW):
        return Markup("")
    args = request.args if has_request_context() else {}
    panels = asset_panels(host_asset_id, args)
    sections = [_panel_section(panel, args, position, panels) for position, panel in enumerate(panels)]
    if panels[0].integration is not None and has_request_context():
        remember_rendered(panels[0].integration.id)  # later forms of the page: the first device's, as before
    return _assets_head() + Markup("").join(sections)


def _panel_section(panel: AssetPanel, args: Any, position: int, panels: list[AssetPanel]) -> Markup:
    """One device's section of the asset panel; ``position`` > 0 ids its elements apart (several
    sections on one page)."""
    if panel.integration is not None and has_request_context():
        remember_rendered(panel.integration.id)  # its buttons act on the instance the section shows
    can_refresh = get_state().host.has_permission(Permission.ACTIONS)
    refresh_run = None
    if can_refresh and panel.integration is not None and panel.device is not None and has_request_context():
        subject = str(panel.device.device_id)
        refresh_run = followed_run(panel.integration, DEVICE_REFRESH, subject=subject, param=HOST_PAGE_RUN)
    html = render_template(
        "ninjaone/asset_panel.html",
        panel=panel,
        suffix=f"-{panel.integration.id}" if position and panel.integration is not None else "",
        shared_by=[other.instance_name for other in panels] if len(panels) > 1 else [],
        refresh_run=run_view(refresh_run),
        refresh_url=with_param(this_page(), HOST_PAGE_RUN, refresh_run.id) if refresh_run else None,
        can_remote=get_state().host.has_permission(Permission.REMOTE),
        can_alerts=get_state().host.has_permission(Permission.ALERTS),
        can_refresh=can_refresh,
        form=ActionForm(),
        optional_url=optional_url,
        asset_url=request.path if has_request_context() else "",
        base_args={key: value for key, value in args.items() if not key.startswith("sw_")},
        labels=labels_for(require_tenant_id(), ticket_ids=(alert.ticket_id for alert in panel.alerts)),
        ticket_url=functools.partial(host_page_url, "ticket"),
        contact_url=functools.partial(host_page_url, "contact"),
    )
    return Markup(html)


@bp.app_template_global("ninjaone_ticket_panel")
def render_ticket_panel(ticket_id: Any) -> Markup:
    """Remote Connect and RMM status for each asset linked to a ticket."""
    if not _may(Permission.VIEW):
        return Markup("")
    panel = ticket_assets(ticket_id)
    if not panel.assets:
        return Markup("")
    html = render_template(
        "ninjaone/ticket_panel.html",
        panel=panel,
        ticket_id=str(ticket_id),
        can_remote=get_state().host.has_permission(Permission.REMOTE),
        form=ActionForm(),
        asset_url=host_asset_url,
        labels=labels_for(require_tenant_id(), asset_ids=(item.host_asset_id for item in panel.assets)),
    )
    return _assets_head() + Markup(html)


@bp.app_template_global("ninjaone_remote_button")
def render_remote_button(host_asset_id: Any, ticket_id: Any = None, label: str = "Remote Connect") -> Markup:
    """Just the Remote Connect button (for a host's actions menu); empty without ``ninjaone.remote``
    or when the asset is not a NinjaOne device."""
    if not _may(Permission.REMOTE):
        return Markup("")
    session = get_state().db.session
    device = device_for_asset(session, str(host_asset_id))
    if device is None:
        return Markup("")
    if connection_health(instance_of(session, device)).state in (Health.NOT_CONNECTED, Health.DISCONNECTED):
        return Markup("")  # no session can open on the device's instance: a live-looking button would fail
    html = render_template(
        "ninjaone/remote_button.html",
        device=device,
        host_asset_id=str(host_asset_id),
        ticket_id=ticket_id,
        label=label,
        variant="menu",
        form=ActionForm(),
    )
    return _assets_head() + Markup(html)


@bp.app_template_global("ninjaone_asset_summaries")
def template_asset_summaries(host_asset_ids: Any) -> dict[str, AssetSummary]:
    """Host asset id (as a string) → agent status, open alert count, patch compliance, NinjaOne link,
    whether that is the last known state, and the device's instance (when the tenant has several)."""
    if not _may(Permission.VIEW):
        return {}
    return asset_summaries(host_asset_ids)


@bp.app_template_global("ninjaone_asset_list_tools")
def render_asset_list_tools(form_id: str = "ninjaone-selection") -> Markup:
    """The bulk-action bar of an asset list ("Sync selected", "Open in NinjaOne"). Rows put checkboxes
    ``name="asset_ids" form="<form_id>"`` next to each NinjaOne asset."""
    if not _may(Permission.VIEW):
        return Markup("")
    can_sync = get_state().host.has_permission(Permission.ACTIONS)
    run = None
    if can_sync:  # a selection's run is of its devices' instance: the one the URL names, else any active
        instances = tenant_instances(get_state().db.session)
        runs = [
            found for row in instances if (found := followed_run(row, SELECTED_DEVICES, param=HOST_PAGE_RUN))
        ]
        named = request.args.get(HOST_PAGE_RUN, type=int)
        run = next((found for found in runs if found.id == named), runs[0] if runs else None)
    html = render_template(
        "ninjaone/asset_list_tools.html",
        form_id=form_id,
        form=ActionForm(),
        next_url=this_page(),
        can_sync=can_sync,
        run=run_view(run),
        refresh_url=with_param(this_page(), HOST_PAGE_RUN, run.id) if run else None,
    )
    return _assets_head() + Markup(html)


# -- routes ---------------------------------------------------------------------------------------


def _own_asset(asset_id: str) -> str:
    """The asset id if it is a plausible id of this tenant's asset, else 404."""
    if (
        len(asset_id) > 64
        or not asset_id.isprintable()
        or not get_state().host.asset_exists(require_tenant_id(), asset_id)
    ):
        abort(404)
    return asset_id


@bp.get("/<asset_id>/panel")
@require(Permission.VIEW)
def panel(asset_id: str) -> str:
    """The panel alone (for hosts that load it with JavaScript or in a frame)."""
    return str(render_asset_panel(_own_asset(asset_id)))


@bp.post("/<asset_id>/refresh")
@require(Permission.ACTIONS)
def refresh(asset_id: str) -> Response | tuple[Response, int]:
    """ "Refresh this device now": re-read the device and its inventory with the per-device endpoints,
    as a detached job with a run the panel follows (JSON for its script, else back to the asset)."""
    asset_id = _own_asset(asset_id)
    require_some_connection()
    if not ActionForm().validate_on_submit():
        abort(400, EXPIRED_FORM)  # the pages' error handler answers a script in JSON
    session = get_state().db.session
    device = device_for_asset(session, asset_id, integration_id=posted_device_instance())
    back = safe_next(host_asset_url(asset_id) or url_for("ninjaone_compliance.index"))
    if device is None:
        return _refused("This asset is not managed by NinjaOne.", back)
    return answer_on_host_page(request_device_refresh(instance_of(session, device), device.device_id), back)


def _refused(message: str, back: str) -> Response | tuple[Response, int]:
    """A click that started nothing: the sentence as JSON for the script, else flashed on ``back``."""
    if wants_json():
        return jsonify({"ok": False, "message": message, "run": None}), 409
    flash(message, "error")
    return redirect(back, 303)


@bp.post("/sync-selected")
@require(Permission.ACTIONS)
def sync_selected() -> Response | tuple[Response, int]:
    """Bulk action of the asset list: one detached job per instance re-reads the selected NinjaOne
    devices of that instance, with a run the list follows (the same selection clicked twice is one run)."""
    require_some_connection()
    if not ActionForm().validate_on_submit():
        abort(400, EXPIRED_FORM)  # the pages' error handler answers a script in JSON
    back = safe_next(url_for("ninjaone_compliance.index"))
    asset_ids = [v for v in request.form.getlist("asset_ids") if v and v.isprintable() and len(v) <= 64]
    asset_ids = asset_ids[: MAX_SELECTED + 1]
    if len(asset_ids) > MAX_SELECTED:
        return _refused(f"Select at most {MAX_SELECTED} assets at a time.", back)
    session = get_state().db.session
    devices = devices_for_assets(session, asset_ids[:MAX_SELECTED])
    if not devices:
        return _refused("None of the selected assets is managed by NinjaOne.", back)
    results = []
    for integration, selected in by_instance(session, devices):
        ids = sorted(device.device_id for device in selected)
        subject = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
        results.append((integration.name, request_selected(integration, ids, subject=subject)))
    if len(results) == 1:
        return answer_on_host_page(results[0][1], back)
    started = [result for _, result in results if result.started]
    message = " ".join(f"{name}: {result.message}" for name, result in results)
    run = next((result.run for result in started + [result for _, result in results] if result.run), None)
    return answer_on_host_page(SyncRequest(bool(started), message, run=run), back)


@bp.get("/open-selected")
@require(Permission.VIEW)
def open_selected() -> Response | str:
    """ "Open in NinjaOne" for the selection: one device goes straight there, several get a list of links."""
    require_some_connection()
    asset_ids = [v for v in request.args.getlist("asset_ids") if v and v.isprintable() and len(v) <= 64]
    asset_ids = asset_ids[:MAX_SELECTED]
    session = get_state().db.session
    devices = devices_for_assets(session, asset_ids[:MAX_SELECTED])
    if len(devices) == 1:
        return redirect(device_page_url(instance_of(session, devices[0]).base_url, devices[0].device_id), 303)
    links = sorted(
        (
            (
                device,
                device_page_url(integration.base_url, device.device_id),
                host_asset_url(device.host_asset_id or ""),
            )
            for integration, members in by_instance(session, devices)
            for device in members
        ),
        key=lambda link: link[0].name.lower(),
    )
    labels = labels_for(require_tenant_id(), asset_ids=(device.host_asset_id for device in devices))
    return render_template(
        "ninjaone/asset_open_selected.html",
        links=links,
        requested=len(asset_ids),
        labels=labels,
        names=names_if_several(session),  # the same device id in two instances is two machines
    )
