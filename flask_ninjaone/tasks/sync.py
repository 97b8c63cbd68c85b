"""Sync jobs: full/incremental device sync and the per-minute scheduler tick."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from .. import owed_writes
from ..actions import send as actions_send
from ..actions import windows as actions_windows
from ..config import setting
from ..inventory import billing
from ..jobs import enqueue, task
from ..models import ConnectionStatus, Integration
from ..models.base import utcnow
from ..state import get_state
from ..sync.runner import AlreadyRunning, run_summary, run_sync
from .alerts import enqueue_reconciliations


@task("sync.run")
def sync_integration(
    integration_id: int, kind: str = "full", trigger: str = "schedule", run_id: int | None = None
) -> dict[str, Any]:
    """Run one sync (taking over the queued run ``run_id`` a page recorded); a concurrent request
    finds the lease taken and reports it instead of running."""
    try:
        return run_summary(run_sync(integration_id, kind=kind, trigger=trigger, run_id=run_id))
    except AlreadyRunning:
        return {"state": "already_running"}


#: Connections the tick serves: connected, or in error (a failed refresh may recover).
CONNECTED_STATES = (ConnectionStatus.CONNECTED, ConnectionStatus.ERROR)


@task("schedule.tick", urgent=True)
def schedule_tick() -> list[int]:
    """Enqueue a sync for every connected, auto-syncing integration that is due (and its inventory
    refresh every ``inventory_interval_minutes``, default 6 h), the alert reconciliations, and a send
    of owed writes that are due.

    The first tick after a month ends also queues that month's billing snapshot (see
    :mod:`..inventory.billing`).

    A due sync is incremental unless the last complete walk is older than
    ``NINJAONE_FULL_SYNC_INTERVAL_HOURS`` (or never happened): the activity feed misses what it does
    not mention, and each incremental run refreshes ``last_sync_at``, so only a clock of its own
    (``last_full_sync_at``) makes the complete walk come.

    The workers queue it once a minute (see :mod:`flask_ninjaone.worker`), across all tenants (system
    scope); each sync job then runs in its own tenant's scope. Returns the integration ids it enqueued.
    """
    session = get_state().db.session
    now = utcnow()
    full_every = timedelta(hours=setting("NINJAONE_FULL_SYNC_INTERVAL_HOURS"))
    due: list[int] = []
    rows = session.scalars(
        select(Integration).where(
            Integration.auto_sync.is_(True),
            Integration.status.in_(CONNECTED_STATES),
        )
    )
    for integration in rows:
        interval = timedelta(minutes=integration.sync_interval_minutes)
        if integration.last_sync_at is None or now - integration.last_sync_at >= interval:
            last_full = integration.last_full_sync_at
            kind = "full" if last_full is None or now - last_full >= full_every else "incremental"
            enqueue("sync.run", tenant_id=integration.tenant_id, key=str(integration.id),
                    integration_id=integration.id, kind=kind, trigger="schedule")  # fmt: skip
            due.append(integration.id)
        inventory_every = timedelta(minutes=integration.inventory_interval_minutes or 360)
        if integration.last_inventory_at is None or now - integration.last_inventory_at >= inventory_every:
            enqueue("inventory.refresh", tenant_id=integration.tenant_id, key=str(integration.id),
                    integration_id=integration.id, trigger="schedule")  # fmt: skip
    # Billing counts do not wait for auto-sync: a tenant that syncs by hand still bills each month end.
    for integration in session.scalars(select(Integration).where(Integration.status.in_(CONNECTED_STATES))):
        month = billing.snapshot_due(integration, now)
        if month is not None:  # the month just ended: keep its billing counts, once
            enqueue("billing.snapshot", tenant_id=integration.tenant_id, key=f"{integration.id}:{month}",
                    integration_id=integration.id, month=month)  # fmt: skip
    enqueue_reconciliations(session, now)  # alerts vs GET /v2/alerts, every 15 minutes
    owed_writes.sweep(session, now)  # writes NinjaOne has not confirmed yet, once they are due
    actions_send.sweep(session, now)  # technician actions still queued (a lost job, a retry due)
    for tenant_id in actions_windows.tenants_to_apply(session, now):  # windows also in NinjaOne
        enqueue("actions.windows", tenant_id=tenant_id, key=tenant_id)
    return due
