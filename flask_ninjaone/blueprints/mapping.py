"""Organization → client mapping page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..forms.mapping import ActionForm, ConfirmPlanForm, OrganizationMappingForm
from ..host import Permission
from ..organizations import client_mapping as mapping
from ..organizations.lookup import has_organization
from ..organizations.sites import sites_supported
from ..state import get_state
from ..tenancy import require_tenant_id
from .access import host_page_url, require
from .device_types import has_device_types
from .feedback import flash_linked
from .states import connected_integration

if TYPE_CHECKING:
    from ..models import Integration

bp = Blueprint("ninjaone_mapping", __name__, template_folder="../templates")


def _require_organization(integration: Integration, organization_id: int) -> None:
    """404 for an organization this tenant's connection does not have (e.g. another tenant's)."""
    if not has_organization(get_state().db.session, integration, organization_id):
        abort(404)


def _client_choices() -> list[tuple[str, str]]:
    clients = get_state().host.list_clients(require_tenant_id())
    return [("", "— not mapped —")] + [(c.id, c.name) for c in clients]


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
    first_client = next((view.client.id for view in views if view.client), None)  # sites are asked per client
    return render_template(
        "ninjaone/mapping.html",
        integration=integration,
        views=views,
        forms=forms,
        action_form=ActionForm(),
        can_manage=get_state().host.has_permission(Permission.MANAGE),
        suggestions=len(mapping.plan_suggestions(session, integration, views)),
        missing_clients=len(
            {p.client_name for p in mapping.plan_missing_clients(session, integration, views)}
        ),
        has_sites=first_client is not None and sites_supported(first_client),
        has_device_types=has_device_types(),
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
        flash_linked("Created client {} and mapped the organization to it.", client.name,
                     host_page_url("client", client.id))  # fmt: skip
    return redirect(url_for(".index"))


@dataclass(frozen=True)
class BulkAction:
    """A bulk action of the mapping page: its planner (``organizations.client_mapping``) and texts."""

    planner: str
    title: str
    button: str
    done: str
    nothing_to_do: str


BULK_ACTIONS = {
    "apply-suggestions": BulkAction(
        "suggestions", "Apply all suggestions", "Map {count} organization(s)",
        "Mapped {count} organization(s) to their suggested clients.",
        "There is nothing to do: no unmapped organization has a suggested client now.",
    ),
    "create-clients": BulkAction(
        "missing_clients", "Create all missing clients", "Create the clients and map",
        "Created the missing clients and mapped {count} organization(s) to them.",
        "There is nothing to do: every unmapped organization has a suggested client, or none is unmapped.",
    ),
}  # fmt: skip


def _confirmation(slug: str) -> str:
    """The confirmation page of a bulk action: exactly what will happen, and one button to do it."""
    action = BULK_ACTIONS[slug]
    integration = connected_integration()
    plan = mapping.PLANNERS[action.planner](get_state().db.session, integration)
    return render_template(
        "ninjaone/mapping_confirm.html",
        integration=integration,
        plan=plan,
        form=ConfirmPlanForm(formdata=None, plan=mapping.encode_plan(plan)),
        action=action,
        button=action.button.format(count=len(plan)),
        action_url=url_for(request.endpoint or ".index"),
        new_clients=sorted({item.client_name for item in plan if item.creates_client}),
    )


def _apply(slug: str) -> Response:
    """Carry out what the confirmation listed, all or nothing; a changed list sends the person back
    to the (updated) confirmation page and changes nothing."""
    action = BULK_ACTIONS[slug]
    integration = connected_integration()
    form = ConfirmPlanForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        count = mapping.apply_confirmed(
            get_state().db.session, integration, action.planner, form.plan.data or ""
        )
    except mapping.StalePlan as exc:
        flash(str(exc), "error")
        return redirect(url_for(request.endpoint or ".index"))
    flash(action.done.format(count=count), "success")
    return redirect(url_for(".index"))


@bp.get("/apply-suggestions")
@require(Permission.MANAGE)
def confirm_suggestions() -> str:
    """Which organization goes to which suggested client, before anything is mapped."""
    return _confirmation("apply-suggestions")


@bp.post("/apply-suggestions")
@require(Permission.MANAGE)
def apply_suggestions() -> Response:
    """Map every organization the confirmation listed to its suggested client."""
    return _apply("apply-suggestions")


@bp.get("/create-clients")
@require(Permission.MANAGE)
def confirm_create_clients() -> str:
    """Which clients will be created, and which organizations each one receives."""
    return _confirmation("create-clients")


@bp.post("/create-clients")
@require(Permission.MANAGE)
def create_clients() -> Response:
    """Create the clients the confirmation listed and map their organizations."""
    return _apply("create-clients")
