"""The Remote Connect attempts the admins' audit list shows: the tenant's audit entries of
:data:`~flask_ninjaone.remote.service.AUDIT_ACTION`, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEntry
from .service import AUDIT_ACTION


def attempts_page(
    session: Session, *, result: str, page: int, page_size: int
) -> tuple[Sequence[AuditEntry], int]:
    """Page ``page`` (from 1) of the attempts with outcome ``result`` (all when empty), and how many
    there are in all."""
    query = select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION)
    if result:
        query = query.where(AuditEntry.result == result)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    entries = session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return entries, total
