"""Inventory refresh: the fleet's software, patches, antivirus and health, in five paged walks.

Bulk (``refresh_inventory``): ``/v2/queries/software``, ``os-patches``, ``software-patches``,
``antivirus-status`` and ``device-health`` for the synced organizations, 1000 rows per request,
whatever the fleet size — never a request per device.

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

Per device (``refresh_device``): "refresh this device now" re-reads one device with the per-device
endpoints (``/v2/device/{id}``, ``/software``, ``/os-patches``) and ``df=id = N`` for the reports
that have no per-device endpoint, and writes through the same :class:`~.writer.InventoryWriter`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..client import NinjaOneClient, NinjaOneError, NotFound, ReconnectRequired
from ..extension import get_state
from ..leases import Lease
from ..models import Device, Integration, Patch, RunState, Software, SyncRun
from ..models.base import utcnow
from ..services.clients import MissingCredentials, client_for
from ..sync.device_states import APPROVAL_STATUSES, status_filter
from ..sync.engine import make_writer, mapped_targets, organization_filter
from ..tenancy import get_scoped
from .writer import InventoryCounts, InventoryWriter, Rows

log = logging.getLogger(__name__)

#: Whole devices held before a write (about 8,000 software rows).
BATCH_DEVICES = 100
#: Devices re-read per request when a report turned out not to be grouped by device.
REGROUP_CHUNK = 200
#: The reports of a bulk refresh, in the order they are walked.
REPORTS = ("software", "os-patches", "software-patches", "antivirus-status", "device-health")
#: Most devices "sync selected" re-reads at once.
MAX_SELECTED = 200


class InventoryAlreadyRunning(Exception):
    """Another process is refreshing this integration's inventory."""


ClientFactory = Callable[[Integration], NinjaOneClient]


def refresh_inventory(
    integration_id: int, *, trigger: str = "manual", client_factory: ClientFactory = client_for
) -> SyncRun:
    """Refresh the whole fleet's inventory for the bound tenant; returns the finished run record."""
    session = get_state().db.session
    integration = get_scoped(session, Integration, integration_id)
    if integration is None:
        raise LookupError(f"no integration {integration_id} in this tenant")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lease = Lease(app, integration.tenant_id, f"inventory:{integration.id}")
    if not lease.acquire():
        raise InventoryAlreadyRunning("An inventory refresh of this integration is already running")
    run = SyncRun(integration_id=integration.id, kind="inventory", trigger=trigger, state=RunState.RUNNING)
    session.add(run)
    session.commit()
    run_id = run.id

    def renew() -> None:
        if not lease.renew():
            raise RuntimeError("inventory lease lost (another worker took over an expired lease)")

    try:
        with client_factory(integration) as client:
            counts = walk_fleet(session, integration, client, run, renew)
            run.api_calls = client.stats
        run.counts = counts.as_dict()
        run.processed = counts.devices
        run.state = RunState.SUCCEEDED
        run.finished_at = utcnow()
        integration.last_inventory_at = run.finished_at
        session.commit()
        return run
    except Exception as exc:
        session.rollback()
        message = describe_error(exc)
        log.warning("ninjaone inventory %s of integration %s failed: %s", run_id, integration_id, message)
        failed = get_scoped(session, SyncRun, run_id)
        assert failed is not None
        failed.state = RunState.FAILED
        failed.error = message
        failed.finished_at = utcnow()
        session.commit()
        return failed
    finally:
        lease.release()


def describe_error(exc: Exception) -> str:
    """A message safe to store and show (client errors never carry secrets)."""
    if isinstance(exc, ReconnectRequired):
        return f"NinjaOne rejected the stored credentials; reconnect required ({exc})"
    if isinstance(exc, NinjaOneError | MissingCredentials):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def walk_fleet(
    session: Any,
    integration: Integration,
    client: NinjaOneClient,
    run: SyncRun | None,
    renew: Callable[[], None],
) -> InventoryCounts:
    """The five report walks over the synced organizations."""
    targets = mapped_targets(session, integration)
    writer = InventoryWriter(session, integration, utcnow(), frozenset(targets))
    if not targets:
        return writer.counts
    df = organization_filter(targets)
    for report in REPORTS:
        seen = _walk_report(client, report, df, writer, renew)
        _write_absent(session, integration, report, seen, writer)
        if run is not None:
            run.counts = writer.counts.as_dict()
            run.api_calls = client.stats
            session.commit()
    return writer.counts


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
    client: NinjaOneClient, report: str, df: str, writer: InventoryWriter, renew: Callable[[], None]
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

    for page in client.query(report, df=df).pages():
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
            for page in client.query(report, df=f"{df} AND id in ({','.join(map(str, chunk))})").pages():
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


# -- one device, or a selection --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceRefresh:
    """Outcome of "refresh this device now" (or of "sync selected")."""

    ok: bool
    message: str
    counts: dict[str, int]


def refresh_device(
    integration_id: int, device_id: int, *, client_factory: ClientFactory = client_for
) -> DeviceRefresh:
    """Re-read one device's facts and inventory with the per-device endpoints."""
    session = get_state().db.session
    integration = get_scoped(session, Integration, integration_id)
    if integration is None:
        raise LookupError(f"no integration {integration_id} in this tenant")
    try:
        with client_factory(integration) as client:
            try:
                device = client.device(device_id)
            except NotFound:
                return DeviceRefresh(
                    False,
                    "NinjaOne no longer has this device; the next full sync marks its asset inactive.",
                    {},
                )
            _write_facts(session, integration, [device])
            groups = {
                "software": [{**row, "deviceId": device_id} for row in client.device_software(device_id)],
                "os-patches": [{**row, "deviceId": device_id} for row in client.device_os_patches(device_id)],
            }
            for report in ("software-patches", "antivirus-status", "device-health"):
                groups[report] = list(client.query(report, df=f"id = {device_id}"))
            writer = InventoryWriter(
                session, integration, utcnow(), frozenset(mapped_targets(session, integration))
            )
            for report in REPORTS:
                apply_report(writer, report, {device_id: groups[report]})
    except (NinjaOneError, MissingCredentials) as exc:
        session.rollback()
        return DeviceRefresh(False, f"Could not refresh the device: {describe_error(exc)}", {})
    return DeviceRefresh(True, "Device refreshed from NinjaOne.", writer.counts.as_dict())


def refresh_devices(
    integration_id: int, device_ids: Iterable[int], *, client_factory: ClientFactory = client_for
) -> DeviceRefresh:
    """Re-read a selection of devices ("sync selected"): one filtered request per report, not per device."""
    ids = sorted({int(device_id) for device_id in device_ids})[:MAX_SELECTED]
    session = get_state().db.session
    integration = get_scoped(session, Integration, integration_id)
    if integration is None:
        raise LookupError(f"no integration {integration_id} in this tenant")
    if not ids:
        return DeviceRefresh(False, "Select at least one NinjaOne device.", {})
    targets = mapped_targets(session, integration)
    if not targets:
        return DeviceRefresh(False, "No organization is mapped: nothing to sync.", {})
    df = f"{organization_filter(targets)} AND id in ({','.join(map(str, ids))})"
    # Every approval status: the list shows APPROVED devices only by default, and a selected device
    # that is no longer approved must be applied (held back or retired), not silently left as is.
    facts_df = f"{df} AND {status_filter(APPROVAL_STATUSES)}"
    try:
        with client_factory(integration) as client:
            _write_facts(
                session,
                integration,
                [device for page in client.devices_detailed(df=facts_df).pages() for device in page.items],
            )
            writer = InventoryWriter(session, integration, utcnow(), frozenset(targets))
            for report in REPORTS:
                groups: dict[int, Rows] = {device_id: [] for device_id in ids}
                for row in client.query(report, df=df):
                    groups.setdefault(row["deviceId"], []).append(row)
                if report == "device-health":
                    groups = {device: rows for device, rows in groups.items() if rows}
                apply_report(writer, report, groups)
    except (NinjaOneError, MissingCredentials) as exc:
        session.rollback()
        return DeviceRefresh(False, f"Could not sync the selected devices: {describe_error(exc)}", {})
    return DeviceRefresh(True, f"Synced {len(ids)} device(s) from NinjaOne.", writer.counts.as_dict())


def _write_facts(session: Any, integration: Integration, devices: list[dict[str, Any]]) -> None:
    """Device facts (agent status, last contact, hardware) through the sync engine's page writer.

    The writer wants a run to count into; a transient one (never added to the session) keeps a
    one-device refresh out of the sync history while reusing the engine's hashing, adoption and
    batched host write.
    """
    targets = mapped_targets(session, integration)
    devices = [device for device in devices if device.get("organizationId") in targets]
    if not devices:
        return
    scratch = SyncRun(
        integration_id=integration.id, kind="device", trigger="manual", processed=0, conflicts=[]
    )
    make_writer(session, integration, scratch, targets).apply(devices)
