"""Fleet reports for reviews with a client: warranties ending soon and billing counts (page and CSV).

Both read the mirror (no NinjaOne request, except the node role names the billing page shows); the
queries and rules live in :mod:`..inventory.warranties` and :mod:`..inventory.billing`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, render_template, request

from ..host import Permission
from ..inventory import billing, warranties
from ..inventory.export import csv_chunks
from ..organizations.client_mapping import client_names
from ..state import get_state
from .access import require
from .downloads import csv_download
from .states import fleet_scope

if TYPE_CHECKING:
    from ..connection.instances import InstanceScope

bp = Blueprint("ninjaone_reports", __name__, template_folder="../templates")


def _scope() -> tuple[InstanceScope, dict[str, str], str | None]:
    """What every report starts from: the instances it reads (every instance of the tenant, or the one
    ``instance`` names: :func:`.states.fleet_scope`), the tenant's clients (id → name) and the
    ``client`` asked for — none, or one of those clients (anything else is not found)."""
    scope = fleet_scope()
    clients = client_names()
    client_id = request.args.get("client") or None
    if client_id is not None and client_id not in clients:
        abort(404)
    return scope, clients, client_id


def _instances(scope: InstanceScope) -> dict[int, str] | None:
    """Instance id → name for the CSV's Instance column; ``None`` (no column) with one instance."""
    return scope.names if scope.several else None


@bp.get("/warranties")
@require(Permission.VIEW)
def warranties_page() -> tuple[str, int]:
    """Devices whose warranty ends in the next N days (default 90), soonest first, in every instance
    of the tenant (each row says which) or the one ``instance`` names."""
    scope, clients, client_id = _scope()
    raw = request.args.get("days")
    view = {
        "clients": clients,
        "client_id": client_id,
        "limits": (warranties.DAYS_MIN, warranties.DAYS_MAX),
        "scope": scope,
    }
    try:
        days = warranties.parse_days(raw)
    except warranties.BadWindow as exc:
        return render_template("ninjaone/warranties.html", error=str(exc), days=raw, rows=[], **view), 400
    rows = warranties.ending_within(get_state().db.session, scope.read, days, client_id=client_id)
    return render_template("ninjaone/warranties.html", error=None, days=days, rows=rows, **view), 200


@bp.get("/warranties.csv")
@require(Permission.VIEW)
def warranties_csv() -> Response:
    scope, clients, client_id = _scope()
    try:
        days = warranties.parse_days(request.args.get("days"))
    except warranties.BadWindow as exc:
        abort(400, str(exc))
    rows = warranties.ending_within(get_state().db.session, scope.read, days, client_id=client_id)
    instances = _instances(scope)
    chunks = csv_chunks(warranties.csv_header(instances), warranties.csv_rows(rows, clients, instances))
    return csv_download("ninjaone-warranties", chunks)


@bp.get("/billing")
@require(Permission.VIEW)
def billing_page() -> tuple[str, int]:
    """Managed devices per client by asset type and role, today or at an ended month's end, in every
    instance of the tenant (each line says which) or the one ``instance`` names."""
    scope, clients, client_id = _scope()
    raw = request.args.get("month")
    view = {"clients": clients, "client_id": client_id, "rule": billing.RULE, "scope": scope}
    try:
        month = billing.parse_month(raw)
    except billing.BadMonth as exc:
        return render_template(
            "ninjaone/billing.html", error=str(exc), raw_month=raw, data=None, roles={}, **view
        ), 400
    data = billing.fleet_report(get_state().db.session, scope.read, month, client_id=client_id)
    roles = billing.role_names(scope.read)
    return render_template(
        "ninjaone/billing.html", error=None, raw_month=month, data=data, roles=roles, **view
    ), 200


@bp.get("/billing.csv")
@require(Permission.VIEW)
def billing_csv() -> Response:
    scope, clients, client_id = _scope()
    try:
        month = billing.parse_month(request.args.get("month"))
    except billing.BadMonth as exc:
        abort(400, str(exc))
    data = billing.fleet_report(get_state().db.session, scope.read, month, client_id=client_id)
    if not data.available:
        abort(404, f"No billing snapshot was taken for {month}.")
    instances = _instances(scope)
    rows = billing.csv_rows(data, clients, billing.role_names(scope.read), instances)
    chunks = csv_chunks(billing.csv_header(instances), rows)
    return csv_download(f"ninjaone-billing-{month or 'today'}", chunks)
