"""The run record of "refresh this device now" and "sync selected", so they show progress like Sync now.

The page records the run as queued (:func:`~flask_ninjaone.sync.requests.request_device_refresh`,
``request_selected``) and the job
takes it over here: running from now, ``expected`` the devices times the reports, ``processed`` the
devices' reports read so far (committed after each report: the reads come before any write, so the
commit carries the counter alone), then the outcome. A refresh that could not read NinjaOne fails the
run with its reason, so the page shows why instead of "finished".
"""

from __future__ import annotations

from typing import Any

from ..models import Integration, RunState, SyncRun
from ..models.base import utcnow
from ..state import get_state
from ..sync.requests import DEVICE_REFRESH, SELECTED_DEVICES
from ..sync.run_records import describe_failure, fail_run, start_run
from ..tenancy import get_scoped
from .device_refresh import DeviceRefresh, refresh_device, refresh_devices
from .refresh import REPORTS

#: The run kinds of these refreshes: one device, or a selection.
ONE_DEVICE, SELECTION = DEVICE_REFRESH.kinds[0], SELECTED_DEVICES.kinds[0]


def run_device_refresh(
    integration_id: int, device_ids: list[int], *, kind: str, run_id: int | None
) -> dict[str, Any]:
    """Refresh one device (``kind`` "device") or a selection ("devices") under the run ``run_id`` a
    page recorded (none from the CLI or an older queued job); returns what the task reports."""
    session = get_state().db.session
    run = get_scoped(session, SyncRun, run_id) if run_id is not None else None
    if run is not None and run.state != RunState.QUEUED:
        return {"ok": False, "message": "This refresh was already answered.", "counts": {}}
    integration = get_scoped(session, Integration, integration_id)
    if integration is None:
        raise LookupError(f"no integration {integration_id} in this tenant")
    devices = len(device_ids)
    if run is not None:
        start_run(run, integration, kind=kind, trigger=run.trigger)
        run.expected = devices * len(REPORTS)
        session.commit()

    def progress(reports: int) -> None:
        if run is not None:
            run.processed = reports * devices
            session.commit()

    try:
        if kind == ONE_DEVICE:
            [device_id] = device_ids
            result = refresh_device(integration_id, device_id, progress=progress)
        else:
            result = refresh_devices(integration_id, device_ids, progress=progress)
    except Exception as exc:  # no page may wait on a run whose job failed (e.g. the database)
        if run is not None:
            fail_run(session, run.id, describe_failure(exc))
            session.commit()
        raise
    if run is not None:
        _settle(run, result, devices)
        session.commit()
    return {"ok": result.ok, "message": result.message, "counts": result.counts}


def _settle(run: SyncRun, result: DeviceRefresh, devices: int) -> None:
    run.state = RunState.SUCCEEDED if result.ok else RunState.FAILED
    run.error = None if result.ok else result.message
    run.processed = devices if result.ok else run.processed
    run.counts = {**run.counts, **result.counts}  # keeps the run's subject (see sync/requests.py)
    run.finished_at = utcnow()
