"""Technician actions from the PSA (``ninjaone.actions``): reboot, script, patch job, maintenance of a device.

``POST /actions/assets/<id>/reboot``, ``…/script``, ``…/patch`` and ``…/maintenance`` come from the
forms on the asset panel and the ticket panel. The first post renders a confirmation that names the
device and what will happen; the confirmation's post (it carries a one-time ``submission`` token)
starts the action, so the same confirmation sent twice is one action. Every refusal happens before
anything is stored or sent: another tenant's or an unmanaged asset is 404, bad input 400 (the form
again with the message), a device or connection that cannot act 409 (a client-credentials connection
asked for a script included, before any API call). Scripts asking for JSON get the action row (202)
or ``{"ok": false, "message"}``. A script is checked against the device's scripting options, read
from NinjaOne at each post (the form, the confirmation) and once per panel view for the picker.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..actions import inputs
from ..actions.inputs import ActionInputError, ActionRequest
from ..actions.listing import action_json, recent_actions
from ..actions.patching import patch as patch_request
from ..actions.scripts import panel_scripts, require_sign_in, scripting_options
from ..actions.start import (
    SOFTWARE_PATCH_CLASSES,
    ActionRefused,
    action_key,
    asset_target,
    check_device,
    start_action,
)
from ..client.device_actions import MAINTENANCE_FEATURES
from ..forms.mapping import ActionForm
from ..host import Permission
from ..models import ActionKind
from ..models.base import utcnow
from ..state import get_state
from ..tenancy import require_tenant_id
from .access import EXPIRED_FORM, host_asset_url, require, safe_next, wants_json
from .states import posted_device_instance

bp = Blueprint("ninjaone_actions", __name__, template_folder="../templates")

Answer = Response | tuple[Response | str, int] | str
TICKET_NOT_FOUND = "No such ticket, or it does not link this asset."


def _ticket_id(host_asset_id: str) -> str | None:
    """The ticket the action is started from, only if it links this asset (its note goes there)."""
    value = (request.form.get("ticket_id") or "").strip()
    if not value:
        return None
    if len(value) > 64 or host_asset_id not in get_state().host.ticket_asset_ids(require_tenant_id(), value):
        raise ActionRefused(TICKET_NOT_FOUND, 404)
    return value


@bp.app_template_global("ninjaone_device_actions")
def render_device_actions(
    host_asset_id: Any, device: Any, ticket_id: Any = None, device_only: bool = False
) -> Markup:
    """The device-actions section of a panel: forms (``ninjaone.actions``) and the asset's recent
    actions; ``device_only``: those of ``device``'s instance only (the section of one of the devices
    of an asset several instances feed, whose list would otherwise show the other device's)."""
    host = get_state().host
    if device is None or not host.has_permission(Permission.VIEW):
        return Markup("")
    can_act = host.has_permission(Permission.ACTIONS)
    html = render_template(
        "ninjaone/device_actions.html",
        host_asset_id=str(host_asset_id),
        device=device,
        ticket_id=str(ticket_id) if ticket_id is not None else None,
        back=request.full_path.rstrip("?") if has_request_context() else "",
        can_act=can_act,
        scripts=panel_scripts(get_state().db.session, device) if can_act else None,
        form=ActionForm(),
        features=MAINTENANCE_FEATURES,
        software_patching=getattr(device, "node_class", None) in SOFTWARE_PATCH_CLASSES,
        actions=recent_actions(
            get_state().db.session,
            host_asset_id=str(host_asset_id),
            integration_id=device.integration_id if device_only else None,
        ),
        describe=inputs.describe,
    )
    return Markup(html)


def _refusal(message: str, status: int) -> Answer:
    if wants_json():
        return jsonify({"ok": False, "message": message}), status
    return render_template("ninjaone/action_confirm.html", error=message, device=None), status


def _act(asset_id: str, parse: Any, script: Any = None) -> Answer:
    """Check, confirm or start one action: ``parse()`` builds a reboot or maintenance request,
    ``script(options)`` a script run from the device's scripting options (read after every other check)."""
    if len(asset_id) > 64 or not asset_id.isprintable():
        abort(404)
    if not ActionForm().validate_on_submit():
        return _refusal(EXPIRED_FORM, 400)
    session = get_state().db.session
    calls = 0
    try:
        integration, device = asset_target(session, asset_id, posted_device_instance())
        ticket_id = _ticket_id(asset_id)
        if script is not None:
            require_sign_in(integration)
            check_device(device, ActionRequest(ActionKind.SCRIPT))
            options, calls = scripting_options(integration, device.device_id)
            request_ = script(options)
        else:
            request_ = parse()
            check_device(device, request_)
    except ActionRefused as exc:
        return _refusal(exc.message, exc.status)
    except ActionInputError as exc:
        return _refusal(str(exc), 400)
    submission = (request.form.get("submission") or "").strip()
    if not submission:
        return _confirm(asset_id, device, request_, ticket_id)
    if len(submission) > 64:
        return _refusal(EXPIRED_FORM, 400)
    user = get_state().host.current_user()
    key = action_key(require_tenant_id(), asset_id, submission)
    started = start_action(
        session, device, request_, key=key, user=user, ticket_id=ticket_id, api_calls=calls
    )
    action = started.action
    if wants_json():
        return jsonify(
            {"ok": action.state != "failed", "created": started.created, "action": action_json(action)}
        ), 202
    verb = "started" if started.created else "was already started"
    flash(f"{request_.describe()} of {device.name} {verb}: {action.state}. {action.result or ''}".strip(),
          "error" if action.state == "failed" else "success")  # fmt: skip
    return redirect(safe_next(host_asset_url(asset_id) or url_for("ninjaone.settings")), 303)


def _confirm(asset_id: str, device: Any, request_: ActionRequest, ticket_id: str | None) -> Answer:
    """The page that names the device and the action; its button sends the form with a submission token."""
    if wants_json():
        return jsonify(
            {"ok": False, "message": "Confirm with a 'submission' token (any unique string)."}
        ), 400
    fields = [
        (key, value)
        for key, value in request.form.items(multi=True)
        if key not in ("csrf_token", "submission")
    ]
    return render_template(
        "ninjaone/action_confirm.html",
        error=None,
        device=device,
        summary=request_.describe(),
        parameters=request_.parameters,
        fields=fields,
        action_url=request.path,
        submission=secrets.token_urlsafe(16),
        ticket_id=ticket_id,
        cancel_url=request.form.get("next") or host_asset_url(asset_id) or "",
        form=ActionForm(),
    )


@bp.post("/assets/<asset_id>/reboot")
@require(Permission.ACTIONS)
def reboot(asset_id: str) -> Answer:
    """Reboot the asset's device (``mode`` NORMAL or FORCED, optional ``reason``)."""
    return _act(asset_id, lambda: inputs.reboot(request.form.get("mode"), request.form.get("reason")))


@bp.post("/assets/<asset_id>/maintenance")
@require(Permission.ACTIONS)
def maintenance(asset_id: str) -> Answer:
    """Start maintenance mode (``end``, optional ``start``, ``features``, ``reason``); ``op=end`` ends it."""

    def parse() -> ActionRequest:
        if request.form.get("op") == "end":
            return inputs.maintenance_end()
        return inputs.maintenance_start(
            request.form.get("end"),
            start=request.form.get("start"),
            features=request.form.getlist("features") or ("ALERTS",),
            reason=request.form.get("reason"),
            now=utcnow(),
        )

    return _act(asset_id, parse)


@bp.post("/assets/<asset_id>/script")
@require(Permission.ACTIONS)
def script(asset_id: str) -> Answer:
    """Run a script the device's scripting options offer (``script`` id or action uid, ``parameters``
    as one line, ``run_as``); only on a connection made by signing in."""
    return _act(
        asset_id,
        None,
        lambda options: inputs.script(
            request.form.get("script"),
            request.form.get("parameters") or "",
            request.form.get("run_as"),
            options,
        ),
    )


@bp.post("/assets/<asset_id>/patch")
@require(Permission.ACTIONS)
def patch(asset_id: str) -> Answer:
    """Start a patch job: ``op`` scan or apply, ``target`` os or software."""
    return _act(asset_id, lambda: patch_request(request.form.get("op"), request.form.get("target")))
