"""Custom fields and last logons in the inventory walk: two more paged reports, never a call per device.

After the five inventory reports, :func:`walk_mapped_fields` walks

* ``/v2/queries/custom-fields`` with ``fields=<the mapped names>`` (one definitions read first, see
  :func:`.field_map.reconcile`), when the host takes asset attributes and the connection maps some;
* ``/v2/queries/logged-on-users``, when the host supports contacts and the connection links them.

Each page is one batch: the stored :class:`~..models.DeviceAttributes` of its devices are read in one
query, and only what changed goes to the host — one ``set_asset_attributes`` and one ``find_contacts``
call per page. A device a complete walk no longer lists has no value (NinjaOne omits empty fields)
or nobody logged on: its attributes are cleared, its contact unlinked.

Conflict rule of two-way fields: NinjaOne wins, unless the host changed the attribute after the last
sync — its change is then still owed to NinjaOne (:mod:`.field_writes`), and the walk leaves the
attribute alone; once NinjaOne confirms the write, the stored value is the host's and the next walk
sees no difference.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..client import NinjaOneClient
from ..host import AssetAttribute, AttributeUpdate, AttributeValue, LogonUser
from ..models import Device, DeviceAttributes, FieldMapping, Integration, OwedKind, OwedWrite
from ..models.base import utcnow
from ..state import get_state
from ..sync.engine import OrgTarget
from . import field_map
from .field_types import FieldValueError, to_host

log = logging.getLogger(__name__)
_Item = TypeVar("_Item")


@dataclass
class FieldCounts:
    """What the two walks did; merged into the inventory run's counts."""

    custom_field_devices: int = 0
    custom_fields_written: int = 0
    custom_field_errors: int = 0
    custom_fields_kept_for_host: int = 0
    logon_devices: int = 0
    contacts_linked: int = 0
    contacts_unlinked: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass(frozen=True)
class _Device:
    host_asset_id: str
    client_id: str | None


@dataclass(frozen=True)
class _Walk:
    """What both walks work with: the inventory walk's session, client, device filter and targets,
    the lease renewal between pages, and the counts they add to."""

    session: Session
    integration: Integration
    client: NinjaOneClient
    df: str
    targets: Mapping[int, OrgTarget]
    renew: Callable[[], None]
    counts: FieldCounts

    def stream(
        self,
        pages: Iterable[Mapping[int, Mapping[str, Any]]],
        stored: Any,
        apply: Callable[[Mapping[int, Mapping[str, Any]]], None],
    ) -> None:
        """Apply a report page by page (a commit each), then, the walk being complete, apply "nothing"
        to the devices with ``stored`` data that it no longer listed."""
        seen: set[int] = set()
        for batch in pages:
            seen.update(batch)
            apply(batch)
            self.session.commit()
            self.renew()
        stale = _stored_devices(self.session, self.integration, stored) - seen
        for chunk in _chunks(sorted(stale)):
            apply(dict.fromkeys(chunk, {}))
            self.session.commit()


def walk_mapped_fields(
    session: Session,
    integration: Integration,
    client: NinjaOneClient,
    df: str,
    targets: Mapping[int, OrgTarget],
    renew: Callable[[], None],
) -> FieldCounts | None:
    """Both walks, each only when the host and the connection want it; ``None`` when neither ran."""
    walk = _Walk(session, integration, client, df, targets, renew, FieldCounts())
    ran = _walk_custom_fields(walk)
    ran = _walk_logons(walk) or ran
    return walk.counts if ran else None


# -- custom fields ------------------------------------------------------------------------------------


def _walk_custom_fields(walk: _Walk) -> bool:
    session, integration, client = walk.session, walk.integration, walk.client
    host = get_state().host
    attributes = host.asset_attributes(integration.tenant_id)
    rows = field_map.mappings(session, integration)
    if attributes is None or not rows:
        return False
    usable = field_map.reconcile(session, rows, field_map.read_definitions(client))
    session.commit()
    by_key = {attribute.key: attribute for attribute in attributes}
    usable = [row for row in usable if row.attribute in by_key]
    if not usable:
        return True
    kept = owed_fields(session, integration)
    pages = (
        {row["deviceId"]: row["fields"] for row in page.items}
        for page in client.custom_fields([row.field_name for row in usable], walk.df).pages()
    )

    def apply(values: Mapping[int, Mapping[str, Any]]) -> None:
        _apply_fields(walk, usable, by_key, kept, values)

    walk.stream(pages, DeviceAttributes.values_synced_at.is_not(None), apply)
    return True


def owed_fields(session: Session, integration: Integration) -> dict[int, set[str]]:
    """Fields the host changed after the last sync (still owed to NinjaOne), by device id."""
    owed: dict[int, set[str]] = {}
    for target, payload in session.execute(
        select(OwedWrite.target, OwedWrite.payload).where(
            OwedWrite.integration_id == integration.id, OwedWrite.kind == OwedKind.CUSTOM_FIELDS
        )
    ):
        owed[int(target)] = set(json.loads(payload or "{}").get("values", {}))
    return owed


def _apply_fields(
    walk: _Walk,
    usable: list[FieldMapping],
    attributes: Mapping[str, AssetAttribute],
    kept: Mapping[int, set[str]],
    values: Mapping[int, Mapping[str, Any]],
) -> None:
    session, integration, counts = walk.session, walk.integration, walk.counts
    devices = _devices(session, integration, walk.targets, values)
    stored = _attribute_rows(session, integration, devices)
    now = utcnow()
    updates: list[AttributeUpdate] = []
    for device_id, device in devices.items():
        row = stored.get(device_id) or _new_row(session, integration, device_id, stored)
        current = dict(row.values or {})
        reported = values.get(device_id, {})
        changed: dict[str, AttributeValue] = {}
        for mapping in usable:
            new = reported.get(mapping.field_name)
            if mapping.field_name in current and current[mapping.field_name] == new:
                continue
            if new is None and mapping.field_name not in current:
                continue
            if mapping.field_name in kept.get(device_id, ()):
                counts.custom_fields_kept_for_host += 1
                continue
            try:
                changed[mapping.attribute] = to_host(
                    mapping.field_type, mapping.options, attributes[mapping.attribute], new
                )
            except FieldValueError as exc:
                counts.custom_field_errors += 1
                log.info(
                    "ninjaone device %s custom field %s not written: %s", device_id, mapping.field_name, exc
                )
                continue
            if new is None:
                current.pop(mapping.field_name, None)
            else:
                current[mapping.field_name] = new
        if changed:
            updates.append(AttributeUpdate(device.host_asset_id, changed))
            counts.custom_fields_written += len(changed)
        if current != (row.values or {}) or row.values_synced_at is None:
            row.values = current  # assigned only when it differs: an equal dict would still be an UPDATE
            row.values_synced_at = now
        counts.custom_field_devices += 1
    for chunk in _chunks(updates):
        get_state().host.set_asset_attributes(integration.tenant_id, chunk)


# -- last logged-on users -------------------------------------------------------------------------------


def _walk_logons(walk: _Walk) -> bool:
    if not get_state().host.contacts_supported:
        return False
    settings = field_map.contact_settings(walk.session, walk.integration)
    if not settings.link_contacts:
        return False
    pages = (_latest_logons(page.items) for page in walk.client.logged_on_users(walk.df).pages())

    def apply(latest: Mapping[int, Mapping[str, Any]]) -> None:
        _apply_logons(walk, latest, settings.create_contacts)

    walk.stream(pages, DeviceAttributes.logon_user.is_not(None), apply)
    return True


def _latest_logons(rows: Iterable[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """Each device's latest logon among a page's rows (the report lists one per device; this holds
    should an instance list several)."""
    latest: dict[int, Mapping[str, Any]] = {}
    for row in rows:
        before = latest.get(row["deviceId"])
        if before is None or _logon_time(row) > _logon_time(before):
            latest[row["deviceId"]] = row
    return latest


def _logon_time(row: Mapping[str, Any]) -> float:
    moment = row.get("logonTime")
    return moment.timestamp() if isinstance(moment, datetime) else 0.0


def split_user_name(user_name: str) -> tuple[str, str | None]:
    """``CORP\\j.smith`` -> ``("j.smith", None)``; ``j.smith@corp.example`` -> ``("j.smith",
    "j.smith@corp.example")``; a bare name stays as it is."""
    name = user_name.strip()
    if "@" in name and "\\" not in name:
        return name.split("@", 1)[0], name
    return name.rsplit("\\", 1)[-1], None


def _apply_logons(walk: _Walk, latest: Mapping[int, Mapping[str, Any]], create: bool) -> None:
    session, integration, counts = walk.session, walk.integration, walk.counts
    devices = _devices(session, integration, walk.targets, latest)
    stored = _attribute_rows(session, integration, devices)
    asks: list[tuple[DeviceAttributes, LogonUser]] = []
    for device_id, device in devices.items():
        logon = latest.get(device_id, {})
        user = (logon.get("userName") or "").strip()[:255] or None
        row = stored.get(device_id)
        if row is None:
            if user is None:
                continue
            row = _new_row(session, integration, device_id, stored)
        if row.logon_at != logon.get("logonTime"):
            row.logon_at = logon.get("logonTime")
        counts.logon_devices += 1
        if user == row.logon_user and (row.contact_id is not None or user is None):
            continue
        row.logon_user = user
        if user is None or device.client_id is None:
            if row.contact_id is not None:
                counts.contacts_unlinked += 1
            row.contact_id = row.contact_name = None
            continue
        login, email = split_user_name(user)
        asks.append((row, LogonUser(client_id=device.client_id, user_name=user, login=login, email=email)))
    host = get_state().host
    for chunk in _chunks(asks):
        found = host.find_contacts(integration.tenant_id, [user for _, user in chunk], create)
        if len(found) != len(chunk):
            raise ValueError(f"find_contacts answered {len(found)} contacts for {len(chunk)} users")
        for (row, _), contact in zip(chunk, found, strict=True):
            if contact is None:
                if row.contact_id is not None:
                    counts.contacts_unlinked += 1
                row.contact_id = row.contact_name = None
            else:
                counts.contacts_linked += row.contact_id != contact.id
                row.contact_id, row.contact_name = str(contact.id)[:64], contact.name[:255]


# -- shared -------------------------------------------------------------------------------------------


def _devices(
    session: Session, integration: Integration, targets: Mapping[int, OrgTarget], device_ids: Iterable[int]
) -> dict[int, _Device]:
    """The live devices among ``device_ids`` that have a host asset, with their host client."""
    ids = sorted(set(device_ids))
    if not ids:
        return {}
    found: dict[int, _Device] = {}
    for device_id, asset_id, organization_id in session.execute(
        select(Device.device_id, Device.host_asset_id, Device.organization_id).where(
            Device.integration_id == integration.id,
            Device.device_id.in_(ids),
            Device.retired.is_(False),
            Device.host_asset_id.is_not(None),
        )
    ):
        target = targets.get(organization_id) if organization_id is not None else None
        found[device_id] = _Device(str(asset_id), target.client_id if target else None)
    return found


def _attribute_rows(
    session: Session, integration: Integration, devices: Iterable[int]
) -> dict[int, DeviceAttributes]:
    ids = sorted(devices)
    if not ids:
        return {}
    return {
        row.device_id: row
        for row in session.scalars(
            select(DeviceAttributes).where(
                DeviceAttributes.integration_id == integration.id, DeviceAttributes.device_id.in_(ids)
            )
        )
    }


def _new_row(
    session: Session, integration: Integration, device_id: int, stored: dict[int, DeviceAttributes]
) -> DeviceAttributes:
    row = DeviceAttributes(integration_id=integration.id, device_id=device_id, values={})
    session.add(row)
    stored[device_id] = row
    return row


def _stored_devices(session: Session, integration: Integration, condition: Any) -> set[int]:
    return set(
        session.scalars(
            select(DeviceAttributes.device_id).where(
                DeviceAttributes.integration_id == integration.id, condition
            )
        )
    )


def _chunks(items: list[_Item], size: int = 1000) -> Iterable[list[_Item]]:
    """``items`` in lists of ``size``: the most one query's ``IN`` or one host call takes."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
