"""Ask for a sync or an inventory refresh from a page, the CLI or a webhook: refuse politely if one is
already queued or running, and record the queued run so the page can follow it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..dml import rows_matched
from ..jobs import JobHandle, enqueue, job_pending
from ..models import Device, Integration, Lock, RunState, SyncRun
from ..models.base import utcnow
from ..state import get_state
from .run_records import settle_unstarted


@dataclass(frozen=True)
class RunKind:
    """What a requested run is: its task, lease, the run kinds it records and how pages name it."""

    task: str
    lease: str  # the lease name's prefix: ``<lease>:<integration id>``
    kinds: tuple[str, ...]
    noun: str  # "A sync", "An inventory refresh"
    label: str  # "Sync", "Inventory refresh"


DEVICE_SYNC = RunKind("sync.run", "sync", ("full", "incremental"), "A sync", "Sync")
INVENTORY = RunKind(
    "inventory.refresh", "inventory", ("inventory",), "An inventory refresh", "Inventory refresh"
)
#: What a run recorded as queued says when its job is gone before it started.
LOST_JOB = "Its job was lost before it started (the queue was reset or the web process restarted)."


@dataclass(frozen=True)
class SyncRequest:
    """Outcome of a run request: ``started`` (queued, running or, inline, already done) or not, and
    the run to follow (the new one, or the one already queued or running that answers it)."""

    started: bool
    message: str
    job: JobHandle | None = None
    run: SyncRun | None = None


def lease_held(integration: Integration, prefix: str = "sync") -> bool:
    """Whether a live lease says a run (``sync`` or ``inventory``) of ``integration`` is in progress."""
    session = get_state().db.session
    lease = session.scalars(select(Lock).where(Lock.name == f"{prefix}:{integration.id}")).first()
    return lease is not None and lease.expires_at > utcnow()


def sync_running(integration: Integration) -> bool:
    """Whether a live lease says a sync of ``integration`` is in progress."""
    return lease_held(integration, "sync")


def active_run(integration: Integration, what: RunKind) -> SyncRun | None:
    """The newest queued or running run of this kind (the one a page follows)."""
    return (
        get_state()
        .db.session.scalars(
            select(SyncRun)
            .where(
                SyncRun.integration_id == integration.id,
                SyncRun.kind.in_(what.kinds),
                SyncRun.state.in_((RunState.QUEUED, RunState.RUNNING)),
            )
            .order_by(SyncRun.id.desc())
        )
        .first()
    )


def request_run(
    integration: Integration, what: RunKind, *, kind: str, trigger: str, detach: bool = False
) -> SyncRequest:
    """Record a queued run and queue its job (``detach``: never run it in this request, see
    :func:`~flask_ninjaone.jobs.enqueue`). A run already queued or running answers instead.

    The run exists before its job starts so the page has something to follow at once (and to link
    to); the job takes it over (``run_id``). A queued run whose job is gone is marked failed here."""
    session = get_state().db.session
    key = str(integration.id)
    if lease_held(integration, what.lease):
        return SyncRequest(False, f"{what.noun} is already running for this connection.",
                           run=active_run(integration, what))  # fmt: skip
    waiting = active_run(integration, what)
    if waiting is not None and job_pending(what.task, tenant_id=integration.tenant_id, key=key):
        return SyncRequest(False, f"{what.noun} is already queued for this connection.", run=waiting)
    _fail_lost_runs(session, integration, what)
    run = SyncRun(integration_id=integration.id, kind=kind, trigger=trigger, state=RunState.QUEUED)
    session.add(run)
    session.commit()
    arguments: dict[str, Any] = {"integration_id": integration.id, "trigger": trigger, "run_id": run.id}
    if what is DEVICE_SYNC:
        arguments["kind"] = kind
    try:
        job = enqueue(what.task, tenant_id=integration.tenant_id, key=key, detach=detach, **arguments)
    except Exception:
        settle_unstarted(session, run, "It could not be queued (is Redis reachable?).")
        raise
    if job.duplicate:  # the scheduler's job (no run of its own yet) is waiting: it answers this one
        session.delete(run)
        session.commit()
        return SyncRequest(False, f"{what.noun} is already queued for this connection.", job)
    session.refresh(run)
    if job.inline and not detach:
        return SyncRequest(True, f"{what.label} finished: {run.state}.", job, run)
    return SyncRequest(True, f"{what.label} {'started' if job.inline else 'queued'}.", job, run)


def request_sync(
    integration: Integration, *, kind: str = "full", trigger: str = "manual", detach: bool = False
) -> SyncRequest:
    """Queue a device sync (inline without Redis, unless ``detach``); a running one answers instead."""
    if kind not in DEVICE_SYNC.kinds:
        raise ValueError(f"unknown sync kind {kind!r}")
    return request_run(integration, DEVICE_SYNC, kind=kind, trigger=trigger, detach=detach)


def request_inventory(
    integration: Integration, *, trigger: str = "manual", detach: bool = False
) -> SyncRequest:
    """Queue an inventory refresh of the fleet, like :func:`request_sync`."""
    return request_run(integration, INVENTORY, kind="inventory", trigger=trigger, detach=detach)


def _fail_lost_runs(session: Session, integration: Integration, what: RunKind) -> None:
    for run in session.scalars(
        select(SyncRun).where(
            SyncRun.integration_id == integration.id,
            SyncRun.kind.in_(what.kinds),
            SyncRun.state == RunState.QUEUED,
        )
    ):
        settle_unstarted(session, run, LOST_JOB)


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
