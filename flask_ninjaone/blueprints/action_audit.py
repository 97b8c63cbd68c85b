"""The device-actions audit page and its CSV (``ninjaone.actions``).

``GET /actions/audit/`` lists every action of the tenant, newest first, filtered by state, kind,
technician, a device or asset search and a date range; ``GET /actions/audit/export.csv`` streams the
same filtered set. A bad filter answers 400 with the message and no rows (see :mod:`..actions.audit`).

Who may open it: ``ninjaone.actions``, the people who can act on devices (technicians and
administrators in the sample host). They need to see what a colleague did to a device before they
act on it too. Viewers may not: the rows hold script names, script parameters and the start of
script output, which tell more about a client's machines than a read-only role should see.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from ..actions.audit import (
    CSV_HEADER,
    AuditFilterError,
    AuditFilters,
    audit_page,
    csv_rows,
    parameters_text,
    parse_page,
    requester,
    technicians,
)
from ..actions.inputs import describe
from ..host import Permission
from ..inventory.export import csv_chunks
from ..labels import labels_for
from ..models import ActionKind, ActionState
from ..state import get_state
from ..tenancy import require_tenant_id
from .access import require
from .downloads import csv_download
from .states import connected_integration

bp = Blueprint("ninjaone_action_audit", __name__, template_folder="../templates")


@bp.get("/")
@require(Permission.ACTIONS)
def index() -> tuple[str, int]:
    """The filtered, paged list (400 with the reasons, and no rows, when a filter is bad)."""
    connected_integration()
    session = get_state().db.session
    errors: list[str] = []
    filters = AuditFilters()
    try:
        filters = AuditFilters.from_args(request.args)
        page_number = parse_page(request.args.get("page"))
    except AuditFilterError as exc:
        errors = exc.messages
    page = None if errors else audit_page(session, filters, page_number)
    tenant_id = require_tenant_id()
    rows = page.actions if page else []
    host_pages = get_state().host.pages(tenant_id)
    return render_template(
        "ninjaone/action_audit.html",
        errors=errors,
        raw=request.args,
        filters=filters,
        page=page,
        states=[str(state) for state in ActionState],
        kinds=[str(kind) for kind in ActionKind],
        technicians=technicians(session),
        labels=labels_for(
            tenant_id,
            ticket_ids=(row.ticket_id for row in rows),
            asset_ids=(row.host_asset_id for row in rows),
        ),
        asset_page=host_pages.asset,
        ticket_page=host_pages.ticket,
        describe=describe,
        parameters_text=parameters_text,
        requester=requester,
    ), (400 if errors else 200)


@bp.get("/export.csv")
@require(Permission.ACTIONS)
def export() -> Response:
    """The filtered set as CSV, streamed; text cells that would start a formula are neutralized."""
    connected_integration()
    try:
        filters = AuditFilters.from_args(request.args)
    except AuditFilterError as exc:
        abort(400, " ".join(exc.messages))
    return csv_download("ninjaone-actions", csv_chunks(CSV_HEADER, csv_rows(get_state().db.session, filters)))
