"""Bulk device actions from the asset list (``ninjaone.actions``): reboot, patch scan, maintenance mode.

``POST /actions/bulk`` is reached from the asset list's selection bar (the same form and checkboxes as
"Sync selected", a button per action). Without a ``submission`` token it answers the page that names
the devices the action will reach, lists the skipped ones with why, asks for the action's parameters
and — above ``NINJAONE_BULK_ACTION_CONFIRM_ABOVE`` devices — for the number of devices typed out.
With the token (the page's own post) it checks everything again on the server and starts one action
per device (:mod:`..actions.bulk`), then answers the list of actions started. Bad input (an empty or
oversized selection, a kind, mode or target not offered, a wrong typed count, no parameters) is 400
with the page again; a selection of which none is this tenant's NinjaOne device is 404; one where no
device can take the action now is 409. Nothing is stored or sent in any of these cases.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for

from ..actions import inputs
from ..actions.bulk import (
    BULK_KINDS,
    MAX_BULK,
    BulkPlan,
    check_typed,
    needs_typing,
    plan,
    selection,
    start_bulk,
)
from ..actions.inputs import ActionInputError, ActionRequest
from ..actions.listing import action_json
from ..actions.patching import patch as patch_request
from ..actions.start import NOT_FOUND, ActionRefused, require_instance
from ..client.device_actions import MAINTENANCE_FEATURES, PATCH_TARGETS, REBOOT_MODES
from ..forms.mapping import ActionForm
from ..host import Permission
from ..models import ActionKind
from ..models.base import utcnow
from ..state import get_state
from .access import EXPIRED_FORM, host_asset_url, require, safe_next, wants_json

bp = Blueprint("ninjaone_bulk_actions", __name__, template_folder="../templates")

Answer = tuple[Any, int] | str
TITLES = {"reboot": "Reboot", "patch_scan": "Patch scan", "maintenance": "Maintenance mode"}


#: The request a kind's page starts from, before the person chose its parameters (the plan's checks
#: depend only on the kind and a patch's target).
DEFAULTS = {
    "reboot": lambda: inputs.reboot("NORMAL"),
    "patch_scan": lambda: patch_request("scan", "os"),
    "maintenance": lambda: ActionRequest(ActionKind.MAINTENANCE_START),
}


def _parse(kind: str) -> ActionRequest:
    """The request the confirmed form asks for; bad input is :class:`ActionInputError`."""
    form = request.form
    if kind == "reboot":
        return inputs.reboot(form.get("mode"), form.get("reason"))
    if kind == "patch_scan":
        return patch_request("scan", form.get("target"))
    return inputs.maintenance_start(
        form.get("end"),
        features=form.getlist("features") or ("ALERTS",),
        reason=form.get("reason"),
        now=utcnow(),
    )


def _page(kind: str, found: BulkPlan | None, status: int, error: str | None = None, **extra: Any) -> Answer:
    if wants_json():
        body: dict[str, Any] = {"ok": error is None, "message": error}
        if found is not None:
            body["skipped"] = [vars(item) for item in found.skipped]
        return jsonify(body), status
    count = len(found.runnable) if found else 0
    html = render_template(
        "ninjaone/bulk_actions.html",
        kind=kind,
        title=TITLES.get(kind, "Device action"),
        error=error,
        plan=found,
        count=count,
        needs_typing=needs_typing(count),
        asset_ids=request.form.getlist("asset_ids")[:MAX_BULK],
        form=ActionForm(),
        values=request.form,
        modes=REBOOT_MODES,
        targets=PATCH_TARGETS,
        features=MAINTENANCE_FEATURES,
        back=safe_next(url_for("ninjaone_compliance.index")),
        asset_url=host_asset_url,
        **extra,
    )
    return html, status


@bp.post("")
@require(Permission.ACTIONS)
def bulk() -> Answer:
    """Show the confirmation of a bulk action, or (with ``submission``) start it on every runnable device."""
    kind = str(request.form.get("kind") or "")
    if not ActionForm().validate_on_submit():
        return _page(kind, None, 400, EXPIRED_FORM)
    if kind not in BULK_KINDS:
        return _page(kind, None, 400, "Choose reboot, patch scan or maintenance mode for the selection.")
    submission = (request.form.get("submission") or "").strip()[:65]
    session = get_state().db.session
    try:
        require_instance(session)
        asset_ids = selection(request.form.getlist("asset_ids")[: MAX_BULK + 1])
    except ActionRefused as exc:
        return _page(kind, None, exc.status, exc.message)
    except ActionInputError as exc:
        return _page(kind, None, 400, str(exc))
    error = None
    try:
        action_request = _parse(kind) if submission else DEFAULTS[kind]()
    except ActionInputError as exc:
        action_request, error = DEFAULTS[kind](), str(exc)
    found = plan(session, asset_ids, action_request)
    if not found.runnable and all(item.why == NOT_FOUND for item in found.skipped):
        return _page(kind, None, 404, "None of the selected assets is a NinjaOne device of this workspace.")
    token = submission if 0 < len(submission) <= 64 else secrets.token_urlsafe(16)
    if error is not None:
        return _page(kind, found, 400, error, submission=token)
    if not found.runnable:
        return _page(
            kind, found, 409, "None of the selected devices can take this action now.", submission=token
        )
    if not submission:
        return _page(kind, found, 200, submission=token)
    if len(submission) > 64:
        return _page(kind, found, 400, EXPIRED_FORM, submission=token)
    try:
        check_typed(len(found.runnable), request.form.get("typed"))
    except ActionInputError as exc:
        return _page(kind, found, 400, str(exc), submission=token)
    user = get_state().host.current_user()
    started = start_bulk(session, found.runnable, action_request, submission=submission, user=user)
    if wants_json():
        return jsonify(
            {
                "ok": True,
                "created": sum(item.created for item in started),
                "actions": [action_json(item.action) for item in started],
                "skipped": [vars(item) for item in found.skipped],
            }
        ), 202
    return _page(kind, found, 200, started=started, summary=action_request.describe())
