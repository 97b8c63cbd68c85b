"""The alerts panel: active alerts with filters, an alert's detail, acknowledge, resolve, create ticket.

Looking needs ``ninjaone.view``; acting needs ``ninjaone.alerts``. Every query is tenant scoped (an
alert of another tenant is a 404) and every action is a CSRF-protected POST that redirects back.
The panel lists the alerts of every instance of the tenant (issue 22; ``instance=<id>`` narrows to
one), and each action form posts the alert's instance with its id: the server acts only when the pair
is one of this tenant's, so a page left open across a change of instances never acts on the wrong one.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..alerts import panel_actions
from ..alerts.catalog import SEVERITIES
from ..alerts.panel import (
    STATUS_FILTERS,
    alert_by_id,
    alert_context,
    alert_instance,
    list_alerts,
    owed_resets,
    parse_filters,
)
from ..alerts.panel_actions import AlertActionError
from ..client import device_page_url
from ..connection.instances import tenant_instances
from ..forms.alerts import AlertActionForm, ResolveForm, posted_instance_id
from ..host import HostPages, Permission
from ..labels import labels_for
from ..state import get_state
from ..tenancy import require_tenant_id
from .access import EXPIRED_FORM, require
from .feedback import flash_linked
from .states import connected_integration, fleet_scope, require_some_connection

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..models import Alert

bp = Blueprint("ninjaone_alerts", __name__, template_folder="../templates")


def _session() -> Session:
    return get_state().db.session


def _alert(alert_id: int) -> Alert:
    alert = alert_by_id(_session(), alert_id)
    if alert is None:
        abort(404)
    return alert


def _acted_on(alert_id: int, form: AlertActionForm) -> Alert:
    """The alert a posted action form is about: the tenant's alert ``alert_id`` (404 otherwise), a valid
    form (400) naming the alert's own instance (404 when the pair is not this tenant's)."""
    alert = _alert(alert_id)
    if not form.validate_on_submit():
        abort(400, EXPIRED_FORM)
    instance_id = posted_instance_id(request.form)
    if instance_id is None:
        abort(
            400,
            "The form did not say which NinjaOne instance the alert is from. Reload the page and try again.",
        )
    if alert.integration_id != instance_id:
        abort(404)
    return alert


def _links(pages: HostPages, base_urls: dict[int, str]) -> dict[str, Any]:
    """URL builders for the templates (ids are quoted: they come from the host and from NinjaOne).
    ``base_urls`` maps each instance id to its URL: a device's NinjaOne page is in its own instance."""

    def page(template: str | None, value: Any) -> str | None:
        if not template or value in (None, ""):
            return None
        return template.replace("{id}", quote(str(value), safe=""))

    def device(integration_id: int, device_id: int | None) -> str | None:
        if device_id is None or device_id < 0 or integration_id not in base_urls:
            return None
        return device_page_url(base_urls[integration_id], device_id)

    return {
        "asset_url": lambda value: page(pages.asset, value),
        "ticket_url": lambda value: page(pages.ticket, value),
        "device_url": device,
    }


@bp.get("/")
@require(Permission.VIEW)
def index() -> str:
    """Active (by default) alerts of every instance (or the one ``instance`` names), filtered by
    severity, status, client, device and date."""
    scope = fleet_scope()
    host = get_state().host
    tenant_id = require_tenant_id()
    clients = host.list_clients(tenant_id)
    parsed = parse_filters(request.args, client_ids={client.id for client in clients})
    page = list_alerts(_session(), scope.ids, parsed.filters)
    labels = labels_for(
        tenant_id,
        ticket_ids=(alert.ticket_id for alert in page.alerts),
        asset_ids=(alert.host_asset_id for alert in page.alerts),
    )
    return render_template(
        "ninjaone/alerts.html",
        scope=scope,
        page=page,
        owed=owed_resets(_session(), page.alerts),
        filters=parsed.filters,
        filter_messages=parsed.messages,
        severities=SEVERITIES,
        statuses=STATUS_FILTERS,
        clients=clients,
        labels=labels,
        can_act=host.has_permission(Permission.ALERTS),
        can_manage=host.has_permission(Permission.MANAGE),
        action_form=AlertActionForm(),
        **_links(host.pages(tenant_id), {row.id: row.base_url for row in scope.instances}),
    )


@bp.get("/<int:alert_id>")
@require(Permission.VIEW)
def detail(alert_id: int) -> str:
    connected_integration()
    alert = _alert(alert_id)
    session = _session()
    integration = alert_instance(session, alert)
    host = get_state().host
    tenant_id = require_tenant_id()
    device, organization = alert_context(session, alert)
    client = None
    if organization is not None and organization.host_client_id:
        client = next((c for c in host.list_clients(tenant_id) if c.id == organization.host_client_id), None)
    return render_template(
        "ninjaone/alerts_detail.html",
        integration=integration,
        several_instances=len(tenant_instances(session)) > 1,
        alert=alert,
        owed_reset=owed_resets(session, [alert]).get(alert.id),
        device=device,
        organization=organization,
        client=client,
        labels=labels_for(tenant_id, ticket_ids=[alert.ticket_id], asset_ids=[alert.host_asset_id]),
        payload_text=json.dumps(alert.payload or {}, indent=2, ensure_ascii=False, sort_keys=True),
        can_act=host.has_permission(Permission.ALERTS),
        action_form=AlertActionForm(),
        resolve_form=ResolveForm(),
        **_links(host.pages(tenant_id), {integration.id: integration.base_url}),
    )


def _back(alert_id: int) -> Response:
    if request.form.get("return_to") == "list":
        return redirect(url_for(".index"))
    return redirect(url_for(".detail", alert_id=alert_id))


@bp.post("/<int:alert_id>/acknowledge")
@require(Permission.ALERTS)
def acknowledge(alert_id: int) -> Response:
    require_some_connection()  # each alert acts on its own instance (see _acted_on)
    alert = _acted_on(alert_id, AlertActionForm())
    try:
        panel_actions.acknowledge(_session(), alert.id, get_state().host.current_user())
    except AlertActionError as exc:
        flash(str(exc), "error")
    else:
        flash("Alert acknowledged.", "success")
    return _back(alert_id)


@bp.post("/<int:alert_id>/resolve")
@require(Permission.ALERTS)
def resolve(alert_id: int) -> Response:
    require_some_connection()  # each alert acts on its own instance (see _acted_on)
    form = ResolveForm()
    alert = _acted_on(alert_id, form)
    reset = bool(form.reset_in_ninjaone.data)
    try:
        panel_actions.resolve_from_panel(
            _session(), alert.id, get_state().host.current_user(), reset_in_ninjaone=reset,
            remote_addr=request.remote_addr,
        )  # fmt: skip
    except AlertActionError as exc:
        flash(str(exc), "error")
    else:
        flash("Alert resolved" + (" and reset in NinjaOne." if reset else "."), "success")
    return _back(alert_id)


@bp.post("/<int:alert_id>/ticket")
@require(Permission.ALERTS)
def create_ticket(alert_id: int) -> Response:
    require_some_connection()  # each alert acts on its own instance (see _acted_on)
    alert = _acted_on(alert_id, AlertActionForm())
    try:
        ticket_id = panel_actions.create_ticket(_session(), alert.id, get_state().host.current_user())
    except AlertActionError as exc:
        flash(str(exc), "error")
    except LookupError as exc:
        flash(f"The ticket could not be created: {exc}", "error")
    else:
        tenant_id = require_tenant_id()
        label = labels_for(tenant_id, ticket_ids=[ticket_id]).ticket(ticket_id)
        url = _links(get_state().host.pages(tenant_id), {})["ticket_url"](ticket_id)
        flash_linked("Ticket {} created.", label, url)
    return _back(alert_id)
