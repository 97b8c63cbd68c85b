"""The pages' side of long work: answer a "Sync now", "Refresh inventory", "Refresh this device now"
or "Sync selected" click, and find the run to follow.

A click never waits for the work (the job is detached, see :mod:`flask_ninjaone.inline_jobs`). A
script (``Accept: application/json``) gets the run to follow and the URL to poll; a plain form post
is redirected to the page with ``?run=<id>`` (``?ninjaone_run=<id>`` on a host page, whose own
parameters it must not take), which shows that run (running, with a refresh link, or its result)
where the button is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import flash, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from ..state import get_state
from ..sync.requests import RunKind, SyncRequest, active_run, run_subject
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


#: The query parameter naming the followed run on a host page (a panel or the asset list).
HOST_PAGE_RUN = "ninjaone_run"


def followed_run(
    integration: Integration, what: RunKind, *, subject: str | None = None, param: str = "run"
) -> SyncRun | None:
    """The run a page shows by its button: the one named by ``?run=`` (of this kind, integration and
    ``subject``; tenancy already hides other tenants'), else the one queued or running now."""
    requested = request.args.get(param, type=int)
    if requested is not None:
        run = run_by_id(get_state().db.session, requested)
        if (
            run is not None
            and run.integration_id == integration.id
            and run.kind in what.kinds
            and (subject is None or run_subject(run) == subject)
        ):
            return run
    return active_run(integration, what, subject)


def answer_request(result: SyncRequest, page: str) -> Response | tuple[Response, int]:
    """JSON for the page's script, else a flash and a redirect to ``page`` following the run."""
    return answer_run(result, lambda run: url_for(page, run=run.id) if run is not None else url_for(page))


def answer_on_host_page(result: SyncRequest, back: str) -> Response | tuple[Response, int]:
    """Like :func:`answer_request` for a button on a host page (``back``, already checked as ours)."""
    return answer_run(result, lambda run: back if run is None else with_param(back, HOST_PAGE_RUN, run.id))


def answer_run(
    result: SyncRequest, follow: Callable[[SyncRun | None], str]
) -> Response | tuple[Response, int]:
    """JSON for the page's script, else a flash and a redirect to ``follow(run)``."""
    return answer_work(result.started, result.message, run_view(result.run), follow(result.run))


def answer_work(
    started: bool, message: str, view: dict[str, Any] | None, follow_url: str
) -> Response | tuple[Response, int]:
    """The answer to any click that starts long work (a run, a rule test): ``view`` is what the
    script follows (``id``, ``state``, ``progress``, ``text``, ``progress_url``, ``run_url``); a plain
    post gets a flash and a redirect to ``follow_url``, the page following the work."""
    if wants_json():
        body = {"ok": started, "message": message, "run": view}
        return jsonify(body), 202 if started else 200
    flash(message, "success" if started else "info")
    return redirect(follow_url, 303)


def with_param(url: str, name: str, value: object) -> str:
    """``url`` with the query parameter ``name`` set to ``value`` (any earlier value replaced)."""
    parts = urlsplit(url)
    query = [(key, val) for key, val in parse_qsl(parts.query, keep_blank_values=True) if key != name]
    return urlunsplit(parts._replace(query=urlencode([*query, (name, str(value))])))
