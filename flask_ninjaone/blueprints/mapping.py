"""Organization → client mapping page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..forms.mapping import ActionForm, ConfirmForm, OrganizationMappingForm
from ..host import Permission
from ..models import Integration, OrganizationMapping
from ..services import mapping
from ..state import get_state
from ..tenancy import require_tenant_id
from .access import require
from .states import connected_integration

bp = Blueprint("ninjaone_mapping", __name__, template_folder="../templates")


def _require_organization(integration: Integration, organization_id: int) -> None:
    """404 for an organization this tenant's connection does not have (e.g. another tenant's)."""
    found = (
        get_state()
        .db.session.scalars(
            select(OrganizationMapping.id).where(
                OrganizationMapping.integration_id == integration.id,
                OrganizationMapping.organization_id == organization_id,
            )
        )
        .first()
    )
    if found is None:
        abort(404)


def _client_choices() -> list[tuple[str, str]]:
    clients = get_state().host.list_clients(require_tenant_id())
    return [("", "— not mapped (devices held back) —")] + [(c.id, c.name) for c in clients]


@bp.get("/")
@require(Permission.VIEW)
def index() -> str:
    """Organizations with their state, client dropdown, auto-sync toggle and suggestion."""
    integration = connected_integration()
    session = get_state().db.session
    views = mapping.organizations(session, integration)
    choices = _client_choices()
    forms = {}
    for view in views:
        form = OrganizationMappingForm(prefix=f"org{view.mapping.organization_id}")
        form.client_id.choices = choices
        form.client_id.data = view.mapping.host_client_id or ""
        form.auto_sync.data = view.mapping.auto_sync
        forms[view.mapping.organization_id] = form
    return render_template(
        "ninjaone/mapping.html",
        integration=integration,
        views=views,
        forms=forms,
        confirm_form=ConfirmForm(),
        action_form=ActionForm(),
        can_manage=get_state().host.has_permission(Permission.MANAGE),
        suggestions=sum(1 for v in views if v.suggestion is not None),
    )


@bp.post("/<int:organization_id>")
@require(Permission.MANAGE)
def update(organization_id: int) -> Response:
    """Map, remap or unmap one organization."""
    integration = connected_integration()
    _require_organization(integration, organization_id)
    form = OrganizationMappingForm(prefix=f"org{organization_id}")
    form.client_id.choices = _client_choices()
    if not form.validate_on_submit():
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for(".index"))
    try:
        row = mapping.map_organization(
            get_state().db.session, integration, organization_id, form.client_id.data or None,
            auto_sync=bool(form.auto_sync.data),
        )  # fmt: skip
    except mapping.MappingError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    flash(f"{row.name}: {'mapped' if row.host_client_id else 'unmapped'}.", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:organization_id>/create-client")
@require(Permission.MANAGE)
def create_client(organization_id: int) -> Response:
    """Create a host client named after the organization and map to it."""
    integration = connected_integration()
    _require_organization(integration, organization_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        client = mapping.create_client_for(get_state().db.session, integration, organization_id)
    except mapping.MappingError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Created client {client.name} and mapped the organization to it.", "success")
    return redirect(url_for(".index"))


@bp.post("/apply-suggestions")
@require(Permission.MANAGE)
def apply_suggestions() -> Response:
    """Map every unmapped organization to its suggested client, after explicit confirmation."""
    integration = connected_integration()
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("Tick the confirmation box to apply the suggestions.", "error")
        return redirect(url_for(".index"))
    count = mapping.apply_suggestions(get_state().db.session, integration)
    flash(f"Applied {count} suggestion(s).", "success")
    return redirect(url_for(".index"))
