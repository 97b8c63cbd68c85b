"""Tenant scoping for the web views: every lookup of a tenant row goes through here.

A row of another tenant is answered with 404, not 403, so ids of other tenants' objects cannot even be
confirmed to exist.
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import Select, select

from .auth import logged_in_user
from .database import db
from .models import Asset, Client, Ticket, User

#: The tenant-owned models the views look up by id.
M = TypeVar("M", Asset, Client, Ticket, User)


def current_tenant_id() -> int:
    return logged_in_user().tenant_id


def scoped(model: type[M]) -> Select[tuple[M]]:
    """``SELECT model`` already filtered to the current tenant."""
    return select(model).where(model.tenant_id == current_tenant_id())


def get_or_404(model: type[M], object_id: int) -> M:
    """The current tenant's row with this id, or 404."""
    row = db.session.scalar(scoped(model).where(model.id == object_id))
    if row is None:
        abort(404)
    return row
