"""Device types page: NinjaOne node roles and classes → the host's asset types (shown only when the
host lists asset types)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from ..forms.mapping import ActionForm, DeviceTypeRuleForm
from ..host import AssetType, FieldChoice, Permission
from ..models import EVERY_ORGANIZATION, MatchKind
from ..organizations import device_types
from ..organizations.client_mapping import MappingError
from ..organizations.lookup import integration_organizations
from ..state import get_state
from ..sync.node_classes import NODE_CLASS_ASSET_TYPES
from ..tenancy import current_tenant_id, require_tenant_id
from .access import require
from .states import connected_integration

bp = Blueprint("ninjaone_device_types", __name__, template_folder="../templates")


@bp.app_template_global("ninjaone_has_device_types")
def has_device_types() -> bool:
    """Whether the host lists asset types, so pages link to this one (one adapter call)."""
    tenant_id = current_tenant_id()
    return tenant_id is not None and device_types.host_type_choices(tenant_id) is not None


def _choices() -> list[FieldChoice]:
    choices = device_types.host_type_choices(require_tenant_id())
    if choices is None:
        abort(404)
    return choices


@bp.get("/")
@require(Permission.VIEW)
def index() -> str:
    """The rules, NinjaOne's roles (read now: one API call) and the form to add a rule."""
    choices = _choices()
    integration = connected_integration()
    session = get_state().db.session
    roles = device_types.node_roles(integration)
    table = device_types.type_table(session, integration)
    organizations = integration_organizations(session, integration)
    return render_template(
        "ninjaone/device_types.html",
        integration=integration,
        rules=device_types.rules(session, integration),
        roles=roles,
        roles_by_id=roles.by_id(),
        node_classes=sorted(NODE_CLASS_ASSET_TYPES),
        role_types={
            role["id"]: table.resolve(EVERY_ORGANIZATION, role["id"], role.get("nodeClass"))
            or NODE_CLASS_ASSET_TYPES.get(role.get("nodeClass") or "", (AssetType.OTHER, False))[0].value
            for role in roles.roles
        },
        organizations=organizations,
        organization_names={row.organization_id: row.name for row in organizations},
        type_labels={choice.value: choice.label for choice in choices},
        choices=choices,
        every=EVERY_ORGANIZATION,
        form=DeviceTypeRuleForm(formdata=None),
        action_form=ActionForm(),
        can_manage=get_state().host.has_permission(Permission.MANAGE),
    )


@bp.post("/")
@require(Permission.MANAGE)
def save() -> Response:
    """Add a rule, or change the type of the one with the same organization and match."""
    _choices()
    integration = connected_integration()
    form = DeviceTypeRuleForm()
    if not form.validate_on_submit():
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for(".index"))
    kind, _, value = (form.match.data or "").partition(":")
    try:
        device_types.save_rule(
            get_state().db.session,
            integration,
            organization_id=form.organization_id.data or EVERY_ORGANIZATION,
            kind=kind if kind in (MatchKind.ROLE, MatchKind.NODE_CLASS) else "",
            value=value,
            host_asset_type=form.host_asset_type.data or "",
        )
    except MappingError as exc:
        flash(str(exc), "error")
    else:
        flash("Rule saved. The next sync writes the devices it moves.", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:type_rule_id>/delete")
@require(Permission.MANAGE)
def delete(type_rule_id: int) -> Response:
    """Remove a rule: its devices take the next matching rule, or the class default, at the next sync."""
    _choices()
    integration = connected_integration()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        device_types.delete_rule(get_state().db.session, integration, type_rule_id)
    except device_types.UnknownRule:
        abort(404)
    flash("Rule removed. The next sync writes the devices it moves.", "success")
    return redirect(url_for(".index"))
