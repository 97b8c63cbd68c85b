"""Ticket operations shared by the web views and the NinjaOne adapter.

Keeping them in one place is what makes "who worked this ticket" trustworthy: every status and assignee
change goes through here and leaves a :class:`TicketEvent` naming its actor (``None`` = integration).
Nothing here commits; callers own the transaction. Notes, work entries and events are added as rows of
their own rather than appended to the ticket's collections, so adding one note never loads all the
others.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import event, exists, or_, select, update
from sqlalchemy.orm import Session

from flask_ninjaone import ticket_closed

from .database import db
from .models import (
    HUMAN_WORK_FIELDS,
    Asset,
    Tenant,
    Ticket,
    TicketEvent,
    TicketNote,
    TicketWork,
    User,
    utcnow,
)


def next_ticket_number(tenant_id: int) -> int:
    """Allocate the tenant's next ticket number.

    A single ``UPDATE ... RETURNING`` on the tenant's counter row: on PostgreSQL the row lock makes
    concurrent creators queue until the first one commits, and SQLite serializes writers anyway, so
    two tickets never get the same number. The unique (tenant, number) constraint backs this up.
    """
    return db.session.execute(
        update(Tenant)
        .where(Tenant.id == tenant_id)
        .values(ticket_counter=Tenant.ticket_counter + 1)
        .returning(Tenant.ticket_counter)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def open_ticket(
    tenant_id: int,
    *,
    title: str,
    description: str = "",
    priority: str = "medium",
    board: str = "Service Desk",
    client_id: int | None = None,
    assignee_id: int | None = None,
    created_by: User | None = None,
    source: str = "web",
    external_ref: str | None = None,
    assets: Sequence[Asset] = (),
) -> Ticket:
    """Create a ticket with its number and asset links; flushed so the caller (and the notes and
    events added next) get its id."""
    ticket = Ticket(
        tenant_id=tenant_id,
        number=next_ticket_number(tenant_id),
        title=title,
        description=description,
        priority=priority,
        status="open",
        board=board,
        client_id=client_id,
        assignee_id=assignee_id,
        created_by_id=created_by.id if created_by else None,
        source=source,
        external_ref=external_ref,
        assets=list(assets),
    )
    db.session.add(ticket)
    db.session.flush()
    return ticket


def _record(ticket: Ticket, field: str, old: str | None, new: str | None, actor: User | None) -> None:
    db.session.add(
        TicketEvent(
            ticket_id=ticket.id,
            field=field,
            old_value=old,
            new_value=new,
            actor_id=actor.id if actor else None,
        )
    )


def set_status(ticket: Ticket, status: str, actor: User | None) -> bool:
    """Change the status (keeping ``closed_at`` right); returns whether anything changed.

    A person closing a ticket is announced to flask-ninjaone once the transaction commits (so the
    alert behind it can be reset in NinjaOne); the integration's own closes (``actor=None``) are not.
    """
    if ticket.status == status:
        return False
    _record(ticket, "status", ticket.status, status, actor)
    ticket.status = status
    ticket.closed_at = utcnow() if status == "closed" else None
    if status == "closed" and actor is not None:
        db.session.info.setdefault(_CLOSED_BY_PEOPLE, set()).add((str(ticket.tenant_id), str(ticket.id)))
    return True


_CLOSED_BY_PEOPLE = "sample_host.tickets_closed_by_people"


@event.listens_for(Session, "after_commit")
def _announce_closed_tickets(session: Session) -> None:
    """After the close is committed, tell the extension (it queues the NinjaOne reset job)."""
    closed = session.info.pop(_CLOSED_BY_PEOPLE, None)
    if closed:
        for tenant_id, ticket_id in sorted(closed):
            ticket_closed(tenant_id, ticket_id)


@event.listens_for(Session, "after_rollback")
def _forget_closed_tickets(session: Session) -> None:
    session.info.pop(_CLOSED_BY_PEOPLE, None)


def set_assignee(ticket: Ticket, assignee: User | None, actor: User | None) -> bool:
    """Change the assignee; returns whether anything changed."""
    new_id = assignee.id if assignee else None
    if ticket.assignee_id == new_id:
        return False
    old_name = ticket.assignee.name if ticket.assignee else None
    _record(ticket, "assignee", old_name, assignee.name if assignee else None, actor)
    ticket.assignee = assignee
    return True


def add_note(ticket: Ticket, body: str, author: User | None, *, internal: bool = True) -> TicketNote:
    note = TicketNote(
        ticket_id=ticket.id, body=body, author_id=author.id if author else None, internal=internal
    )
    db.session.add(note)
    ticket.updated_at = utcnow()
    return note


def log_work(ticket: Ticket, user: User, minutes: int, note: str) -> TicketWork:
    entry = TicketWork(ticket_id=ticket.id, user_id=user.id, minutes=minutes, note=note)
    db.session.add(entry)
    ticket.updated_at = utcnow()
    return entry


def close_ticket(ticket: Ticket, actor: User | None, note: str | None) -> bool:
    """Close with an optional note; closing a closed ticket changes nothing (safe to retry)."""
    if not set_status(ticket, "closed", actor):
        return False
    if note:
        add_note(ticket, note, actor)
    return True


def reopen_ticket(ticket: Ticket, actor: User | None, note: str | None) -> bool:
    """Reopen with an optional note; reopening an open ticket changes nothing."""
    if ticket.is_open:
        return False
    set_status(ticket, "open", actor)
    if note:
        add_note(ticket, note, actor)
    return True


def worked_by_human(ticket_id: int) -> bool:
    """Whether a person replied, logged time, or changed status/assignee: one query, three EXISTS."""
    by_note = exists().where(TicketNote.ticket_id == ticket_id, TicketNote.author_id.is_not(None))
    by_work = exists().where(TicketWork.ticket_id == ticket_id)
    by_change = exists().where(
        TicketEvent.ticket_id == ticket_id,
        TicketEvent.actor_id.is_not(None),
        TicketEvent.field.in_(HUMAN_WORK_FIELDS),
    )
    return bool(db.session.scalar(select(or_(by_note, by_work, by_change))))


def workers(ticket: Ticket) -> list[User]:
    """The people who worked the ticket, by name, for the "worked by" line of the detail page."""
    people = {note.author for note in ticket.notes if note.author}
    people |= {entry.user for entry in ticket.work_entries}
    people |= {event.actor for event in ticket.events if event.actor and event.field in HUMAN_WORK_FIELDS}
    return sorted(people, key=lambda user: user.name)
