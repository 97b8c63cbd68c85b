"""Inventory jobs: the fleet refresh (after each full sync and on its schedule) and per-device refreshes."""

from __future__ import annotations

from typing import Any

from ..inventory import billing
from ..inventory.device_runs import ONE_DEVICE, SELECTION, run_device_refresh
from ..inventory.refresh import InventoryAlreadyRunning, refresh_inventory
from ..jobs import task
from ..models import Integration
from ..state import get_state
from ..sync.runner import run_summary
from ..tenancy import get_scoped


@task("inventory.refresh")
def refresh_fleet(
    integration_id: int, trigger: str = "schedule", run_id: int | None = None
) -> dict[str, Any]:
    """Refresh software, patches, antivirus and health of every synced device (five paged walks),
    taking over the queued run ``run_id`` a page recorded."""
    try:
        return run_summary(refresh_inventory(integration_id, trigger=trigger, run_id=run_id))
    except InventoryAlreadyRunning:
        return {"state": "already_running"}


@task("inventory.device")
def refresh_one(integration_id: int, device_id: int, run_id: int | None = None) -> dict[str, Any]:
    """Refresh this device now: the per-device endpoints of one device, under the page's run."""
    return run_device_refresh(integration_id, [device_id], kind=ONE_DEVICE, run_id=run_id)


@task("inventory.devices")
def refresh_selected(integration_id: int, device_ids: list[int], run_id: int | None = None) -> dict[str, Any]:
    """Sync selected (asset list): one filtered request per report for the whole selection."""
    return run_device_refresh(integration_id, device_ids, kind=SELECTION, run_id=run_id)


@task("billing.snapshot")
def billing_snapshot(integration_id: int, month: str) -> dict[str, Any]:
    """Keep the managed-device counts as the end of ``month`` (nothing when it is taken already)."""
    session = get_state().db.session
    integration = get_scoped(session, Integration, integration_id)
    if integration is None:
        return {"state": "gone"}
    return {"rows": billing.take_snapshot(session, integration, month)}
