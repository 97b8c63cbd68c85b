"""Assets: the devices the MSP manages, typed (workstation, server, ...) with type-specific details."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import or_
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from flask_ninjaone.inventory.compliance import COMPLIANCE_STATES, asset_ids_matching

from ..adapter import SOURCE as ADAPTER_SOURCE
from ..asset_attributes import report_changes
from ..auth import editor_required, require_login
from ..database import db
from ..forms import AssetForm, choice
from ..models import AGENT_STATUSES, ASSET_STATUSES, ASSET_TYPES, Asset, Client, Ticket, ticket_assets
from ..tenancy import current_tenant_id, get_or_404, scoped

bp = Blueprint("assets", __name__, url_prefix="/assets")
bp.before_request(require_login)

PER_PAGE = 50


def _client_choices() -> list[SelectChoice]:
    """The tenant's clients only, so a forged client id fails form validation."""
    return [
        choice(client.id, client.name) for client in db.session.scalars(scoped(Client).order_by(Client.name))
    ]


def _rmm_filter(alerts: str, patch: str) -> list[int] | None:
    """Asset ids matching the NinjaOne filters (open alerts, patch compliance), or ``None`` for no filter."""
    has_alerts = {"yes": True, "no": False}.get(alerts)
    compliance = patch if patch in COMPLIANCE_STATES else None
    if has_alerts is None and compliance is None:
        return None
    ids = asset_ids_matching(has_alerts=has_alerts, compliance=compliance)
    return [int(asset_id) for asset_id in ids if asset_id.isdigit()]


@bp.get("/")
def index() -> ResponseReturnValue:
    filters = {
        "q": request.args.get("q", "").strip(),
        "type": request.args.get("type", ""),
        "status": request.args.get("status", "active"),
        "client": request.args.get("client", type=int),
        "agent": request.args.get("agent", ""),
        "rmm": request.args.get("rmm", ""),
        "alerts": request.args.get("alerts", ""),
        "patch": request.args.get("patch", ""),
    }
    query = scoped(Asset).options(selectinload(Asset.client)).order_by(Asset.name, Asset.id)
    if filters["type"] in ASSET_TYPES:
        query = query.where(Asset.asset_type == filters["type"])
    if filters["status"] in ASSET_STATUSES:
        query = query.where(Asset.status == filters["status"])
    if filters["client"]:
        query = query.where(Asset.client_id == filters["client"])
    if filters["agent"] in AGENT_STATUSES:
        query = query.where(Asset.agent_status == filters["agent"])
    if filters["rmm"] in ("yes", "no"):
        managed = (Asset.external_source == ADAPTER_SOURCE) & (Asset.status == "active")
        query = query.where(managed if filters["rmm"] == "yes" else ~managed)
    rmm_ids = _rmm_filter(filters["alerts"], filters["patch"])
    if rmm_ids is not None:
        query = query.where(Asset.id.in_(rmm_ids))
    if filters["q"]:
        term = filters["q"]
        query = query.where(
            or_(
                Asset.name.icontains(term, autoescape=True),
                Asset.serial_number.icontains(term, autoescape=True),
                Asset.last_user.icontains(term, autoescape=True),
                Asset.model.icontains(term, autoescape=True),
            )
        )
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template(
        "assets/list.html",
        page=page,
        filters=filters,
        clients=_client_choices(),
        asset_types=ASSET_TYPES,
        statuses=ASSET_STATUSES,
        agent_statuses=AGENT_STATUSES,
        patch_states=COMPLIANCE_STATES,
    )


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def create() -> ResponseReturnValue:
    form = AssetForm(client_id=request.args.get("client_id", type=int))
    form.client_id.choices = _client_choices()
    if form.validate_on_submit():
        asset = Asset(tenant_id=current_tenant_id(), details={})
        form.populate_obj(asset)
        db.session.add(asset)
        db.session.commit()
        flash(f"Asset {asset.name} created.", "success")
        return redirect(url_for(".detail", asset_id=asset.id))
    return render_template("assets/form.html", form=form, asset=None)


@bp.get("/<int:asset_id>")
def detail(asset_id: int) -> ResponseReturnValue:
    asset = get_or_404(Asset, asset_id)
    tickets = db.session.scalars(
        scoped(Ticket)
        .join(ticket_assets, ticket_assets.c.ticket_id == Ticket.id)
        .where(ticket_assets.c.asset_id == asset.id)
        .order_by(Ticket.number.desc())
    ).all()
    return render_template("assets/detail.html", asset=asset, tickets=tickets)


@bp.route("/<int:asset_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(asset_id: int) -> ResponseReturnValue:
    asset = get_or_404(Asset, asset_id)
    form = AssetForm(obj=asset)
    form.client_id.choices = _client_choices()
    if form.validate_on_submit():
        before = dict(asset.custom_attributes or {})
        form.populate_obj(asset)
        db.session.commit()
        flash("Asset saved.", "success")
        problem = report_changes(asset.tenant_id, asset, before)
        if problem:
            flash(f"Not sent to NinjaOne: {problem}", "error")
        return redirect(url_for(".detail", asset_id=asset.id))
    return render_template("assets/form.html", form=form, asset=asset)
