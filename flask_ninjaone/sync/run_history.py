"""The sync history's reads: an integration's newest runs, and one run by id for the pages that follow it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Integration, SyncRun
from ..tenancy import get_scoped


def recent_runs(
    session: Session, integration: Integration, limit: int, *, kinds: tuple[str, ...] | None = None
) -> list[SyncRun]:
    """The integration's ``limit`` newest runs, newest first (only ``kinds`` when given)."""
    query = select(SyncRun).where(SyncRun.integration_id == integration.id)
    if kinds is not None:
        query = query.where(SyncRun.kind.in_(kinds))
    return list(session.scalars(query.order_by(SyncRun.id.desc()).limit(limit)))


def run_by_id(session: Session, run_id: int) -> SyncRun | None:
    """The tenant's run ``run_id`` (``None`` for another tenant's: tenancy hides it). The caller checks
    it belongs to the integration it shows."""
    return get_scoped(session, SyncRun, run_id)
