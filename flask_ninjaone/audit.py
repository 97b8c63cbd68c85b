"""Write audit entries (who, what, which object, from where, result)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .host import UserRef
from .models import AuditEntry


def record(
    session: Session,
    action: str,
    *,
    user: UserRef | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    result: str = "ok",
    remote_addr: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to ``session`` (committed with the caller's transaction)."""
    entry = AuditEntry(
        action=action,
        user_id=user.id if user else None,
        user_name=user.name if user else "system",
        target_type=target_type,
        target_id=target_id,
        result=result,
        remote_addr=remote_addr,
        detail=detail or {},
    )
    session.add(entry)
    return entry
