"""Sync history, "Sync now", and the JSON the progress bar polls."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..forms.mapping import ActionForm
from ..host import Permission
from ..labels import labels_for
from ..state import get_state
from ..sync.adoption import AdoptionError, UnknownDevice, question_rows
from ..sync.adoption import answer as answer_question
from ..sync.requests import DEVICE_SYNC, request_sync
from ..sync.run_history import recent_runs, run_by_id
from ..sync.runner import run_summary
from ..tenancy import require_tenant_id
from .access import EXPIRED_FORM, require
from .run_progress import answer_request, followed_run, run_view
from .states import connected_integration

bp = Blueprint("ninjaone_sync", __name__, template_folder="../templates")
HISTORY = 25
#: Run kinds that walk devices; the headline and the progress bar follow these, not inventory refreshes.
DEVICE_SYNCS = DEVICE_SYNC.kinds
#: How the history names each kind of run.
KIND_LABELS = {
    "full": "Full sync",
    "incremental": "Changes only",
    "inventory": "Inventory refresh",
    "device": "Device refresh",
    "devices": "Selected devices",
}
#: The history's count columns, in order.
COUNT_COLUMNS = (
    "created",
    "updated",
    "unchanged",
    "adopted",
    "retired",
    "held",
    "asked",
    "skipped",
    "failed",
)


@bp.get("/")
@require(Permission.VIEW)
def history() -> str:
    """The last runs with their counts and errors, and a live progress bar for a running one."""
    integration = connected_integration()
    latest = recent_runs(get_state().db.session, integration, 1, kinds=DEVICE_SYNCS)
    followed = followed_run(integration, DEVICE_SYNC)
    # "View run" of an inventory or device refresh lands here too: its row is highlighted, the box
    # stays the sync's.
    current_id = followed.id if followed is not None else None
    linked = run_by_id(get_state().db.session, request.args.get("run", type=int) or 0)
    questions = question_rows(get_state().db.session, integration)
    if linked is not None and linked.integration_id == integration.id:
        current_id = linked.id
    return render_template(
        "ninjaone/sync.html",
        integration=integration,
        runs=recent_runs(get_state().db.session, integration, HISTORY),
        latest=latest[0] if latest else None,
        followed=run_view(followed),
        current_id=current_id,
        questions=questions,
        asset_labels=labels_for(require_tenant_id(), asset_ids=(row["host_asset_id"] for row in questions)),
        asset_page=get_state().host.pages(require_tenant_id()).asset,
        kind_labels=KIND_LABELS,
        count_columns=COUNT_COLUMNS,
        device_syncs=DEVICE_SYNCS,
        form=ActionForm(),
        can_manage=get_state().host.has_permission(Permission.MANAGE),
    )


@bp.post("/now")
@require(Permission.MANAGE)
def sync_now() -> Response | tuple[Response, int]:
    """Start a sync as a detached job and answer at once (a sync already queued or running answers
    instead of a second one): JSON with the run to follow, or a redirect to the history following it."""
    integration = connected_integration()
    if not ActionForm().validate_on_submit():
        abort(400, EXPIRED_FORM)  # the pages' error handler answers a script in JSON
    kind = "incremental" if request.form.get("kind") == "incremental" else "full"
    result = request_sync(integration, kind=kind, trigger="manual", detach=True)
    return answer_request(result, ".history")


@bp.post("/adoption/<int:device_id>")
@require(Permission.MANAGE)
def answer_adoption(device_id: int) -> Response:
    """Answer "same machine?" for a device held because its serial is another instance's asset
    (``answer``: ``link`` or ``separate``); the next sync of the instance follows it."""
    integration = connected_integration()
    if not ActionForm().validate_on_submit():
        abort(400, EXPIRED_FORM)
    try:
        question = answer_question(
            get_state().db.session, integration, device_id, request.form.get("answer", ""),
            actor=get_state().host.current_user(), remote_addr=request.remote_addr,
        )  # fmt: skip
    except UnknownDevice:
        abort(404)
    except AdoptionError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".history"))
    follows = "joins that asset" if question.answer == "link" else "gets its own asset"
    flash(f"{question.device_name} {follows} at the next sync (Sync now to apply it at once).", "success")
    return redirect(url_for(".history"))


@bp.get("/current.json")
@require(Permission.VIEW)
def current() -> Response:
    """The newest device sync (running or finished), for the progress bar."""
    runs = recent_runs(get_state().db.session, connected_integration(), 1, kinds=DEVICE_SYNCS)
    return jsonify({"run": run_summary(runs[0]) if runs else None})


@bp.get("/runs/<int:run_id>.json")
@require(Permission.VIEW)
def run_json(run_id: int) -> Response:
    """One run's progress and counts, polled by the page that started it (404 for another tenant's
    run: tenancy filters it out, and for a run of another of the tenant's integrations)."""
    run = run_by_id(get_state().db.session, run_id)
    if run is None or run.integration_id != connected_integration().id:
        abort(404)
    return jsonify(run_view(run))
