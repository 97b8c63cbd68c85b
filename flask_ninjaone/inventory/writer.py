"""Apply a batch of devices' inventory to the database, writing only what changed.

The refresh hands over *complete* row sets for a batch of devices (every software row of each
device, every pending/failed patch...). For each device the writer compares them with what is stored
and issues, per batch, one DELETE, one executemany UPDATE and one multi-row INSERT per table — so a
device whose inventory did not change costs a SELECT share and no write at all.

Cheaper still, a device whose rows hash to the fingerprint its inventory was last written from (see
:mod:`.fingerprints`) is skipped before any per-row work: its stored rows are not even read back.
Only the changed devices of a batch are compared, written, and get their new fingerprint, in the
same transaction as their rows (so a fingerprint never describes rows that were not stored).

The fleet walk hands over rows *as NinjaOne sent them* (``raw_rows``): they are fingerprinted raw,
and only the rows of changed devices — and of devices this writer does not hold — are loaded
through the report's schema (:func:`~flask_ninjaone.client.load_report_rows`), all of a batch before
anything of it is written. A bad row fails the batch with the client's usual
:class:`~flask_ninjaone.client.InvalidResponse`, as a whole-page load did. A skipped device's raw rows
are byte for byte (bar the unhashed ``timestamp``) those its inventory was loaded and written from,
so they need no second look; their ``timestamp`` alone is loaded where it is used (patch reports).

Software identity is ``(name key, publisher, version)``; when a product disappears in one version and
appears in another on the same device, that is an *update* (the row keeps its ``first_seen``), which
is what the device history shows. A device's first inventory is its baseline and adds no history (the
first fleet refresh would otherwise write every installed product twice).

``last_seen`` is set whenever a row is written; for rows that did not change,
:attr:`~flask_ninjaone.models.Integration.last_inventory_at` says when they were last confirmed
(updating 800,000 timestamps every six hours would be the opposite of "write only changes").

Tenant scoping: ORM SELECTs and ORM DELETEs are scoped by :mod:`..tenancy` automatically; the bulk
UPDATE and the multi-row INSERT statements are not (Core statements and SQLAlchemy's executemany paths
bypass ``with_loader_criteria``), so they carry the tenant explicitly.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from ..bulk import analyze_after_bulk_load
from ..client import load_report_rows, report_timestamps
from ..models import Device, Integration, Patch, Software, SoftwareChange
from ..tenancy import require_tenant_id
from .fingerprints import rows_fingerprint
from .normalize import (
    SoftwareItem,
    antivirus_products,
    health_values,
    last_scan,
    patch_items,
    software_items,
)
from .software_names import add_names, drop_unused
from .versions import version_key

Rows = list[dict[str, Any]]


@dataclass
class InventoryCounts:
    """What a refresh did; stored on the run record and printed by the CLI and the benchmark."""

    devices: int = 0
    software_added: int = 0
    software_removed: int = 0
    software_updated: int = 0
    patches_added: int = 0
    patches_updated: int = 0
    patches_removed: int = 0
    devices_changed: int = 0
    history_rows: int = 0
    rows_written: int = 0
    regrouped_devices: int = 0
    #: Devices whose report rows matched their fingerprint: not compared, not written.
    devices_skipped: int = 0
    #: What the custom field and logon walks did (:class:`.field_sync.FieldCounts`), when they ran.
    mapped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        counts = dataclasses.asdict(self)
        return {**{k: v for k, v in counts.items() if k != "mapped"}, **self.mapped}


@dataclass
class InventoryWriter:
    """Writes batches for one integration. ``organizations`` limits writes to synced organizations."""

    session: Session
    integration: Integration
    now: datetime
    organizations: frozenset[int] | None = None
    counts: InventoryCounts = field(default_factory=InventoryCounts)
    #: Rows arrive as NinjaOne sent them and are loaded here where needed (see the module docstring).
    raw_rows: bool = False

    def __post_init__(self) -> None:
        self.tenant_id = require_tenant_id()

    # -- devices -----------------------------------------------------------------------------------

    def _devices(self, device_ids: Iterable[int]) -> dict[int, Device]:
        """Mirror rows that may receive inventory: known, not retired, in a synced organization."""
        ids = sorted(set(device_ids))
        if not ids:
            return {}
        rows = self.session.scalars(
            select(Device).where(
                Device.integration_id == self.integration.id,
                Device.device_id.in_(ids),
                Device.retired.is_(False),
            )
        )
        return {
            row.device_id: row
            for row in rows
            if self.organizations is None or row.organization_id in self.organizations
        }

    def _changed(
        self, report: str, devices: Mapping[int, Device], groups: Mapping[int, Rows]
    ) -> tuple[dict[int, Device], dict[int, str], dict[int, Rows]]:
        """The devices whose ``report`` rows differ from those their inventory was last written from,
        every device's new fingerprint, and the changed devices' rows, loaded; the others are counted
        as skipped."""
        prints = {
            device_id: rows_fingerprint(report, groups[device_id], raw=self.raw_rows) for device_id in devices
        }
        changed = {
            device_id: device
            for device_id, device in devices.items()
            if (device.inventory_fingerprints or {}).get(report) != prints[device_id]
        }
        self.counts.devices_skipped += len(devices) - len(changed)
        return (
            changed,
            prints,
            self._loaded(report, [i for i in groups if i in changed or i not in devices], groups),
        )

    def _loaded(self, report: str, device_ids: list[int], groups: Mapping[int, Rows]) -> dict[int, Rows]:
        """The rows of ``device_ids`` as the report's schema loads them: one load for the batch, so a
        bad row stops it before anything is written. Rows of devices not held are loaded too (and
        dropped): an invalid report fails as it always did, whichever device the bad row is of."""
        if not self.raw_rows:
            return {device_id: groups[device_id] for device_id in device_ids}
        loaded = load_report_rows(report, [row for device_id in device_ids for row in groups[device_id]])
        split: dict[int, Rows] = {}
        start = 0
        for device_id in device_ids:
            end = start + len(groups[device_id])
            split[device_id] = loaded[start:end]
            start = end
        return split

    def _last_scan(self, report: str, rows: Rows) -> datetime | None:
        """:func:`.normalize.last_scan` of a skipped device's rows: only their timestamps loaded."""
        if not self.raw_rows:
            return last_scan(rows)
        return max((stamp for stamp in report_timestamps(report, rows) if stamp is not None), default=None)

    @staticmethod
    def _remember(report: str, changed: Mapping[int, Device], prints: Mapping[int, str]) -> None:
        """Store the fingerprints of what was just written (committed with the rows)."""
        for device_id, device in changed.items():
            device.inventory_fingerprints = {
                **(device.inventory_fingerprints or {}),
                report: prints[device_id],
            }

    def holds(self, device_id: int) -> bool:
        """Whether this writer would write ``device_id``'s inventory (see :meth:`_devices`)."""
        return device_id in self._devices([device_id])

    # -- software ----------------------------------------------------------------------------------

    def software(self, groups: Mapping[int, Rows]) -> None:
        """Replace each device's software with ``groups[device_id]`` (an empty list removes all)."""
        devices = self._devices(groups)
        if not devices:
            return
        self.counts.devices += len(devices)
        changed, prints, loaded = self._changed("software", devices, groups)
        stored: dict[int, dict[tuple[str, str, str], tuple[int, str, datetime | None]]] = defaultdict(dict)
        for row in (
            ()
            if not changed
            else self.session.execute(
                select(
                    Software.id,
                    Software.device_id,
                    Software.name,
                    Software.name_key,
                    Software.publisher,
                    Software.version,
                    Software.installed_at,
                ).where(
                    Software.integration_id == self.integration.id, Software.device_id.in_(sorted(changed))
                )
            )
        ):
            stored[row.device_id][(row.name_key, row.publisher, row.version)] = (
                row.id,
                row.name,
                row.installed_at,
            )
        deletes: list[int] = []
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for device_id in sorted(changed):
            self._diff_software(device_id, software_items(loaded[device_id]), stored.get(device_id, {}),
                                deletes, updates, inserts, history)  # fmt: skip
        self._remember("software", changed, prints)
        self._write_software(deletes, updates, inserts, history)

    def _diff_software(
        self,
        device_id: int,
        incoming: dict[tuple[str, str, str], SoftwareItem],
        existing: dict[tuple[str, str, str], tuple[int, str, datetime | None]],
        deletes: list[int],
        updates: list[dict[str, Any]],
        inserts: list[dict[str, Any]],
        history: list[dict[str, Any]],
    ) -> None:
        for key in incoming.keys() & existing.keys():
            item = incoming[key]
            row_id, name, installed_at = existing[key]
            if name != item.name or (item.installed_at is not None and installed_at != item.installed_at):
                updates.append(self._software_update(row_id, item))
        removed = [key for key in existing if key not in incoming]
        added = [key for key in incoming if key not in existing]
        # Same product (name + publisher) gone in one version and present in another: an update.
        by_product: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
        for key in sorted(removed, key=lambda k: version_key(k[2])):
            by_product[key[:2]].append(key)
        paired: set[tuple[str, str, str]] = set()
        for key in sorted(added, key=lambda k: version_key(k[2])):
            candidates = by_product.get(key[:2])
            if not candidates:
                continue
            old = candidates.pop(0)
            paired.update((old, key))
            item = incoming[key]
            updates.append(self._software_update(existing[old][0], item))
            self.counts.software_updated += 1
            history.append(
                self._change(device_id, "updated", item.name, item.publisher, old[2], item.version)
            )
        for key in removed:
            if key in paired:
                continue
            row_id, name, _ = existing[key]
            deletes.append(row_id)
            self.counts.software_removed += 1
            history.append(self._change(device_id, "removed", name, key[1], key[2], None))
        for key in added:
            if key in paired:
                continue
            item = incoming[key]
            inserts.append(
                {
                    "tenant_id": self.tenant_id,
                    "integration_id": self.integration.id,
                    "device_id": device_id,
                    "name": item.name,
                    "name_key": item.name_key,
                    "publisher": item.publisher,
                    "version": item.version,
                    "installed_at": item.installed_at,
                    "first_seen": self.now,
                    "last_seen": self.now,
                }
            )
            self.counts.software_added += 1
            if existing:  # a device's first inventory is its baseline, not a history of installs
                history.append(
                    self._change(device_id, "added", item.name, item.publisher, None, item.version)
                )

    def _software_update(self, row_id: int, item: SoftwareItem) -> dict[str, Any]:
        return _update_params(
            row_id,
            self.tenant_id,
            name=item.name,
            name_key=item.name_key,
            publisher=item.publisher,
            version=item.version,
            installed_at=item.installed_at,
            last_seen=self.now,
        )

    def _change(
        self, device_id: int, change: str, name: str, publisher: str, old: str | None, new: str | None
    ) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "integration_id": self.integration.id,
            "device_id": device_id,
            "change": change,
            "name": name,
            "publisher": publisher,
            "old_version": old,
            "new_version": new,
            "at": self.now,
        }

    def _write_software(
        self,
        deletes: Sequence[int],
        updates: Sequence[dict[str, Any]],
        inserts: Sequence[dict[str, Any]],
        history: Sequence[dict[str, Any]],
    ) -> None:
        if deletes:
            gone = self.session.execute(
                delete(Software)
                .where(Software.id.in_(deletes))
                .returning(Software.name_key, Software.publisher)
            )
            drop_unused(
                self.session, self.integration.id, [(name_key, publisher) for name_key, publisher in gone]
            )
        if updates:
            _bulk_update(self.session, Software.__table__, updates)
        if inserts:
            _bulk_insert(self.session, Software.__table__, inserts)
            pairs = ((row["name_key"], row["publisher"]) for row in inserts)
            add_names(self.session, self.tenant_id, self.integration.id, pairs)
        if history:
            _bulk_insert(self.session, SoftwareChange.__table__, history)
        written = len(deletes) + len(updates) + len(inserts) + len(history)
        self.counts.history_rows += len(history)
        self.counts.rows_written += written
        self.session.commit()

    # -- patches -----------------------------------------------------------------------------------

    def patches(self, kind: str, groups: Mapping[int, Rows]) -> None:
        """Replace each device's ``kind`` (os | software) patches with ``groups[device_id]``."""
        devices = self._devices(groups)
        if not devices:
            return
        report = f"{kind}-patches"
        fresh, prints, loaded = self._changed(report, devices, groups)
        stored: dict[int, dict[str, tuple[int, tuple[Any, ...], datetime | None]]] = defaultdict(dict)
        for row in () if not fresh else self.session.execute(
            select(
                Patch.id, Patch.device_id, Patch.patch_uid, Patch.name, Patch.kb_number, Patch.severity,
                Patch.status, Patch.patch_type, Patch.reported_at,
            ).where(
                Patch.integration_id == self.integration.id,
                Patch.kind == kind,
                Patch.device_id.in_(sorted(fresh)),
            )
        ):  # fmt: skip
            shown = (row.name, row.kb_number, row.severity, row.status, row.patch_type)
            stored[row.device_id][row.patch_uid] = (row.id, shown, row.reported_at)
        deletes: list[int] = []
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        changed = 0
        for device_id, device in sorted(devices.items()):
            rows = loaded.get(device_id)
            # not in the fingerprint: compared for skipped devices too
            scanned = last_scan(rows) if rows is not None else self._last_scan(report, groups[device_id])
            if scanned is not None and (
                device.last_patch_scan_at is None or scanned > device.last_patch_scan_at
            ):
                device.last_patch_scan_at = scanned
                changed += 1
            if rows is None:  # unchanged: skipped
                continue
            incoming = patch_items(kind, rows)
            existing = stored.get(device_id, {})
            for uid, (row_id, _, _) in existing.items():
                if uid not in incoming:
                    deletes.append(row_id)
            for uid, item in incoming.items():
                values = self._patch_values(item)
                if uid not in existing:
                    key = {"device_id": device_id, "kind": kind, "patch_uid": uid}
                    inserts.append(
                        {"tenant_id": self.tenant_id, "integration_id": self.integration.id, **key, **values}
                    )
                    continue
                row_id, old_values, old_reported = existing[uid]
                if old_values != item.values() or (item.reported_at and item.reported_at != old_reported):
                    updates.append(_update_params(row_id, self.tenant_id, **values))
        self._remember(report, fresh, prints)
        self.counts.patches_removed += len(deletes)
        self.counts.patches_updated += len(updates)
        self.counts.patches_added += len(inserts)
        if deletes:
            self.session.execute(delete(Patch).where(Patch.id.in_(deletes)))
        if updates:
            _bulk_update(self.session, Patch.__table__, updates)
        if inserts:
            _bulk_insert(self.session, Patch.__table__, inserts)
        self.counts.devices_changed += changed
        self.counts.rows_written += len(deletes) + len(updates) + len(inserts) + changed
        self.session.commit()

    def _patch_values(self, item: Any) -> dict[str, Any]:
        return {
            "name": item.name,
            "kb_number": item.kb_number,
            "severity": item.severity,
            "status": item.status,
            "patch_type": item.patch_type,
            "reported_at": item.reported_at,
            "last_seen": self.now,
        }

    # -- per-device figures ------------------------------------------------------------------------

    def antivirus(self, groups: Mapping[int, Rows]) -> None:
        """Store each device's antivirus products (an empty list: none reported)."""
        changed = 0
        fresh, prints, loaded = self._changed("antivirus-status", self._devices(groups), groups)
        for device_id, device in sorted(fresh.items()):
            products = antivirus_products(loaded[device_id])
            current = dict(device.antivirus or {})
            if current.get("products") != products:
                current["products"] = products
                device.antivirus = current
                changed += 1
        self._remember("antivirus-status", fresh, prints)
        self._commit_devices(changed)

    def health(self, groups: Mapping[int, Rows]) -> None:
        """Store each device's pending/failed patch counts, threats and health status."""
        changed = 0
        fresh, prints, loaded = self._changed("device-health", self._devices(groups), groups)
        for device_id, device in sorted(fresh.items()):
            rows = loaded[device_id]
            if not rows:
                continue
            columns, extras = health_values(rows[-1])
            dirty = False
            for column, value in columns.items():
                if getattr(device, column) != value:
                    setattr(device, column, value)
                    dirty = True
            current = dict(device.antivirus or {})
            if any(current.get(key) != value for key, value in extras.items()):
                current.update(extras)
                current.setdefault("products", [])
                device.antivirus = current
                dirty = True
            changed += dirty
        self._remember("device-health", fresh, prints)
        self._commit_devices(changed)

    def _commit_devices(self, changed: int) -> None:
        self.counts.devices_changed += changed
        self.counts.rows_written += changed
        self.session.commit()


def _update_params(row_id: int, tenant_id: str, **values: Any) -> dict[str, Any]:
    """Parameters of one row of :func:`_bulk_update` (bind names must differ from column names)."""
    return {"b_id": row_id, "b_tenant": tenant_id, **{f"v_{key}": value for key, value in values.items()}}


def _bulk_update(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany UPDATE by primary key, guarded by the tenant (see the module docstring)."""
    columns = [key[2:] for key in rows[0] if key.startswith("v_")]
    session.execute(
        update(table)
        .where(and_(table.c.id == bindparam("b_id"), table.c.tenant_id == bindparam("b_tenant")))
        .values({column: bindparam(f"v_{column}") for column in columns}),
        list(rows),
    )


def _bulk_insert(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """One Core executemany INSERT (psycopg pipelines it: about 60,000 rows a second here). Measured
    against a multi-row ``VALUES`` list, which SQLAlchemy compiles anew for every batch and which was
    ten times slower. Rows carry their ``tenant_id`` (see the module docstring).

    A first refresh fills the tables from nothing: PostgreSQL then plans the software search and the
    next batches' reads as if each table held a row or two (nested loops over thousands of rows: a
    prefix search's count took 0.4 s on 2,239 rows, 70 ms in the database alone), until autovacuum
    analyzes them. So a batch at least as large as what the statistics describe analyzes the table."""
    session.execute(insert(table), list(rows))
    analyze_after_bulk_load(session, table, len(rows))
