"""Run a sync: one at a time per integration, recorded, and failing cleanly.

Full and incremental runs share the lease, the run record and the failure handling; they differ
only in which devices they read. Incremental sync uses the activities feed because NinjaOne has no
"modified since" filter on devices (see docs/architecture.md for the design and its limits).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import signals
from ..client import NinjaOneClient
from ..config import setting
from ..connection.api_client import client_for
from ..jobs import enqueue
from ..leases import Lease
from ..models import ConnectionStatus, Device, Integration, RunState, SyncRun
from ..models.base import utcnow
from ..state import current_app_object, get_state
from ..tenancy import get_scoped
from .device_states import DELETED, NO_LONGER_PRESENT
from .engine import Counts, full_walk, make_writer, mapped_targets, reread_devices
from .progress import progress_text, run_progress
from .run_records import describe_failure, fail_run, renewer, run_to_take_over, start_run, take_lease

log = logging.getLogger(__name__)

#: Statuses whose activity means "this device is gone" rather than "re-read it".
DELETION_CODES = frozenset({"NODE_DELETED", "NODE_MANUALLY_REJECTED"})
#: More changed devices than this and a full walk is cheaper than re-reading them one chunk at a time.
INCREMENTAL_LIMIT = 5000
#: Activities older than this may have aged out of NinjaOne's feed: fall back to a full walk.
FEED_HORIZON = timedelta(days=7)


class AlreadyRunning(Exception):
    """Another process holds this integration's sync lease."""


def run_sync(
    integration_id: int, *, kind: str = "full", trigger: str = "manual", run_id: int | None = None
) -> SyncRun:
    """Run one sync of ``integration_id`` for the bound tenant and return its (finished) record.

    ``run_id`` is the run a page recorded as queued (see :func:`.requests.request_run`): the sync
    takes it over, so the page that follows it sees it start. A run no longer queued was answered
    already (nothing to do); one that finds another sync running is failed with that reason.
    """
    session = get_state().db.session
    integration, queued = run_to_take_over(session, integration_id, run_id)
    app = current_app_object()
    if queued is not None and queued.state != RunState.QUEUED:
        return queued
    lease = Lease(
        app,
        integration.tenant_id,
        f"sync:{integration.id}",
        ttl_seconds=setting("NINJAONE_SYNC_LEASE_SECONDS"),
    )
    take_lease(
        session,
        lease,
        queued,
        "Another sync of this connection was running; this one did not start.",
        AlreadyRunning("A sync of this integration is already running"),
    )
    _fail_orphaned_runs(session, integration)
    run = start_run(queued, integration, kind=kind, trigger=trigger)
    run.expected = _expected_devices(session, integration) if run.kind == "full" else None
    session.add(run)
    if integration.status == ConnectionStatus.CONNECTED:
        integration.status = ConnectionStatus.SYNCING
    session.commit()
    run_id = run.id
    kind, trigger = run.kind, run.trigger
    signals.sync_started.send(app, tenant_id=integration.tenant_id, integration_id=integration.id,
                              run_id=run_id, kind=kind, trigger=trigger)  # fmt: skip
    follow_with_inventory: Integration | None = None  # a full sync is followed by an inventory refresh
    try:
        with client_for(integration) as client:
            counts = _walk(session, integration, run, client, renewer(lease, "sync"))
            run.api_calls = client.stats
        run.counts = counts.as_dict()
        run.state = RunState.SUCCEEDED
        run.finished_at = utcnow()
        integration.last_sync_status = RunState.SUCCEEDED
        integration.last_sync_at = run.finished_at
        if run.kind == "full":  # also an incremental run that fell back to a complete walk
            integration.last_full_sync_at = run.finished_at
        integration.last_error = None
        _settle_status(integration)
        session.commit()
        signals.sync_completed.send(app, tenant_id=integration.tenant_id, integration_id=integration.id,
                                    run_id=run_id, counts=run.counts)  # fmt: skip
        follow_with_inventory = integration if run.kind == "full" else None
        return run
    except Exception as exc:
        message = describe_failure(exc)
        log.warning("ninjaone sync %s of integration %s failed: %s", run_id, integration_id, message)
        run = fail_run(session, run_id, message)
        reloaded = get_scoped(session, Integration, integration_id)  # the rollback expired it
        assert reloaded is not None
        integration = reloaded
        integration.last_sync_status = RunState.FAILED
        integration.last_error = message
        _settle_status(integration)
        session.commit()
        signals.sync_failed.send(app, tenant_id=integration.tenant_id, integration_id=integration.id,
                                 run_id=run_id, error=message)  # fmt: skip
        return run
    finally:
        lease.release()
        # After the release: where jobs run inline (the CLI) the refresh runs right here, and the sync
        # must not look "already running" for as long as it takes.
        if follow_with_inventory is not None:
            _queue_inventory(follow_with_inventory)


def _queue_inventory(integration: Integration) -> None:
    """A full sync is followed by an inventory refresh; failing to queue it never fails the sync."""

    try:
        enqueue("inventory.refresh", tenant_id=integration.tenant_id, key=str(integration.id),
                integration_id=integration.id, trigger="sync")  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - e.g. Redis down: the schedule catches up later
        log.warning("ninjaone inventory refresh of integration %s not queued: %s", integration.id, exc)


def _fail_orphaned_runs(session: Session, integration: Integration) -> None:
    """Runs still "running" while we hold the lease belong to a worker that died mid-run."""
    orphans = session.scalars(
        select(SyncRun).where(SyncRun.integration_id == integration.id, SyncRun.state == RunState.RUNNING)
    )
    for orphan in orphans:
        orphan.state = RunState.FAILED
        orphan.error = "The worker running this sync stopped before it finished (its lease expired)."
        orphan.finished_at = utcnow()


def _expected_devices(session: Session, integration: Integration) -> int | None:
    """Progress-bar total: NinjaOne lists carry no count, so use the last successful walk's size."""
    return session.scalars(
        select(SyncRun.processed)
        .where(
            SyncRun.integration_id == integration.id,
            SyncRun.state == RunState.SUCCEEDED,
            SyncRun.kind == "full",
        )
        .order_by(SyncRun.id.desc())
    ).first()


def _settle_status(integration: Integration) -> None:
    """Back from ``syncing`` — unless the token store meanwhile asked for a reconnect."""
    get_state().db.session.refresh(integration, ["status"])
    if integration.status == ConnectionStatus.SYNCING:
        integration.status = ConnectionStatus.CONNECTED


def _walk(
    session: Session,
    integration: Integration,
    run: SyncRun,
    client: NinjaOneClient,
    renew: Callable[[], None],
) -> Counts:
    high_water = _latest_activity_id(client)
    if run.kind == "incremental" and _can_run_incremental(integration):
        counts = _incremental(session, integration, run, client, renew)
        if counts is not None:
            return counts
        run.kind = "full"  # the feed had too much or a gap: fall back, and say so in the record
        run.expected = _expected_devices(session, integration)
    counts = full_walk(session, integration, run, client, renew)
    if high_water is not None:
        integration.last_activity_id = high_water
    return counts


def _latest_activity_id(client: NinjaOneClient) -> int | None:
    """The newest activity id before the walk starts: the next incremental run continues from it."""
    for page in client.activities(page_size=10).pages():
        ids = [activity["id"] for activity in page.items]
        return max(ids) if ids else page.last_activity_id
    return None


def _can_run_incremental(integration: Integration) -> bool:
    return (
        integration.last_activity_id is not None
        and integration.last_sync_at is not None
        and utcnow() - integration.last_sync_at < FEED_HORIZON
    )


def _incremental(
    session: Session,
    integration: Integration,
    run: SyncRun,
    client: NinjaOneClient,
    renew: Callable[[], None],
) -> Counts | None:
    """Re-read only devices the activities feed mentions; ``None`` means "do a full walk instead".

    The re-read names every approval status and no organization (see ``reread_devices``), so a device
    that became PENDING or DECOMMISSIONED, or moved into an unmapped organization, comes back and is
    held back or retired as such; a mentioned device NinjaOne does not return at all is retired.
    """
    changed: set[int] = set()
    deleted: set[int] = set()
    newest = integration.last_activity_id or 0
    for page in client.activities(newer_than=integration.last_activity_id).pages():
        for activity in page.items:
            newest = max(newest, activity["id"])
            device_id = activity.get("deviceId")
            if device_id is None:
                continue
            (deleted if activity.get("statusCode") in DELETION_CODES else changed).add(device_id)
        if len(changed) > INCREMENTAL_LIMIT:
            return None
    changed -= deleted
    writer = make_writer(session, integration, run, mapped_targets(session, integration))
    missing = reread_devices(client, writer, changed, renew)
    for gone, reason in ((deleted, DELETED), (missing, NO_LONGER_PRESENT)):
        if gone:
            rows = session.scalars(
                select(Device).where(
                    Device.integration_id == integration.id,
                    Device.device_id.in_(sorted(gone)),
                    Device.retired.is_(False),
                )
            ).all()
            writer.retire(rows, reason)
    integration.last_activity_id = newest
    session.commit()
    return writer.counts


def run_summary(run: SyncRun) -> dict[str, Any]:
    """JSON for the progress bar and the history table (``progress``, ``text``: see :mod:`.progress`)."""
    progress = run_progress(run, utcnow())
    return {
        "id": run.id,
        "kind": run.kind,
        "trigger": run.trigger,
        "state": run.state,
        "processed": run.processed,
        "expected": run.expected,
        "counts": run.counts,
        "error": run.error,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "progress": progress.as_dict(),
        "text": progress_text(run, progress),
    }
