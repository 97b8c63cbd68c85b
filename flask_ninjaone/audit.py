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
    commit: bool = False,
) -> AuditEntry:
    """Add an audit entry to ``session``, committed with the caller's transaction: by the caller, or
    here (``commit``) as the last step of a change. Either way the entry and the change it describes
    land together, so there is never a change without its entry nor an entry for a change rolled back."""
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
    if commit:
        session.commit()
    return entry


def record_for_integration(
    session: Session,
    integration_id: int,
    action: str,
    *,
    user: UserRef | None,
    remote_addr: str | None,
    detail: dict[str, Any],
    commit: bool = False,
) -> AuditEntry:
    """:func:`record` a change to an integration (credentials, connect, disconnect, settings, instance,
    webhook secret): the tail all of them shared."""
    return record(
        session, action, user=user, target_type="integration", target_id=str(integration_id),
        remote_addr=remote_addr, detail=detail, commit=commit,
    )  # fmt: skip
