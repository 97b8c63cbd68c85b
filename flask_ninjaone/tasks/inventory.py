"""Inventory jobs: the fleet refresh (after each full sync and on its schedule) and per-device refreshes."""

from __future__ import annotations

from typing import Any

from ..inventory.device_refresh import refresh_device, refresh_devices
from ..inventory.refresh import InventoryAlreadyRunning, refresh_inventory
from ..jobs import task
from ..sync.runner import run_summary


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
def refresh_one(integration_id: int, device_id: int) -> dict[str, Any]:
    """Refresh this device now: the per-device endpoints of one device."""
    result = refresh_device(integration_id, device_id)
    return {"ok": result.ok, "message": result.message, "counts": result.counts}


@task("inventory.devices")
def refresh_selected(integration_id: int, device_ids: list[int]) -> dict[str, Any]:
    """Sync selected (asset list): one filtered request per report for the whole selection."""
    result = refresh_devices(integration_id, device_ids)
    return {"ok": result.ok, "message": result.message, "counts": result.counts}
