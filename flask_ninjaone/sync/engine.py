"""The device sync engine: NinjaOne devices → host assets, streamed page by page.

One run walks ``devices-detailed`` for the mapped organizations (1000 devices per request), and
for each page: loads the page's mirror rows in one query, skips devices whose content hash did
not change, asks the host to adopt existing assets for new devices (by NinjaOne id, serial,
name), hands the changed records to the host in one batch, and commits the host's writes together
with the mirror rows and the run's progress — so a crash leaves whole pages, never half a device.
Only after a *complete* walk are devices missing from NinjaOne retired; an interrupted walk
retires nothing. Memory stays flat: one page plus the set of device ids seen.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask
from sqlalchemy import bindparam, or_, select, text, update
from sqlalchemy.orm import Session

from .. import signals
from ..bulk import in_values, insert_rows
from ..client import NinjaOneClient, NotFound, device_page_url
from ..client.schemas import Unchanged
from ..host import AssetMatch, AssetRecord, HostAdapter
from ..models import Device, Integration, MappingState, OrganizationMapping, SyncRun
from ..models.base import table_of, utcnow
from ..organizations.device_types import TypeTable, type_table
from ..organizations.refresh import refresh_organizations
from ..organizations.sites import site_map
from ..state import current_app_object, get_state
from . import adoption
from .adoption import Decision, NewDevice
from .asset_records import (
    adoption_keys,
    content_hash,
    maintenance_values,
    mirror_values,
    payload_target_hash,
    to_asset_record,
)
from .device_states import (
    APPROVAL_STATUSES,
    AWAITING_APPROVAL,
    DECOMMISSIONED,
    DELETED,
    NO_LONGER_PRESENT,
    hold_reason,
    status_filter,
    walked_statuses,
)

log = logging.getLogger(__name__)

#: Devices re-read per request by id (``df=id in (...)``).
ID_CHUNK = 200
#: Conflicts and errors kept on a run record (the counts are complete; the details are a sample).
MAX_DETAILS = 100


@dataclass(frozen=True)
class OrgTarget:
    """Where a mapped organization's devices go: its client, and its locations' names and sites."""

    client_id: str
    locations: Mapping[int, str]
    sites: Mapping[int, str] = field(default_factory=dict)

    def location_name(self, location_id: Any) -> str | None:
        """The name of a payload's location id (anything but an int names none)."""
        return self.locations.get(location_id) if type(location_id) is int else None

    def site_id(self, location_id: Any) -> str | None:
        """The host site a payload's location is mapped to; ``None``: the client without a site."""
        return self.sites.get(location_id) if type(location_id) is int else None


@dataclass
class Counts:
    """What a run did; stored on :class:`SyncRun` as JSON."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    adopted: int = 0
    retired: int = 0
    held: int = 0
    #: New devices held by an open adoption question (:mod:`.adoption`): no asset until answered.
    asked: int = 0
    skipped: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


#: Records a new payload fingerprint on a row whose asset did not change.
_SET_PAYLOAD_HASH = (
    update(table_of(Device))
    .where(table_of(Device).c.id == bindparam("row_id"))
    .values(payload_hash=bindparam("payload_hash"))
)
#: Why a new device did not adopt the asset the host matched, on the run's conflicts.
FOREIGN = "the asset belongs to a device of another NinjaOne instance"
#: Why a new device waits, on the run's conflicts.
ASKED = "its serial is that of an asset of another NinjaOne instance: same machine? (adoption question)"
#: Stale mirror rows loaded (and retired) at a time after a complete walk.
RETIRE_BATCH = 1000
#: The columns of a mirror row a page decides on.
KNOWN_COLUMNS = (
    Device.id,
    Device.device_id,
    Device.host_asset_id,
    Device.retired,
    Device.held_reason,
    Device.content_hash,
    Device.payload_hash,
)


class Known(Protocol):
    """A result row of :data:`KNOWN_COLUMNS`."""

    id: int
    device_id: int
    host_asset_id: str | None
    retired: bool
    held_reason: str | None
    content_hash: str | None
    payload_hash: str | None


@dataclass
class PageWriter:
    """Applies pages of NinjaOne devices to the mirror and the host for one run."""

    session: Session
    integration: Integration
    run: SyncRun
    targets: Mapping[int, OrgTarget]
    host: HostAdapter
    app: Flask
    counts: Counts = field(default_factory=Counts)
    seen: set[int] = field(default_factory=set)
    host_owned: frozenset[str] = frozenset()
    #: The tenant's node role / class → host asset type rules (empty: the host takes the class type).
    types: TypeTable = field(default_factory=TypeTable)
    #: Payload fingerprints of the page being applied, by device id (see :meth:`unchanged`).
    fingerprints: dict[int, str] = field(default_factory=dict)
    #: The mirror rows :meth:`unchanged` read for those ids, reused by :meth:`apply`.
    page_known: dict[int, Known] = field(default_factory=dict)
    #: Rows of the page whose asset is unchanged but whose payload fingerprint moved.
    refingerprinted: list[dict[str, Any]] = field(default_factory=list)
    #: Devices of the page written to their asset and then held back, with the reason.
    holding: dict[int, str] = field(default_factory=dict)
    #: Linked devices of the page held back without writing their asset: (payload, row, reason).
    held_back: list[tuple[dict[str, Any], Known, str]] = field(default_factory=list)

    def apply(self, devices: list[dict[str, Any]]) -> None:
        """Write one page (at most one host batch) and commit it with the run's progress."""
        tenant_id = self.integration.tenant_id
        loaded = [device for device in devices if not isinstance(device, Unchanged)]
        self.seen.update(device["id"] for device in devices)
        self.counts.unchanged += len(devices) - len(loaded)
        known = self._known([device["id"] for device in loaded]) if loaded else {}
        pending: list[tuple[dict[str, Any], AssetRecord, str, Known | None]] = []
        self.refingerprinted, self.holding, self.held_back = [], {}, []
        for device in loaded:
            prepared = self._prepare(device, known.get(device["id"]))
            if prepared is not None:
                pending.append(prepared)
        if self.refingerprinted:
            self.session.execute(_SET_PAYLOAD_HASH, self.refingerprinted)
        if self.held_back:
            self._hold_without_writing()
        if pending:
            pending = self._adopt(tenant_id, pending)
            host_ids = self.host.upsert_assets(tenant_id, [record for _, record, _, _ in pending])
            if len(host_ids) != len(pending):
                raise RuntimeError("HostAdapter.upsert_assets returned a different number of ids")
            self._hold_assets(
                (host_id, self.holding[device["id"]])
                for (device, _, _, _), host_id in zip(pending, host_ids, strict=True)
                if device["id"] in self.holding
            )
            rows = self.load([mirror.id for _, _, _, mirror in pending if mirror is not None])
            new_rows: list[dict[str, Any]] = []
            for (device, record, digest, mirror), host_id in zip(pending, host_ids, strict=True):
                row = rows[mirror.id] if mirror is not None else None
                self._write_mirror(device, record, digest, row, str(host_id), new_rows)
            if new_rows:
                # Plain executemany: the ORM's multi-row INSERT ... RETURNING of a whole page is a
                # megabyte of SQL the driver re-parses every page, and nothing here needs the new ids.
                insert_rows(self.session, table_of(Device), new_rows)
        self.run.processed += len(devices)
        self.session.commit()
        self.fingerprints, self.page_known = {}, {}  # they describe this page only

    def unchanged(self, candidates: list[tuple[int, str, Mapping[str, Any]]]) -> set[int]:
        """Ids of a raw page's devices already applied from this very payload to the same target.

        The client asks before loading a page (``devices_detailed(unchanged=...)``); those devices
        are neither loaded nor mapped again. The fingerprint covers the payload, what it maps onto
        (client, location name, instance, whether pending devices sync) and the mapping's version,
        so a re-mapped organization or an upgraded mapper goes the normal way. Only live, linked
        mirror rows qualify.
        """
        self.fingerprints = {}
        for device_id, payload, raw in candidates:
            organization, location = raw.get("organizationId"), raw.get("locationId")
            target = self.targets.get(organization) if type(organization) is int else None
            if target is not None:
                self.fingerprints[device_id] = payload_target_hash(
                    payload,
                    client_id=target.client_id,
                    location_name=target.location_name(location),
                    base_url=self.integration.base_url,
                    pending_synced=self.integration.sync_pending_devices,
                    site_id=target.site_id(location),
                    host_asset_type=self.types.resolve(
                        organization, raw.get("nodeRoleId"), raw.get("nodeClass")
                    ),
                )
        self.page_known = self._read_known(list(self.fingerprints)) if self.fingerprints else {}
        return {
            device_id
            for device_id, row in self.page_known.items()
            if not row.retired
            and row.host_asset_id is not None
            and row.payload_hash == self.fingerprints[device_id]
        }

    def _refingerprint(self, device_id: int, row: Known) -> None:
        """Let an unchanged device's row learn its new payload fingerprint (the payload moved only in
        fields the asset does not show), so the next sync can skip loading it."""
        fingerprint = self.fingerprints.get(device_id)
        if fingerprint is not None and row.payload_hash != fingerprint:
            self.refingerprinted.append({"row_id": row.id, "payload_hash": fingerprint})

    def _known(self, device_ids: list[int]) -> dict[int, Known]:
        """The page's mirror rows: those :meth:`unchanged` already read (one query a page), plus
        any it did not look up (devices without a mapped target, or a page it never saw)."""
        looked_up = self.fingerprints.keys()
        known = {i: row for i in device_ids if i in looked_up and (row := self.page_known.get(i)) is not None}
        rest = [i for i in device_ids if i not in looked_up]
        return {**known, **self._read_known(rest)} if rest else known

    def _read_known(self, device_ids: list[int]) -> dict[int, Known]:
        """What mirror rows say, without loading them as objects: on a run where little changed,
        building a thousand ``Device`` objects (JSON columns parsed) a page was most of it."""
        return {
            row.device_id: row
            for row in self.session.execute(
                select(*KNOWN_COLUMNS).where(
                    Device.integration_id == self.integration.id, in_values(Device.device_id, device_ids)
                )
            )
        }

    def load(self, ids: list[int]) -> dict[int, Device]:
        """The mirror rows that are about to change, as objects (one query)."""
        if not ids:
            return {}
        return {row.id: row for row in self.session.scalars(select(Device).where(in_values(Device.id, ids)))}

    def _prepare(
        self, device: dict[str, Any], row: Known | None
    ) -> tuple[dict[str, Any], AssetRecord, str, Known | None] | None:
        status = device.get("approvalStatus")
        if status == "DECOMMISSIONED":
            if row is not None and not row.retired:
                self.retire(self.load([row.id]).values(), DECOMMISSIONED)
            else:
                self.counts.skipped += 1
            return None
        linked = row.host_asset_id if row is not None and not row.retired else None
        organization = device.get("organizationId")
        target = self.targets.get(organization)  # type: ignore[arg-type]  # a payload value: no int, no target
        awaiting = status in AWAITING_APPROVAL
        if target is None or (awaiting and not self.integration.sync_pending_devices):
            # A device NinjaOne still has, whose asset must not be active: a device of an unmapped
            # organization (moved there, or unmapped since) or one no longer approved while pending
            # devices do not sync. Never seen before: skipped; linked to an asset: held back.
            if row is None or not linked:
                self.counts.skipped += 1
            elif row.held_reason == (reason := hold_reason(status, organization, target is None)):
                self.counts.unchanged += 1
            else:
                self.held_back.append((device, row, reason))
            return None
        hold = hold_reason(status, organization, False) if awaiting else None
        try:
            record = to_asset_record(
                device,
                client_id=target.client_id,
                host_asset_id=linked,
                location_name=target.location_name(device.get("locationId")),
                ninjaone_url=device_page_url(self.integration.base_url, device["id"]),
                site_id=target.site_id(device.get("locationId")),
                host_asset_type=self.types.resolve(
                    organization, device.get("nodeRoleId"), device.get("nodeClass")
                ),
            )
            digest = content_hash(
                record,
                organization_id=device.get("organizationId"),
                location_id=device.get("locationId"),
                maintenance=maintenance_values(device),
            )
        except ValueError as exc:
            self.counts.failed += 1
            self._detail({"device_id": device["id"], "error": str(exc)})
            return None
        if row is not None and linked and row.content_hash == digest and row.held_reason == hold:
            self.counts.unchanged += 1
            self._refingerprint(device["id"], row)
            return None
        if hold is not None:
            self.holding[device["id"]] = hold
            self.counts.held += 1
        if linked:
            self.counts.updated += 1
            if self.host_owned:
                self._detail({"device_id": device["id"], "host_owned_fields_kept": sorted(self.host_owned)})
        return device, record, digest, row

    def _adopt(
        self, tenant_id: str, pending: list[tuple[dict[str, Any], AssetRecord, str, Known | None]]
    ) -> list[tuple[dict[str, Any], AssetRecord, str, Known | None]]:
        """Ask the host, in one call, which new devices are assets it already has; returns the page's
        devices to write (those held by an open adoption question left out).

        An asset that a device of another of the tenant's integrations owns is never adopted because
        the host matched it: device ids are numbered per NinjaOne instance (another instance's device
        5 is another machine), and the host's match by NinjaOne id cannot tell instances apart. A
        device whose serial is such an asset's asks instead (:mod:`.adoption`): held until the admin
        says whether it is the same machine, then linked to that asset or given its own.
        """
        new = [i for i, (_, record, _, _) in enumerate(pending) if record.host_asset_id is None]
        if not new:
            return pending
        keys = [adoption_keys(pending[i][0], client_id=pending[i][1].client_id) for i in new]
        matches = self.host.match_assets(tenant_id, keys)
        foreign = self._owned_elsewhere({match.host_asset_id for match in matches if match is not None})
        unmatched = [
            NewDevice(key.ninjaone_device_id, key.name, key.serial_number)
            for key, match in zip(keys, matches, strict=True)
            if match is None or match.host_asset_id in foreign
        ]
        decisions = adoption.decide(self.session, self.integration, unmatched) if unmatched else {}
        adopted = list(pending)
        held: set[int] = set()
        for index, match in zip(new, matches, strict=True):
            device, record, digest, row = pending[index]
            decision, asset = decisions.get(device["id"], (None, None))
            if decision is Decision.ASK:
                held.add(index)
                self.counts.asked += 1
                self._detail({"device_id": device["id"], "asked": asset, "reason": ASKED})
                continue
            if decision is Decision.SEPARATE:
                match = None
            elif decision is Decision.LINK and asset is not None:
                match = AssetMatch(asset, "serial")
            elif match is not None and match.host_asset_id in foreign:
                self._detail(
                    {"device_id": device["id"], "not_adopted": match.host_asset_id, "reason": FOREIGN}
                )
                match = None
            if match is None:
                self.counts.created += 1
                continue
            adopted[index] = (
                device,
                dataclasses.replace(record, host_asset_id=match.host_asset_id),
                digest,
                row,
            )
            self.counts.adopted += 1
        return [item for index, item in enumerate(adopted) if index not in held]

    def _owned_elsewhere(self, host_asset_ids: set[str]) -> set[str]:
        """Those of ``host_asset_ids`` linked to a device of another integration (retired or not)."""
        if not host_asset_ids:
            return set()
        owned = self.session.scalars(
            select(Device.host_asset_id).where(
                Device.integration_id != self.integration.id,
                in_values(Device.host_asset_id, host_asset_ids),
            )
        )
        return {host_asset_id for host_asset_id in owned if host_asset_id is not None}

    def _write_mirror(
        self,
        device: dict[str, Any],
        record: AssetRecord,
        digest: str,
        row: Device | None,
        host_id: str,
        new_rows: list[dict[str, Any]],
    ) -> None:
        values = mirror_values(device, record)
        state = {
            "host_asset_id": host_id,
            "content_hash": digest,
            "payload_hash": self.fingerprints.get(values["device_id"]),
            "held_reason": self.holding.get(record.ninjaone_device_id),
            "retired": False,
            "retired_at": None,
            "retired_reason": None,
            "synced_at": utcnow(),
        }
        if row is None:
            # New rows go out in one plain executemany (see :meth:`apply`); the tenant is explicit
            # because Core statements bypass the ORM's tenant stamping.
            new_rows.append(
                {
                    **values,
                    **state,
                    "integration_id": self.integration.id,
                    "tenant_id": self.integration.tenant_id,
                }
            )
            change = "created"
        else:
            for key, value in {**values, **state}.items():
                setattr(row, key, value)
            change = "updated"
        device_id = values["device_id"]
        self._signal(
            signals.device_created if change == "created" else signals.device_updated, device_id, host_id
        )
        self._signal(signals.device_synced, device_id, host_id, change=change)

    def _signal(self, signal: Any, device_id: int, host_asset_id: str | None, **extra: Any) -> None:
        if signal.receivers:
            signal.send(
                self.app,
                tenant_id=self.integration.tenant_id,
                integration_id=self.integration.id,
                device_id=device_id,
                host_asset_id=host_asset_id,
                **extra,
            )

    def _detail(self, item: dict[str, Any]) -> None:
        if len(self.run.conflicts) < MAX_DETAILS:
            self.run.conflicts = [*self.run.conflicts, item]

    def _hold_without_writing(self) -> None:
        """Hold back linked devices whose asset must not be written (unmapped organization, or no
        longer approved while pending devices do not sync): the mirror learns the new organization
        and status, the asset turns inactive with the reason. Its link is kept, and its hashes are
        cleared so the asset is written again in full once the hold ends (organization mapped,
        device approved)."""
        rows = self.load([row.id for _, row, _ in self.held_back])
        now = utcnow()
        for device, known, reason in self.held_back:
            row = rows[known.id]
            row.organization_id = device.get("organizationId")
            row.location_id = device.get("locationId")
            row.approval_status = device.get("approvalStatus")
            row.held_reason = reason
            row.content_hash = row.payload_hash = None
            row.synced_at = now
        self._hold_assets((known.host_asset_id, reason) for _, known, reason in self.held_back)
        self.counts.held += len(self.held_back)

    def _hold_assets(self, holds: Iterable[tuple[str | None, str]]) -> None:
        """Tell the host these assets are inactive, one call per reason. The seam has no "held"
        state: an inactive asset whose reason says why is what a technician needs to see."""
        by_reason: dict[str, list[str]] = {}
        for host_asset_id, reason in holds:
            if host_asset_id:
                by_reason.setdefault(reason, []).append(str(host_asset_id))
        for reason, host_ids in by_reason.items():
            self.host.retire_assets(self.integration.tenant_id, host_ids, reason)

    def retire(self, rows: Iterable[Device], reason: str) -> int:
        """Retire mirror rows and their host assets (never deleted), unless the asset was re-adopted or
        another instance's live device feeds it too (an adoption answered "same machine")."""
        rows = list(rows)
        if not rows:
            return 0
        host_ids = {row.host_asset_id for row in rows if row.host_asset_id}
        if host_ids:
            still_linked = set(
                self.session.scalars(
                    select(Device.host_asset_id).where(
                        Device.retired.is_(False),
                        in_values(Device.host_asset_id, host_ids),
                        or_(
                            Device.integration_id != self.integration.id,  # linked by an adoption answer
                            Device.device_id.not_in([row.device_id for row in rows]),
                        ),
                    )
                )
            )
            to_retire = sorted(host_ids - still_linked)
            if to_retire:
                self.host.retire_assets(self.integration.tenant_id, to_retire, reason)
        now = utcnow()
        for row in rows:
            row.retired = True
            row.retired_at = now
            row.retired_reason = reason[:255]
            row.held_reason = None
            self._signal(signals.device_deleted, row.device_id, row.host_asset_id)
        self.counts.retired += len(rows)
        return len(rows)


def mapped_targets(session: Session, integration: Integration) -> dict[int, OrgTarget]:
    """Organizations whose devices sync now: mapped to a client and with auto-sync on, with the
    sites their locations are mapped to (for that client)."""
    rows = list(
        session.scalars(
            select(OrganizationMapping).where(
                OrganizationMapping.integration_id == integration.id,
                OrganizationMapping.state == MappingState.MAPPED,
                OrganizationMapping.auto_sync.is_(True),
                OrganizationMapping.host_client_id.is_not(None),
            )
        )
    )
    sites = site_map(session, integration, {row.organization_id: row.host_client_id or "" for row in rows})
    return {
        row.organization_id: OrgTarget(
            client_id=row.host_client_id or "",
            locations={loc["id"]: loc.get("name", "") for loc in row.locations or []},
            sites=sites.get(row.organization_id, {}),
        )
        for row in rows
    }


def deleted_organizations(session: Session, integration: Integration) -> list[int]:
    """Organizations flagged as deleted in NinjaOne (their devices are retired)."""
    return list(
        session.scalars(
            select(OrganizationMapping.organization_id).where(
                OrganizationMapping.integration_id == integration.id,
                OrganizationMapping.state == MappingState.DELETED,
            )
        )
    )


def organization_filter(org_ids: Iterable[int]) -> str:
    """The ``df`` selecting the given organizations' devices."""
    return "org in (" + ",".join(str(org_id) for org_id in sorted(org_ids)) + ")"


def reread_devices(
    client: NinjaOneClient, writer: PageWriter, device_ids: Iterable[int], renew: Callable[[], None]
) -> set[int]:
    """Re-read devices by id, in every approval status and any organization, and apply them.

    No organization clause: a device moved into an unmapped organization must be seen to be held
    back (the writer decides by the organization it reports). Returns the ids NinjaOne did not
    return at all: those devices are gone.
    """
    ids = sorted(set(device_ids))
    missing = set(ids)
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        df = f"id in ({','.join(map(str, chunk))}) AND {status_filter(APPROVAL_STATUSES)}"
        for page in client.devices_detailed(df=df).pages():
            writer.apply(list(page.items))
            missing.difference_update(device["id"] for device in page.items)
        writer.session.commit()  # an empty chunk applied nothing; the lease renews on its own connection
        renew()
    return missing


@contextlib.contextmanager
def _long_lived_objects_frozen() -> Iterator[None]:
    """Keep the garbage collector from re-scanning the whole process on every page.

    Each page allocates thousands of short-lived objects, which triggers full collections that walk
    every object of the app (a fifth of a 50k-device sync). Freezing what exists before the walk
    moves it out of the collector's sight; the page's own garbage is still collected normally.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def full_walk(
    session: Session,
    integration: Integration,
    run: SyncRun,
    client: NinjaOneClient,
    renew: Callable[[], None],
) -> Counts:
    """Refresh organizations, stream every mapped device, then retire what the complete walk missed."""
    refresh_organizations(session, integration, client)
    session.commit()
    targets = mapped_targets(session, integration)
    writer = make_writer(session, integration, run, targets)
    if targets:
        df = f"{organization_filter(targets)} AND {status_filter(walked_statuses(integration))}"
        with _long_lived_objects_frozen():
            devices = client.devices_detailed(df=df, unchanged=writer.unchanged)
            for page in devices.pages():
                writer.apply(list(page.items))
                run.api_calls = client.stats
                renew()
    # The walk completed (an exception would have skipped this). Live devices it did not list, in a
    # walked organization or already held back, are re-read by id: one that changed status or moved
    # to an unmapped organization is applied as such (held back or retired for what it is), and only
    # those NinjaOne no longer returns at all are retired as gone. Devices of organizations deleted in
    # NinjaOne are retired too.
    walked = set(targets)
    gone_orgs = set(deleted_organizations(session, integration))
    stale: list[int] = []
    unlisted: dict[int, int] = {}
    for row in session.execute(
        select(Device.id, Device.device_id, Device.organization_id, Device.held_reason).where(
            Device.integration_id == integration.id, Device.retired.is_(False)
        )
    ):
        if row.organization_id in gone_orgs:
            stale.append(row.id)
        elif row.device_id not in writer.seen and (row.organization_id in walked or row.held_reason):
            unlisted[row.device_id] = row.id
    stale += [unlisted[device_id] for device_id in reread_devices(client, writer, unlisted, renew)]
    for start in range(0, len(stale), RETIRE_BATCH):
        writer.retire(writer.load(stale[start : start + RETIRE_BATCH]).values(), NO_LONGER_PRESENT)
    session.commit()
    _refresh_statistics(session, writer.counts)
    return writer.counts


#: New mirror rows after which PostgreSQL's statistics are refreshed right away.
ANALYZE_AFTER_NEW_ROWS = 1000


def _refresh_statistics(session: Session, counts: Counts) -> None:
    """After a bulk load, let PostgreSQL plan the next sync's per-page lookups on the unique index.

    Until autovacuum gets to it, a freshly filled mirror has no statistics and the planner filters
    every device of the integration for every page (750 ms a page at 48k devices, measured).
    """
    if (
        session.get_bind().dialect.name == "postgresql"
        and counts.created + counts.adopted >= ANALYZE_AFTER_NEW_ROWS
    ):
        session.execute(text("ANALYZE ninjaone_devices"))
        session.commit()


def make_writer(
    session: Session, integration: Integration, run: SyncRun, targets: Mapping[int, OrgTarget]
) -> PageWriter:
    """A page writer bound to this app's host adapter."""
    host = get_state().host
    owned = host.host_owned_fields() & {f.name for f in dataclasses.fields(AssetRecord)}
    return PageWriter(
        session=session,
        integration=integration,
        run=run,
        targets=targets,
        host=host,
        app=current_app_object(),
        host_owned=frozenset(owned),
        types=type_table(session, integration),
    )


def sync_one_device(
    session: Session, integration: Integration, client: NinjaOneClient, device_id: int
) -> str:
    """Re-read one device from NinjaOne and apply it (webhook events, "refresh this device").

    Never trusts a webhook payload: deliveries arrive out of order, so the API's current view wins.
    The writer decides as a sync does: a device moved into an unmapped organization or no longer
    approved is held back, a decommissioned one retired. Returns what happened: ``synced``, ``held``
    (held back, or never synced because its organization is unmapped), or ``retired`` (gone).
    """
    targets = mapped_targets(session, integration)
    transient_run = SyncRun(
        integration_id=integration.id, kind="device", trigger="webhook", conflicts=[], processed=0
    )
    writer = make_writer(session, integration, transient_run, targets)
    try:
        device = client.device(device_id)
    except NotFound:
        return retire_device(session, integration, device_id, DELETED, writer)
    writer.apply([device])
    row = session.execute(
        select(Device.retired, Device.held_reason).where(
            Device.integration_id == integration.id, Device.device_id == device_id
        )
    ).one_or_none()
    if row is None or row.held_reason:
        return "held"
    return "retired" if row.retired else "synced"


def retire_device(
    session: Session, integration: Integration, device_id: int, reason: str, writer: PageWriter | None = None
) -> str:
    """Retire one device (deleted or rejected in NinjaOne); a device we never synced is ignored."""
    row = session.scalars(
        select(Device).where(
            Device.integration_id == integration.id, Device.device_id == device_id, Device.retired.is_(False)
        )
    ).one_or_none()
    if row is None:
        return "unknown"
    if writer is None:
        transient_run = SyncRun(integration_id=integration.id, kind="device", trigger="webhook", conflicts=[])
        writer = make_writer(session, integration, transient_run, {})
    writer.retire([row], reason)
    session.commit()
    return "retired"
