"""Ask for a sync, an inventory refresh or a device refresh from a page, the CLI or a webhook: refuse
politely if one is already queued or running, and record the queued run so the page can follow it.

A run of a few devices ("refresh this device now", "sync selected") has a *subject*, the devices it
reads: the same subject asked twice is one run, other subjects run side by side. It holds no lease
(a short read of a few devices next to a sync is harmless), so a running one answers a second click
itself, until it has run longer than a job may (its worker then stopped). The subject is kept in the
run's ``counts`` (``{"subject": ...}``) rather than a column: only the few queued or running runs of
one kind are ever compared, in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..config import setting
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
    lease: str | None  # the lease name's prefix (``<lease>:<integration id>``); None: runs with a subject
    kinds: tuple[str, ...]
    noun: str  # "A sync", "An inventory refresh"
    label: str  # "Sync", "Inventory refresh"


DEVICE_SYNC = RunKind("sync.run", "sync", ("full", "incremental"), "A sync", "Sync")
INVENTORY = RunKind(
    "inventory.refresh", "inventory", ("inventory",), "An inventory refresh", "Inventory refresh"
)
DEVICE_REFRESH = RunKind("inventory.device", None, ("device",), "A refresh of this device", "Device refresh")
SELECTED_DEVICES = RunKind(
    "inventory.devices", None, ("devices",), "A sync of these devices", "Sync of the selected devices"
)
#: What a run recorded as queued says when its job is gone before it started.
LOST_JOB = "Its job was lost before it started (the queue was reset or the web process restarted)."
#: What a run of a few devices says when it ran longer than any job may: its worker stopped.
STOPPED_JOB = "Its job stopped before it finished (the worker or the web process stopped)."


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


def active_run(integration: Integration, what: RunKind, subject: str | None = None) -> SyncRun | None:
    """The newest queued or running run of this kind (and ``subject``): the one a page follows."""
    runs = get_state().db.session.scalars(
        select(SyncRun)
        .where(
            SyncRun.integration_id == integration.id,
            SyncRun.kind.in_(what.kinds),
            SyncRun.state.in_((RunState.QUEUED, RunState.RUNNING)),
        )
        .order_by(SyncRun.id.desc())
    )
    return next((run for run in runs if subject is None or run_subject(run) == subject), None)


def run_subject(run: SyncRun) -> str | None:
    """The devices a run of a few devices reads (see the module's docstring); ``None`` for others."""
    subject = (run.counts or {}).get("subject")
    return subject if isinstance(subject, str) else None


def request_run(
    integration: Integration,
    what: RunKind,
    *,
    kind: str,
    trigger: str,
    detach: bool = False,
    subject: str | None = None,
    arguments: dict[str, Any] | None = None,
) -> SyncRequest:
    """Record a queued run and queue its job (``detach``: never run it in this request, see
    :func:`~flask_ninjaone.jobs.enqueue`) with ``integration_id``, ``run_id`` and ``arguments``. A run
    already queued or running answers instead.

    The run exists before its job starts so the page has something to follow at once (and to link
    to); the job takes it over (``run_id``). A queued run whose job is gone is marked failed here."""
    session = get_state().db.session
    key = str(integration.id) if subject is None else f"{integration.id}-{subject}"
    if what.lease is not None and lease_held(integration, what.lease):
        return SyncRequest(False, f"{what.noun} is already running for this connection.",
                           run=active_run(integration, what))  # fmt: skip
    waiting = active_run(integration, what, subject)
    if waiting is not None and what.lease is None and waiting.state == RunState.RUNNING:
        if not _stopped(waiting):
            return SyncRequest(False, f"{what.noun} is already running.", run=waiting)
    elif waiting is not None and job_pending(what.task, tenant_id=integration.tenant_id, key=key):
        already = f"{what.noun} is already queued" + (" for this connection." if subject is None else ".")
        return SyncRequest(False, already, run=waiting)
    _fail_lost_runs(session, integration, what, subject)
    run = SyncRun(integration_id=integration.id, kind=kind, trigger=trigger, state=RunState.QUEUED,
                  counts={"subject": subject} if subject is not None else {})  # fmt: skip
    session.add(run)
    session.commit()
    arguments = {"integration_id": integration.id, "run_id": run.id, **(arguments or {})}
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
    arguments = {"trigger": trigger, "kind": kind}
    return request_run(
        integration, DEVICE_SYNC, kind=kind, trigger=trigger, detach=detach, arguments=arguments
    )


def request_inventory(
    integration: Integration, *, trigger: str = "manual", detach: bool = False
) -> SyncRequest:
    """Queue an inventory refresh of the fleet, like :func:`request_sync`."""
    return request_run(integration, INVENTORY, kind="inventory", trigger=trigger, detach=detach,
                       arguments={"trigger": trigger})  # fmt: skip


def request_device_refresh(integration: Integration, device_id: int) -> SyncRequest:
    """Queue "refresh this device now" as a detached job with a run the page follows."""
    return request_run(integration, DEVICE_REFRESH, kind="device", trigger="manual", detach=True,
                       subject=str(device_id), arguments={"device_id": device_id})  # fmt: skip


def request_selected(integration: Integration, device_ids: list[int], *, subject: str) -> SyncRequest:
    """Queue "sync selected" the same way; ``subject`` names the selection (the same one twice is one run)."""
    return request_run(integration, SELECTED_DEVICES, kind="devices", trigger="manual", detach=True,
                       subject=subject, arguments={"device_ids": device_ids})  # fmt: skip


def _stopped(run: SyncRun) -> bool:
    """A run without a lease still "running" after longer than any job may run: its worker stopped."""
    return (utcnow() - run.started_at).total_seconds() > setting("NINJAONE_JOB_TIMEOUT")


def _fail_lost_runs(session: Session, integration: Integration, what: RunKind, subject: str | None) -> None:
    states = (RunState.QUEUED,) if what.lease is not None else (RunState.QUEUED, RunState.RUNNING)
    for run in session.scalars(
        select(SyncRun).where(
            SyncRun.integration_id == integration.id,
            SyncRun.kind.in_(what.kinds),
            SyncRun.state.in_(states),
        )
    ):
        if subject is not None and run_subject(run) != subject:
            continue  # another selection's run: not this request's to judge
        if run.state == RunState.QUEUED:
            settle_unstarted(session, run, LOST_JOB)
        elif _stopped(run):
            settle_unstarted(session, run, STOPPED_JOB)


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
