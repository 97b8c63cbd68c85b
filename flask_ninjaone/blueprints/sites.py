"""Locations → sites page of one mapped organization (shown only when the host has sites)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from ..forms.mapping import ActionForm, LocationSiteForm
from ..host import Permission
from ..organizations import sites
from ..state import get_state
from .access import host_page_url, require
from .feedback import flash_linked
from .states import connected_integration

bp = Blueprint("ninjaone_sites", __name__, template_folder="../templates")

#: Errors that mean "no such page for this tenant": another tenant's organization or location, or a
#: host without sites.
NOT_FOUND = (sites.UnknownOrganization, sites.UnknownLocation, sites.SitesUnsupported)


@bp.get("/<int:organization_id>/sites")
@require(Permission.VIEW)
def index(organization_id: int) -> str | Response:
    """The organization's locations, each with its site, a site picker and a suggestion."""
    integration = connected_integration()
    try:
        page = sites.organization_sites(get_state().db.session, integration, organization_id)
    except NOT_FOUND:
        abort(404)
    except sites.MappingError as exc:
        flash(str(exc), "error")
        return redirect(url_for("ninjaone_mapping.index"))
    choices = [("", "— no site —")] + [(site.id, site.name) for site in page.sites]
    forms = {}
    for view in page.locations:
        form = LocationSiteForm(prefix=f"loc{view.location_id}")
        form.site_id.choices = choices
        form.site_id.data = view.site.id if view.site else ""
        forms[view.location_id] = form
    return render_template(
        "ninjaone/sites.html",
        integration=integration,
        page=page,
        forms=forms,
        action_form=ActionForm(),
        can_manage=get_state().host.has_permission(Permission.MANAGE),
        client_url=host_page_url("client", page.client.id),
    )


@bp.post("/<int:organization_id>/sites/<int:location_id>")
@require(Permission.MANAGE)
def update(organization_id: int, location_id: int) -> Response:
    """Map one location to a site of the client, or to no site."""
    integration = connected_integration()
    form = LocationSiteForm(prefix=f"loc{location_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        site = sites.map_location(
            get_state().db.session, integration, organization_id, location_id, form.site_id.data or None
        )
    except NOT_FOUND:
        abort(404)
    except sites.MappingError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Location mapped to {site.name}." if site else "Location unmapped: no site.", "success")
    return redirect(url_for(".index", organization_id=organization_id))


@bp.post("/<int:organization_id>/sites/<int:location_id>/create-site")
@require(Permission.MANAGE)
def create_site(organization_id: int, location_id: int) -> Response:
    """Create a site of the client named after the location, and map the location to it."""
    integration = connected_integration()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        site = sites.create_site_for(get_state().db.session, integration, organization_id, location_id)
    except NOT_FOUND:
        abort(404)
    except sites.MappingError as exc:
        flash(str(exc), "error")
    else:
        flash_linked("Created site {} and mapped the location to it.", site.name, None)
    return redirect(url_for(".index", organization_id=organization_id))
