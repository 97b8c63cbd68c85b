"""Inventory refresh: the fleet's software, patches, antivirus and health, in five paged walks.

Bulk (``refresh_inventory``): ``/v2/queries/software``, ``os-patches``, ``software-patches``,
``antivirus-status`` and ``device-health`` for the synced organizations, 1000 rows per request,
whatever the fleet size — never a request per device. Then, when used, ``custom-fields`` and
``logged-on-users`` the same way (:mod:`.field_sync`).

Memory stays flat. NinjaOne's reports list a device's rows together (the fake does the same), so the
walk keeps a small *batch* of whole devices: rows accumulate per device, and once the batch holds
:data:`BATCH_DEVICES` devices every device except the last one (whose rows may continue on the
next page) is compared with the database and written (see :mod:`.writer`), then dropped. Only the
ids of finished devices are remembered. Should a device's rows ever reappear after it was written
(a report that is not grouped after all), its late rows are not trusted: the device is put aside and
re-read after the walk with ``df=id in (...)``, in chunks small enough to hold whole, so its final
state is right. (Its history may then show the rows that the first part lacked as removed and
added again; no such ordering has been seen from NinjaOne.)

After each walk, devices that have stored rows but were absent from the report are written with
an empty row set (everything removed) — only after a *complete* walk; a failed walk leaves the rest
of the fleet as it was, exactly like the device sync.

One device, a selection of devices, and the compliance re-read of a webhook delivery are in
:mod:`.device_refresh`; they write through the same :class:`~.writer.InventoryWriter` and
:func:`apply_report`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from ..client import NinjaOneClient
from ..connection.api_client import client_for
from ..leases import Lease
from ..models import Device, Integration, Patch, RunState, Software, SyncRun
from ..models.base import utcnow
from ..state import current_app_object, get_state
from ..sync.engine import mapped_targets, organization_filter
from ..sync.run_records import describe_failure, fail_run, renewer, run_to_take_over, start_run, take_lease
from .field_sync import walk_mapped_fields
from .writer import InventoryCounts, InventoryWriter, Rows

log = logging.getLogger(__name__)

#: Whole devices held before a write (about 8,000 software rows).
BATCH_DEVICES = 100
#: Devices re-read per request when a report turned out not to be grouped by device.
REGROUP_CHUNK = 200
#: The reports of a bulk refresh, in the order they are walked.
REPORTS = ("software", "os-patches", "software-patches", "antivirus-status", "device-health")


class InventoryAlreadyRunning(Exception):
    """Another process is refreshing this integration's inventory."""


ClientFactory = Callable[[Integration], NinjaOneClient]


def refresh_inventory(
    integration_id: int,
    *,
    trigger: str = "manual",
    client_factory: ClientFactory = client_for,
    run_id: int | None = None,
) -> SyncRun:
    """Refresh the whole fleet's inventory for the bound tenant; returns the finished run record.

    ``run_id`` is the run a page recorded as queued: taken over like the device sync's (see
    :func:`~flask_ninjaone.sync.runner.run_sync`)."""
    session = get_state().db.session
    integration, queued = run_to_take_over(session, integration_id, run_id)
    app = current_app_object()
    if queued is not None and queued.state != RunState.QUEUED:
        return queued
    lease = Lease(app, integration.tenant_id, f"inventory:{integration.id}")
    take_lease(
        session,
        lease,
        queued,
        "Another inventory refresh of this connection was running; this one did not start.",
        InventoryAlreadyRunning("An inventory refresh of this integration is already running"),
    )
    run = start_run(queued, integration, kind="inventory", trigger=trigger)
    session.add(run)
    session.commit()
    run_id = run.id
    try:
        with client_factory(integration) as client:
            counts = walk_fleet(session, integration, client, run, renewer(lease, "inventory"))
            run.api_calls = client.stats
        run.counts = counts.as_dict()
        run.processed = counts.devices
        run.state = RunState.SUCCEEDED
        run.finished_at = utcnow()
        integration.last_inventory_at = run.finished_at
        session.commit()
        return run
    except Exception as exc:
        message = describe_failure(exc)
        log.warning("ninjaone inventory %s of integration %s failed: %s", run_id, integration_id, message)
        failed = fail_run(session, run_id, message)
        session.commit()
        return failed
    finally:
        lease.release()


def walk_fleet(
    session: Any,
    integration: Integration,
    client: NinjaOneClient,
    run: SyncRun | None,
    renew: Callable[[], None],
) -> InventoryCounts:
    """The five report walks over the synced organizations, then custom fields and last logons
    (:mod:`.field_sync`) when the host and the connection use them.

    With a ``run``, its progress is real counters committed as the walk goes: ``expected`` is the
    live devices times the reports, ``processed`` the devices written so far over all reports (each
    report's share capped at the device count, and filled up when the report ends, since a device
    without software has no rows to write)."""
    targets = mapped_targets(session, integration)
    # Rows stay raw until the writer finds their device changed (see .writer): most do not.
    writer = InventoryWriter(session, integration, utcnow(), frozenset(targets), raw_rows=True)
    if not targets:
        return writer.counts
    devices = _live_devices(session, integration, targets) if run is not None else 0
    if run is not None:
        run.expected = devices * len(REPORTS)
        session.commit()
    df = organization_filter(targets)
    for step, report in enumerate(REPORTS):

        def advance(done: int, base: int = step * devices) -> None:
            if run is not None:
                run.processed = base + min(done, devices)
                session.commit()

        seen = _walk_report(client, report, df, writer, renew, advance)
        _write_absent(session, integration, report, seen, writer)
        if run is not None:
            run.processed = (step + 1) * devices
            run.counts = writer.counts.as_dict()
            run.api_calls = client.stats
            session.commit()
    fields = walk_mapped_fields(session, integration, client, df, targets, renew)
    if fields is not None:
        writer.counts.mapped = fields.as_dict()
    return writer.counts


def _live_devices(session: Any, integration: Integration, organizations: Any) -> int:
    """Devices the reports are expected to cover: live mirror rows of the synced organizations."""
    return session.scalar(
        select(func.count())
        .select_from(Device)
        .where(
            Device.integration_id == integration.id,
            Device.retired.is_(False),
            Device.organization_id.in_(list(organizations)),
        )
    )


def apply_report(writer: InventoryWriter, report: str, groups: dict[int, Rows]) -> None:
    """Write complete row sets of some devices for one report."""
    if report == "software":
        writer.software(groups)
    elif report == "os-patches":
        writer.patches("os", groups)
    elif report == "software-patches":
        writer.patches("software", groups)
    elif report == "antivirus-status":
        writer.antivirus(groups)
    elif report == "device-health":
        writer.health(groups)
    else:  # pragma: no cover - REPORTS is closed
        raise ValueError(report)


def _walk_report(
    client: NinjaOneClient,
    report: str,
    df: str,
    writer: InventoryWriter,
    renew: Callable[[], None],
    advance: Callable[[int], None],
) -> set[int]:
    """Stream one report into the writer, a batch of whole devices at a time; returns devices seen."""
    batch: dict[int, Rows] = {}
    written: set[int] = set()
    regroup: set[int] = set()
    last: int | None = None

    def flush(keep_last: bool) -> None:
        ready = {device: rows for device, rows in batch.items() if not (keep_last and device == last)}
        if ready:
            apply_report(writer, report, ready)
            written.update(ready)
            for device in ready:
                del batch[device]
            advance(len(written))

    for page in client.query_raw(report, df=df).pages():
        for row in page.items:
            device_id = row["deviceId"]
            if device_id in written:
                regroup.add(device_id)
                continue
            batch.setdefault(device_id, []).append(row)
            last = device_id
        if len(batch) > BATCH_DEVICES:
            flush(keep_last=True)
        renew()
    flush(keep_last=False)
    if regroup:
        log.warning(
            "ninjaone %s report was not grouped by device; re-reading %d device(s)", report, len(regroup)
        )
        writer.counts.regrouped_devices += len(regroup)
        ids = sorted(regroup)
        for start in range(0, len(ids), REGROUP_CHUNK):
            chunk = ids[start : start + REGROUP_CHUNK]
            groups: dict[int, Rows] = {device: [] for device in chunk}
            for page in client.query_raw(report, df=f"{df} AND id in ({','.join(map(str, chunk))})").pages():
                for row in page.items:
                    groups.setdefault(row["deviceId"], []).append(row)
                renew()
            apply_report(writer, report, groups)
    return written | regroup


def _write_absent(
    session: Any, integration: Integration, report: str, seen: set[int], writer: InventoryWriter
) -> None:
    """Devices with stored rows that a complete walk no longer lists: their rows are gone."""
    if report == "software":
        stored = session.scalars(
            select(Software.device_id).where(Software.integration_id == integration.id).distinct()
        )
    elif report in ("os-patches", "software-patches"):
        kind = "os" if report == "os-patches" else "software"
        stored = session.scalars(
            select(Patch.device_id)
            .where(Patch.integration_id == integration.id, Patch.kind == kind)
            .distinct()
        )
    elif report == "antivirus-status":
        stored = (
            device_id
            for device_id, antivirus in session.execute(
                select(Device.device_id, Device.antivirus).where(
                    Device.integration_id == integration.id, Device.retired.is_(False)
                )
            )
            if antivirus and antivirus.get("products")
        )
    else:
        return  # a device missing from device-health keeps its last figures
    absent = sorted(set(stored) - seen)
    for start in range(0, len(absent), BATCH_DEVICES):
        apply_report(writer, report, {device: [] for device in absent[start : start + BATCH_DEVICES]})
