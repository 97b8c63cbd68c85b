"""Sync history, "Sync now", and the JSON the progress bar polls."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..forms.mapping import ActionForm
from ..host import Permission
from ..models import Integration, SyncRun
from ..state import get_state
from ..sync.requests import request_sync
from ..sync.runner import run_summary
from ..tenancy import get_scoped
from .access import require
from .states import connected_integration

bp = Blueprint("ninjaone_sync", __name__, template_folder="../templates")
HISTORY = 25
#: Run kinds that walk devices; the headline and the progress bar follow these, not inventory refreshes.
DEVICE_SYNCS = ("full", "incremental")
#: How the history names each kind of run.
KIND_LABELS = {"full": "Full sync", "incremental": "Changes only", "inventory": "Inventory refresh"}
#: The history's count columns, in order.
COUNT_COLUMNS = ("created", "updated", "unchanged", "adopted", "retired", "held", "skipped", "failed")


def _runs(integration: Integration, limit: int, *, kinds: tuple[str, ...] | None = None) -> list[SyncRun]:
    query = select(SyncRun).where(SyncRun.integration_id == integration.id)
    if kinds is not None:
        query = query.where(SyncRun.kind.in_(kinds))
    return list(get_state().db.session.scalars(query.order_by(SyncRun.id.desc()).limit(limit)))


@bp.get("/")
@require(Permission.VIEW)
def history() -> str:
    """The last runs with their counts and errors, and a live progress bar for a running one."""
    integration = connected_integration()
    latest = _runs(integration, 1, kinds=DEVICE_SYNCS)
    return render_template(
        "ninjaone/sync.html",
        integration=integration,
        runs=_runs(integration, HISTORY),
        latest=latest[0] if latest else None,
        kind_labels=KIND_LABELS,
        count_columns=COUNT_COLUMNS,
        form=ActionForm(),
        can_manage=get_state().host.has_permission(Permission.MANAGE),
    )


@bp.post("/now")
@require(Permission.MANAGE)
def sync_now() -> Response:
    """Queue a full sync (answers "already running" rather than starting a second one)."""
    integration = connected_integration()
    if not ActionForm().validate_on_submit():
        abort(400)
    kind = "incremental" if request.form.get("kind") == "incremental" else "full"
    result = request_sync(integration, kind=kind, trigger="manual")
    flash(result.message, "success" if result.started else "info")
    return redirect(url_for(".history"))


@bp.get("/current.json")
@require(Permission.VIEW)
def current() -> Response:
    """The newest device sync (running or finished), for the progress bar."""
    runs = _runs(connected_integration(), 1, kinds=DEVICE_SYNCS)
    return jsonify({"run": run_summary(runs[0]) if runs else None})


@bp.get("/runs/<int:run_id>.json")
@require(Permission.VIEW)
def run_json(run_id: int) -> Response:
    """One run's progress and counts (404 for another tenant's run: tenancy filters it out)."""
    run = get_scoped(get_state().db.session, SyncRun, run_id)
    if run is None:
        abort(404)
    return jsonify(run_summary(run))
