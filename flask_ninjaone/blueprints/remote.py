"""Remote Connect (``ninjaone.remote``) and the audit list of remote access attempts (admins).

``POST /remote/assets/<id>/connect`` answers JSON to the panel's script (which opened a tab in the
click and now points it at the link) and, without JavaScript, a redirect to the link (the form
targets a new tab), an "offline, open anyway?" page or an error page. Every attempt is audited,
including refused ones.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from ..connection.instances import tenant_instances
from ..forms.mapping import ActionForm
from ..host import Permission
from ..labels import labels_for
from ..remote.attempts import attempts_page
from ..remote.service import RemoteOutcome, RemoteResult, open_remote, record_refused
from ..state import get_state
from ..tenancy import current_tenant_id
from .access import EXPIRED_FORM, login_required_answer, require, wants_json
from .states import connected_integration, posted_device_instance

bp = Blueprint("ninjaone_remote", __name__, template_folder="../templates")

AUDIT_PAGE_SIZE = 50
#: HTTP status of each outcome in the JSON answer.
STATUS: dict[RemoteOutcome, int] = {
    RemoteOutcome.OK: 200,
    RemoteOutcome.OFFLINE: 200,
    RemoteOutcome.NOT_MANAGED: 404,
    RemoteOutcome.DEVICE_GONE: 404,
    RemoteOutcome.NO_CONTROL_SCOPE: 403,
    RemoteOutcome.FORBIDDEN: 403,
    RemoteOutcome.DISCONNECTED: 409,
    RemoteOutcome.RECONNECT_REQUIRED: 409,
    RemoteOutcome.API_ERROR: 502,
}


def _ticket_id() -> str | None:
    value = (request.form.get("ticket_id") or "").strip()
    return value[:64] or None


def _answer(result: RemoteResult) -> Response | tuple[Response | str, int]:
    status = STATUS[result.outcome]
    if wants_json():
        return jsonify(result.as_json()), status
    if result.outcome == RemoteOutcome.OK and result.url:
        response = redirect(result.url, 303)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    return render_template("ninjaone/remote_result.html", result=result), status


@bp.post("/assets/<asset_id>/connect")
def connect(asset_id: str) -> Response | tuple[Response | str, int]:
    """Open a Remote Connect session on an RMM-managed asset (from its page, a ticket, or a menu)."""
    host = get_state().host
    user = host.current_user()
    if user is None or current_tenant_id() is None:
        return login_required_answer(host)
    if len(asset_id) > 64 or not asset_id.isprintable():
        abort(404)
    if not ActionForm().validate_on_submit():
        message = EXPIRED_FORM
        if wants_json():
            return jsonify({"ok": False, "result": "bad_request", "message": message}), 400
        abort(400)
    if not host.has_permission(Permission.REMOTE):
        result = record_refused(asset_id, user=user, remote_addr=request.remote_addr, ticket_id=_ticket_id())
        return _answer(result)
    result = open_remote(
        asset_id,
        user=user,
        remote_addr=request.remote_addr,
        ticket_id=_ticket_id(),
        integration_id=posted_device_instance(),
    )
    return _answer(result)


#: Authorized by hand above (refused attempts are audited before the 403); declared for the route matrix.
connect.ninjaone_permission = Permission.REMOTE  # type: ignore[attr-defined]  # a marker attribute


@bp.get("/audit")
@require(Permission.MANAGE)
def audit() -> str:
    """Every Remote Connect attempt of the tenant, newest first: who, which asset, from where, result."""
    connected_integration()
    result_filter = request.args.get("result") or ""
    if result_filter not in {str(outcome) for outcome in RemoteOutcome}:
        result_filter = ""
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    entries, total = attempts_page(
        get_state().db.session, result=result_filter, page=page, page_size=AUDIT_PAGE_SIZE
    )
    host_pages = get_state().host.pages(str(current_tenant_id()))
    labels = labels_for(
        str(current_tenant_id()),
        ticket_ids=(entry.detail.get("ticket_id") for entry in entries if entry.detail),
        asset_ids=(entry.target_id for entry in entries),
    )
    return render_template(
        "ninjaone/remote_audit.html",
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE_SIZE)),
        result_filter=result_filter,
        outcomes=[str(outcome) for outcome in RemoteOutcome],
        asset_page=host_pages.asset,
        ticket_page=host_pages.ticket,
        labels=labels,
        several=len(tenant_instances(get_state().db.session)) > 1,  # name each entry's instance
    )
