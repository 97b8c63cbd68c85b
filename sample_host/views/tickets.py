"""Tickets: list, detail, create/edit, notes, work log, close/reopen and asset links.

Status and assignee changes go through :mod:`sample_host.ticketing` so each one is recorded with its
actor; that record is what tells the integration whether a human worked the ticket.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from .. import ticketing
from ..auth import editor_required, logged_in_user, require_login
from ..database import db
from ..forms import CloseForm, LinkAssetForm, NoteForm, TicketForm, WorkForm, choice
from ..models import (
    TICKET_BOARDS,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    Asset,
    Client,
    Ticket,
    TicketEvent,
    TicketNote,
    TicketWork,
    User,
)
from ..tenancy import current_tenant_id, get_or_404, scoped

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
bp.before_request(require_login)

PER_PAGE = 50
#: The list's default: everything somebody still has to act on.
ACTIVE = "active"


def _client_choices() -> list[SelectChoice]:
    clients = db.session.scalars(scoped(Client).order_by(Client.name))
    return [choice("", "— No client —")] + [choice(client.id, client.name) for client in clients]


def _assignee_choices() -> list[SelectChoice]:
    users = db.session.scalars(scoped(User).where(User.active).order_by(User.name))
    return [choice("", "— Unassigned —")] + [choice(user.id, user.name) for user in users]


def _ticket_form(ticket: Ticket | None = None) -> TicketForm:
    """Create/edit form with tenant-scoped choices; a new ticket may start with ``?client_id=``."""
    if ticket is None:
        form = TicketForm(client_id=request.args.get("client_id", type=int))
    else:
        form = TicketForm(obj=ticket)
    form.client_id.choices = _client_choices()
    form.assignee_id.choices = _assignee_choices()
    return form


def _assignee(user_id: int | None) -> User | None:
    """The chosen assignee; the form's choices already limit ids to the tenant's active users."""
    return get_or_404(User, user_id) if user_id is not None else None


def _back(ticket: Ticket) -> Response:
    return redirect(url_for(".detail", ticket_id=ticket.id))


@bp.get("/")
def index() -> ResponseReturnValue:
    filters = {
        "status": request.args.get("status", ACTIVE),
        "priority": request.args.get("priority", ""),
        "board": request.args.get("board", ""),
        "assignee": request.args.get("assignee", ""),
    }
    query = scoped(Ticket).options(selectinload(Ticket.client), selectinload(Ticket.assignee))
    if filters["status"] == ACTIVE:
        query = query.where(Ticket.status != "closed")
    elif filters["status"] in TICKET_STATUSES:
        query = query.where(Ticket.status == filters["status"])
    if filters["priority"] in TICKET_PRIORITIES:
        query = query.where(Ticket.priority == filters["priority"])
    if filters["board"] in TICKET_BOARDS:
        query = query.where(Ticket.board == filters["board"])
    if filters["assignee"] == "me":
        query = query.where(Ticket.assignee_id == logged_in_user().id)
    elif filters["assignee"] == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif filters["assignee"].isdigit():
        query = query.where(Ticket.assignee_id == int(filters["assignee"]))
    page = db.paginate(query.order_by(Ticket.number.desc()), per_page=PER_PAGE, error_out=False)
    return render_template(
        "tickets/list.html",
        page=page,
        filters=filters,
        statuses=TICKET_STATUSES,
        priorities=TICKET_PRIORITIES,
        boards=TICKET_BOARDS,
        assignees=_assignee_choices()[1:],
    )


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def create() -> ResponseReturnValue:
    form = _ticket_form()
    if form.validate_on_submit():
        user = logged_in_user()
        ticket = ticketing.open_ticket(
            current_tenant_id(),
            title=form.title.data,
            description=form.description.data,
            priority=form.priority.data,
            board=form.board.data,
            client_id=form.client_id.data,
            created_by=user,
        )
        ticketing.set_assignee(ticket, _assignee(form.assignee_id.data), user)
        ticketing.set_status(ticket, form.status.data, user)
        db.session.commit()
        flash(f"Ticket #{ticket.number} created.", "success")
        return _back(ticket)
    return render_template("tickets/form.html", form=form, ticket=None)


@bp.get("/<int:ticket_id>")
def detail(ticket_id: int) -> ResponseReturnValue:
    """The page carries four small forms (note, work, close, link); their prefixes keep field names
    and element ids apart, and the POST views build them with the same prefixes."""
    ticket = db.session.scalar(
        scoped(Ticket)
        .where(Ticket.id == ticket_id)
        .options(
            selectinload(Ticket.client),
            selectinload(Ticket.assignee),
            selectinload(Ticket.created_by),
            selectinload(Ticket.assets),
            selectinload(Ticket.notes).selectinload(TicketNote.author),
            selectinload(Ticket.work_entries).selectinload(TicketWork.user),
            selectinload(Ticket.events).selectinload(TicketEvent.actor),
        )
    )
    if ticket is None:
        abort(404)
    link_form = LinkAssetForm(prefix="link")
    link_form.asset_id.choices = _linkable_assets(ticket)
    return render_template(
        "tickets/detail.html",
        ticket=ticket,
        workers=ticketing.workers(ticket),
        minutes_total=sum(entry.minutes for entry in ticket.work_entries),
        note_form=NoteForm(prefix="note"),
        work_form=WorkForm(prefix="work"),
        close_form=CloseForm(prefix="close"),
        link_form=link_form,
    )


def _linkable_assets(ticket: Ticket) -> list[SelectChoice]:
    """Active assets of the ticket's client (or of the tenant when it has none), not yet linked."""
    query = scoped(Asset).where(Asset.status == "active").order_by(Asset.name)
    if ticket.client_id is not None:
        query = query.where(Asset.client_id == ticket.client_id)
    linked = {asset.id for asset in ticket.assets}
    return [choice(asset.id, asset.name) for asset in db.session.scalars(query) if asset.id not in linked]


@bp.route("/<int:ticket_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(ticket_id: int) -> ResponseReturnValue:
    ticket = get_or_404(Ticket, ticket_id)
    form = _ticket_form(ticket)
    if form.validate_on_submit():
        user = logged_in_user()
        ticket.title = form.title.data
        ticket.description = form.description.data
        ticket.priority = form.priority.data
        ticket.board = form.board.data
        ticket.client_id = form.client_id.data
        ticketing.set_assignee(ticket, _assignee(form.assignee_id.data), user)
        ticketing.set_status(ticket, form.status.data, user)
        db.session.commit()
        flash("Ticket saved.", "success")
        return _back(ticket)
    return render_template("tickets/form.html", form=form, ticket=ticket)


@bp.post("/<int:ticket_id>/notes")
@editor_required
def add_note(ticket_id: int) -> ResponseReturnValue:
    ticket = get_or_404(Ticket, ticket_id)
    form = NoteForm(prefix="note")
    if form.validate_on_submit():
        ticketing.add_note(ticket, form.body.data, logged_in_user(), internal=form.internal.data)
        db.session.commit()
        flash("Note added.", "success")
    else:
        flash("A note needs some text.", "error")
    return _back(ticket)


@bp.post("/<int:ticket_id>/work")
@editor_required
def log_work(ticket_id: int) -> ResponseReturnValue:
    ticket = get_or_404(Ticket, ticket_id)
    form = WorkForm(prefix="work")
    if form.validate_on_submit():
        ticketing.log_work(ticket, logged_in_user(), form.minutes.data, form.note.data)
        db.session.commit()
        flash(f"Logged {form.minutes.data} minutes.", "success")
    else:
        flash("Work needs a number of minutes between 1 and 1440.", "error")
    return _back(ticket)


@bp.post("/<int:ticket_id>/close")
@editor_required
def close(ticket_id: int) -> ResponseReturnValue:
    ticket = get_or_404(Ticket, ticket_id)
    form = CloseForm(prefix="close")
    if form.validate_on_submit() and ticketing.close_ticket(ticket, logged_in_user(), form.note.data):
        db.session.commit()
        flash(f"Ticket #{ticket.number} closed.", "success")
    return _back(ticket)


@bp.post("/<int:ticket_id>/reopen")
@editor_required
def reopen(ticket_id: int) -> ResponseReturnValue:
    ticket = get_or_404(Ticket, ticket_id)
    if ticketing.reopen_ticket(ticket, logged_in_user(), None):
        db.session.commit()
        flash(f"Ticket #{ticket.number} reopened.", "success")
    return _back(ticket)


@bp.post("/<int:ticket_id>/assets")
@editor_required
def link_asset(ticket_id: int) -> ResponseReturnValue:
    ticket = get_or_404(Ticket, ticket_id)
    form = LinkAssetForm(prefix="link")
    form.asset_id.choices = _linkable_assets(ticket)
    if form.validate_on_submit():
        asset = get_or_404(Asset, form.asset_id.data)
        ticket.assets.append(asset)
        db.session.commit()
        flash(f"Linked {asset.name}.", "success")
    else:
        flash("Pick an asset of this ticket's client to link.", "error")
    return _back(ticket)


@bp.post("/<int:ticket_id>/assets/<int:asset_id>/unlink")
@editor_required
def unlink_asset(ticket_id: int, asset_id: int) -> ResponseReturnValue:
    ticket = get_or_404(Ticket, ticket_id)
    asset = get_or_404(Asset, asset_id)
    if asset in ticket.assets:
        ticket.assets.remove(asset)
        db.session.commit()
        flash(f"Unlinked {asset.name}.", "success")
    return _back(ticket)
