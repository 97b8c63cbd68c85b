"""Ask for a sync from a page, the CLI or a webhook: refuse politely if one is already running."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..dml import rows_matched
from ..jobs import JobHandle, enqueue
from ..models import Device, Integration, Lock
from ..models.base import utcnow
from ..state import get_state


@dataclass(frozen=True)
class SyncRequest:
    """Outcome of a sync request: ``started`` (queued or, without Redis, already done) or not."""

    started: bool
    message: str
    job: JobHandle | None = None


def sync_running(integration: Integration) -> bool:
    """Whether a live lease says a sync of ``integration`` is in progress."""
    session = get_state().db.session
    lease = session.scalars(select(Lock).where(Lock.name == f"sync:{integration.id}")).first()
    return lease is not None and lease.expires_at > utcnow()


def request_sync(integration: Integration, *, kind: str = "full", trigger: str = "manual") -> SyncRequest:
    """Queue a sync (inline without Redis). A running sync answers "already running"."""
    if kind not in ("full", "incremental"):
        raise ValueError(f"unknown sync kind {kind!r}")
    if sync_running(integration):
        return SyncRequest(False, "A sync is already running for this connection.")
    job = enqueue("sync.run", tenant_id=integration.tenant_id, key=str(integration.id),
                  integration_id=integration.id, kind=kind, trigger=trigger)  # fmt: skip
    if job.duplicate:
        return SyncRequest(False, "A sync is already queued for this connection.", job)
    if job.inline:
        state = (job.result or {}).get("state")
        return SyncRequest(True, f"Sync finished: {state}.", job)
    return SyncRequest(True, "Sync queued.", job)


def forget_written(session: Session, integration: Integration) -> int:
    """Make the next full sync map and write every device again, as if each had changed.

    A sync skips devices whose payload and record match what it last wrote. After a change on the
    host's side (a new adapter version, assets edited by hand) nothing changed in NinjaOne, so
    nothing would be written again. Returns how many mirror rows were reset.
    """
    result = session.execute(
        update(Device)
        .where(Device.integration_id == integration.id)
        .values(content_hash=None, payload_hash=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return rows_matched(result)
