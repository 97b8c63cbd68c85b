"""Clients: the MSP's customer companies."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import selectinload

from ..auth import editor_required, require_login
from ..database import db
from ..forms import ClientForm
from ..models import Asset, Client, Ticket
from ..tenancy import current_tenant_id, get_or_404, scoped

bp = Blueprint("clients", __name__, url_prefix="/clients")
bp.before_request(require_login)

PER_PAGE = 50


def _name_taken(name: str, client_id: int | None) -> bool:
    """Client names are unique per tenant; check first so the user gets a form error, not a 500."""
    query = scoped(Client).where(func.lower(Client.name) == name.strip().lower())
    if client_id is not None:
        query = query.where(Client.id != client_id)
    return db.session.scalar(query) is not None


def _counts_by_client(
    model: type[Asset | Ticket], client_ids: list[int], *conditions: ColumnElement[bool]
) -> dict[int, int]:
    """Per-client row counts for one page of clients, in one grouped query."""
    rows = db.session.execute(
        select(model.client_id, func.count())
        .where(model.client_id.in_(client_ids), *conditions)
        .group_by(model.client_id)
    )
    return {client_id: count for client_id, count in rows}


@bp.get("/")
def index() -> ResponseReturnValue:
    search = request.args.get("q", "").strip()
    query = scoped(Client).order_by(Client.name)
    if search:
        query = query.where(Client.name.icontains(search, autoescape=True))
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    client_ids = [client.id for client in page.items]
    return render_template(
        "clients/list.html",
        page=page,
        search=search,
        asset_counts=_counts_by_client(Asset, client_ids, Asset.status == "active"),
        open_tickets=_counts_by_client(Ticket, client_ids, Ticket.status != "closed"),
    )


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def create() -> ResponseReturnValue:
    form = ClientForm()
    if form.validate_on_submit():
        if _name_taken(form.name.data, None):
            form.name.errors.append("A client with this name already exists.")
        else:
            client = Client(tenant_id=current_tenant_id(), name=form.name.data.strip(), notes=form.notes.data)
            db.session.add(client)
            db.session.commit()
            flash(f"Client {client.name} created.", "success")
            return redirect(url_for(".detail", client_id=client.id))
    return render_template("clients/form.html", form=form, client=None)


@bp.get("/<int:client_id>")
def detail(client_id: int) -> ResponseReturnValue:
    client = get_or_404(Client, client_id)
    assets = db.session.scalars(
        scoped(Asset).where(Asset.client_id == client.id).order_by(Asset.status, Asset.name).limit(200)
    ).all()
    tickets = db.session.scalars(
        scoped(Ticket)
        .where(Ticket.client_id == client.id, Ticket.status != "closed")
        .options(selectinload(Ticket.assignee))
        .order_by(Ticket.number.desc())
    ).all()
    return render_template("clients/detail.html", client=client, assets=assets, tickets=tickets)


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(client_id: int) -> ResponseReturnValue:
    client = get_or_404(Client, client_id)
    form = ClientForm(obj=client)
    if form.validate_on_submit():
        if _name_taken(form.name.data, client.id):
            form.name.errors.append("A client with this name already exists.")
        else:
            client.name = form.name.data.strip()
            client.notes = form.notes.data
            db.session.commit()
            flash("Client saved.", "success")
            return redirect(url_for(".detail", client_id=client.id))
    return render_template("clients/form.html", form=form, client=client)
