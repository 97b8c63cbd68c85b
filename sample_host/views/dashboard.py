"""The landing page: what needs attention now."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import selectinload

from ..auth import logged_in_user, require_login
from ..database import db
from ..models import Asset, Client, Notification, Ticket
from ..tenancy import current_tenant_id, scoped

bp = Blueprint("dashboard", __name__)
bp.before_request(require_login)


def _count(model: type[Asset | Client | Ticket], *conditions: ColumnElement[bool]) -> ScalarSelect[int]:
    tenant_id = current_tenant_id()
    return (
        select(func.count())
        .select_from(model)
        .where(model.tenant_id == tenant_id, *conditions)
        .scalar_subquery()
    )


@bp.get("/")
def index() -> ResponseReturnValue:
    user = logged_in_user()
    open_ticket = Ticket.status != "closed"
    stats = db.session.execute(
        select(
            _count(Ticket, open_ticket).label("open_tickets"),
            _count(Ticket, open_ticket, Ticket.assignee_id == user.id).label("my_tickets"),
            _count(Ticket, open_ticket, Ticket.priority == "urgent").label("urgent_tickets"),
            _count(Asset, Asset.status == "active").label("active_assets"),
            _count(Asset, Asset.status == "active", Asset.agent_status == "offline").label("offline_assets"),
            _count(Client).label("clients"),
        )
    ).one()
    recent = db.session.scalars(
        scoped(Ticket)
        .options(selectinload(Ticket.client), selectinload(Ticket.assignee))
        .order_by(Ticket.updated_at.desc())
        .limit(8)
    ).all()
    notifications = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id, Notification.tenant_id == user.tenant_id)
        .order_by(Notification.created_at.desc())
        .limit(5)
    ).all()
    return render_template("dashboard.html", stats=stats, recent=recent, notifications=notifications)
