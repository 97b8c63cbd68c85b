"""Inventory of one device, or of a few: "refresh this device now", "sync selected", and the
compliance re-read a patch-management or antivirus webhook delivery asks for.

One device's rows come from the per-device endpoints where NinjaOne has one
(``/v2/device/{id}/software``, ``/os-patches``, ``/software-patches``: they answer 404 once the
device is gone, so a deleted device is never mistaken for one without patches) and from the report
filtered with ``df=id = N`` where it has none (``antivirus-status``, ``device-health``). Per-device
patch rows carry no ``timestamp``, so the "last scan" time moves with the fleet-wide walk only.

Every report is read before anything is written: a throttled or failed read leaves the device as it
was, and the caller (the webhook drain) retries the whole re-read. Writes go through the fleet
refresh's :class:`~.writer.InventoryWriter`, so only what changed is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..client import NinjaOneClient, NinjaOneError, NotFound
from ..connection.api_client import MissingCredentials, client_for
from ..models import Integration, SyncRun
from ..models.base import utcnow
from ..state import get_state
from ..sync.device_states import APPROVAL_STATUSES, status_filter
from ..sync.engine import make_writer, mapped_targets, organization_filter
from ..sync.run_records import describe_failure
from ..tenancy import get_scoped
from .refresh import REPORTS, ClientFactory, apply_report
from .writer import InventoryWriter, Rows

#: What a patch-management or antivirus event can change: the patch rows, the antivirus products, and
#: the device-health counts behind the compliance badge (pending/failed patches, threats).
COMPLIANCE_REPORTS = ("os-patches", "software-patches", "antivirus-status", "device-health")
#: Most devices "sync selected" re-reads at once.
MAX_SELECTED = 200
#: Told the number of reports read so far, after each one (the run record's progress, see
#: :mod:`.device_runs`); reads only, so the caller may commit its counter.
Progress = Callable[[int], None]


def _no_progress(_reports: int) -> None:
    return None


def read_device(
    client: NinjaOneClient, device_id: int, reports: Sequence[str], progress: Progress = _no_progress
) -> dict[str, Rows]:
    """One device's complete row set of each report, shaped like the reports' rows (with ``deviceId``).

    Raises :class:`~flask_ninjaone.client.NotFound` when NinjaOne no longer has the device.
    """
    groups: dict[str, Rows] = {}
    for done, report in enumerate(reports, start=1):
        if report == "software":
            rows = client.device_software(device_id)
        elif report == "os-patches":
            rows = client.device_os_patches(device_id)
        elif report == "software-patches":
            rows = client.device_software_patches(device_id)
        else:
            rows = list(client.query(report, df=f"id = {device_id}"))
        groups[report] = [{**row, "deviceId": device_id} for row in rows]
        progress(done)
    return groups


def write_device(writer: InventoryWriter, device_id: int, groups: dict[str, Rows]) -> None:
    """Write what :func:`read_device` read (each report's rows replace the device's stored ones)."""
    for report, rows in groups.items():
        apply_report(writer, report, {device_id: rows})


def refresh_device_compliance(
    session: Session, integration: Integration, client: NinjaOneClient, device_id: int
) -> bool:
    """Re-read one device's patches, antivirus and health from NinjaOne and write what changed.

    Returns ``False`` — nothing read, nothing written — when the device is not one this integration
    mirrors (unknown id, retired, or in an organization that is not synced) or when NinjaOne no longer
    has it (its deletion arrives as its own event and retires it). Client errors propagate, so the
    delivery is retried with backoff.
    """
    writer = InventoryWriter(session, integration, utcnow(), frozenset(mapped_targets(session, integration)))
    if not writer.holds(device_id):
        return False
    try:
        groups = read_device(client, device_id, COMPLIANCE_REPORTS)
    except NotFound:
        return False
    write_device(writer, device_id, groups)
    return True


@dataclass(frozen=True)
class DeviceRefresh:
    """Outcome of "refresh this device now" (or of "sync selected")."""

    ok: bool
    message: str
    counts: dict[str, int]


def refresh_device(
    integration_id: int,
    device_id: int,
    *,
    client_factory: ClientFactory = client_for,
    progress: Progress = _no_progress,
) -> DeviceRefresh:
    """Re-read one device's facts and its whole inventory (``progress`` hears each report read)."""
    session = get_state().db.session
    integration = get_scoped(session, Integration, integration_id)
    if integration is None:
        raise LookupError(f"no integration {integration_id} in this tenant")
    gone = DeviceRefresh(
        False, "NinjaOne no longer has this device; the next full sync marks its asset inactive.", {}
    )
    try:
        with client_factory(integration) as client:
            try:
                device = client.device(device_id)
                groups = read_device(client, device_id, REPORTS, progress)
            except NotFound:
                return gone
            _write_facts(session, integration, [device])
            writer = InventoryWriter(
                session, integration, utcnow(), frozenset(mapped_targets(session, integration))
            )
            write_device(writer, device_id, groups)
    except (NinjaOneError, MissingCredentials) as exc:
        session.rollback()
        return DeviceRefresh(False, f"Could not refresh the device: {describe_failure(exc)}", {})
    return DeviceRefresh(True, "Device refreshed from NinjaOne.", writer.counts.as_dict())


def refresh_devices(
    integration_id: int,
    device_ids: Iterable[int],
    *,
    client_factory: ClientFactory = client_for,
    progress: Progress = _no_progress,
) -> DeviceRefresh:
    """Re-read a selection of devices ("sync selected"): one filtered request per report, not per device.

    Like one device's refresh, every report is read before anything is written, so a failed read
    leaves the selection as it was (and ``progress`` can commit its counter between reads)."""
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
            devices = [
                device for page in client.devices_detailed(df=facts_df).pages() for device in page.items
            ]
            reports: dict[str, dict[int, Rows]] = {}
            for done, report in enumerate(REPORTS, start=1):
                groups: dict[int, Rows] = {device_id: [] for device_id in ids}
                for row in client.query(report, df=df):
                    groups.setdefault(row["deviceId"], []).append(row)
                if report == "device-health":
                    groups = {device: rows for device, rows in groups.items() if rows}
                reports[report] = groups
                progress(done)
            _write_facts(session, integration, devices)
            writer = InventoryWriter(session, integration, utcnow(), frozenset(targets))
            for report, groups in reports.items():
                apply_report(writer, report, groups)
    except (NinjaOneError, MissingCredentials) as exc:
        session.rollback()
        return DeviceRefresh(False, f"Could not sync the selected devices: {describe_failure(exc)}", {})
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
