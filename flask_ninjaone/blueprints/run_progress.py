"""The pages' side of long work: answer a "Sync now"/"Refresh inventory" click, and find the run to follow.

A click never waits for the work (the job is detached, see :mod:`flask_ninjaone.inline_jobs`). A
script (``Accept: application/json``) gets the run to follow and the URL to poll; a plain form post
is redirected to the page with ``?run=<id>``, which shows that run (running, with a refresh link, or
its result) where the button is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import flash, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from ..state import get_state
from ..sync.requests import RunKind, SyncRequest, active_run
from ..sync.run_history import run_by_id
from ..sync.runner import run_summary
from .access import wants_json

if TYPE_CHECKING:
    from ..models import Integration, SyncRun


def run_links(run: SyncRun) -> dict[str, str]:
    """Where the page polls the run's progress, and where its row in the sync history is."""
    return {
        "progress_url": url_for("ninjaone_sync.run_json", run_id=run.id),
        "run_url": url_for("ninjaone_sync.history", run=run.id, _anchor=f"run-{run.id}"),
    }


def run_view(run: SyncRun | None) -> dict[str, Any] | None:
    """What a template's progress area needs: the run's summary and its links (``None``: no run)."""
    return None if run is None else {**run_summary(run), **run_links(run)}


def followed_run(integration: Integration, what: RunKind) -> SyncRun | None:
    """The run a page shows by its button: the one named by ``?run=`` (of this kind and integration;
    tenancy already hides other tenants'), else the one queued or running now."""
    requested = request.args.get("run", type=int)
    if requested is not None:
        run = run_by_id(get_state().db.session, requested)
        if run is not None and run.integration_id == integration.id and run.kind in what.kinds:
            return run
    return active_run(integration, what)


def answer_request(result: SyncRequest, page: str) -> Response | tuple[Response, int]:
    """JSON for the page's script, else a flash and a redirect to ``page`` following the run."""
    run = result.run
    if wants_json():
        body = {"ok": result.started, "message": result.message, "run": run_view(run)}
        return jsonify(body), 202 if result.started else 200
    flash(result.message, "success" if result.started else "info")
    return redirect(url_for(page, run=run.id) if run is not None else url_for(page), 303)
