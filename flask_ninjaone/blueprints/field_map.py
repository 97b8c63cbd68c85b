"""The field map page: NinjaOne custom fields -> host asset attributes, last logged-on users -> contacts.

Each half shows only when the host supports it (:meth:`HostAdapter.asset_attributes` answers a list;
:attr:`HostAdapter.contacts_supported`); a host supporting neither has no such page (404).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from ..forms.field_map import ContactSettingsForm, FieldMappingForm
from ..forms.mapping import ActionForm
from ..host import AssetAttribute, Permission
from ..inventory import field_map
from ..state import get_state
from ..tenancy import require_tenant_id
from .access import require
from .states import connected_integration

bp = Blueprint("ninjaone_fields", __name__, template_folder="../templates")


def _capabilities() -> tuple[list[AssetAttribute] | None, bool]:
    """The host's attributes (``None``: no custom fields) and whether it links contacts; 404 for neither."""
    host = get_state().host
    attributes = host.asset_attributes(require_tenant_id())
    if attributes is None and not host.contacts_supported:
        abort(404)
    return attributes, host.contacts_supported


@bp.app_template_global("ninjaone_field_map_available")
def field_map_available() -> bool:
    """Whether the host supports custom fields or contacts (links to the page show only then)."""
    host = get_state().host
    return host.contacts_supported or host.asset_attributes(require_tenant_id()) is not None


def _errors(form: FieldMappingForm | ContactSettingsForm) -> str:
    return "; ".join(
        f"{getattr(form, name).label.text}: {e}" for name, errors in form.errors.items() for e in errors
    )


@bp.get("/")
@require(Permission.VIEW)
def index() -> str:
    """The mappings, a form to add one (NinjaOne's fields read live) and the contact settings."""
    integration = connected_integration()
    attributes, contacts = _capabilities()
    session = get_state().db.session
    rows = field_map.mappings(session, integration)
    definitions, unreachable = (
        field_map.load_definitions(integration) if attributes is not None else ({}, None)
    )
    mapped = {row.field_name for row in rows}
    form = FieldMappingForm()
    form.field_name.choices = [("", "— choose a field —")] + [
        (d.name, f"{d.label} ({d.type})")
        for d in sorted(definitions.values(), key=lambda d: d.label.lower())
        if d.type is not None and d.readable and d.name not in mapped
    ]
    taken = {row.attribute for row in rows}
    form.attribute.choices = [("", "— choose an attribute —")] + [
        (a.key, f"{a.label} ({a.type})") for a in attributes or [] if a.key not in taken
    ]
    settings = field_map.contact_settings(session, integration)
    contact_form = ContactSettingsForm(
        link_contacts=settings.link_contacts, create_contacts=settings.create_contacts
    )
    return render_template(
        "ninjaone/field_map.html",
        integration=integration,
        rows=rows,
        attributes={a.key: a for a in attributes or []},
        supports_fields=attributes is not None,
        supports_contacts=contacts,
        unreachable=unreachable,
        unmappable=sorted(d.label for d in definitions.values() if d.type is None),
        form=form,
        contact_form=contact_form,
        action_form=ActionForm(),
        can_manage=get_state().host.has_permission(Permission.MANAGE),
    )


@bp.post("/")
@require(Permission.MANAGE)
def save() -> Response:
    """Map (or remap) one field; NinjaOne's definitions are read again, so a vanished field is refused."""
    integration = connected_integration()
    attributes, _ = _capabilities()
    if attributes is None:
        abort(404)
    form = FieldMappingForm()
    if not form.validate_on_submit():
        flash(_errors(form) or "The form expired: try again.", "error")
        return redirect(url_for(".index"))
    definitions, unreachable = field_map.load_definitions(integration)
    if unreachable:
        flash(f"NinjaOne's custom fields could not be read: {unreachable}", "error")
        return redirect(url_for(".index"))
    session = get_state().db.session
    try:
        row = field_map.map_field(
            session,
            integration,
            definitions,
            attributes,
            form.field_name.data or "",
            form.attribute.data or "",
            two_way=bool(form.two_way.data),
        )
    except field_map.FieldMapError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    flash(f"{row.field_label} now feeds {row.attribute}; the next inventory refresh fills it in.", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:mapping_id>/remove")
@require(Permission.MANAGE)
def remove(mapping_id: int) -> Response:
    """Unmap a field (the assets keep the values they have)."""
    integration = connected_integration()
    _capabilities()
    if not ActionForm().validate_on_submit():
        abort(400)
    session = get_state().db.session
    if not field_map.unmap_field(session, integration, mapping_id):
        abort(404)
    flash("Mapping removed; the assets keep their values.", "success")
    return redirect(url_for(".index"))


@bp.post("/contacts")
@require(Permission.MANAGE)
def contacts() -> Response:
    """Turn linking last logged-on users to contacts (and creating them) on or off."""
    integration = connected_integration()
    _, supported = _capabilities()
    if not supported:
        abort(404)
    form = ContactSettingsForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_state().db.session
    field_map.set_contact_linking(
        session, integration, link=bool(form.link_contacts.data), create=bool(form.create_contacts.data)
    )
    flash("Contact settings saved; the next inventory refresh applies them.", "success")
    return redirect(url_for(".index"))
