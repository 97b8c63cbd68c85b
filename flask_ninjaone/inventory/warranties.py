"""Warranties ending soon, per client: the list a lifecycle review starts from, over every instance
of the tenant (each row says which) or one.

Reads the warranty dates the sync keeps on the device mirror (NinjaOne's ``references.warranty``), so
the view and its CSV cost no NinjaOne request. Devices whose asset is retired or held back are left
out: they are not the client's working fleet.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Device, Integration, OrganizationMapping
from ..models.base import utcnow
from .export import instance_cells, instance_header
from .managed_devices import managed_devices

#: The window a reviewer may ask for, in days: up to ten years ahead.
DAYS_MIN = 1
DAYS_MAX = 3650
DAYS_DEFAULT = 90

CSV_HEADER = [
    "Client",
    "Client id",
    "Device",
    "NinjaOne id",
    "Asset type",
    "Start",
    "End",
    "Fulfillment",
    "Days left",
]


class BadWindow(ValueError):
    """The number of days is not a whole number within :data:`DAYS_MIN`..:data:`DAYS_MAX`."""


def parse_days(raw: str | None) -> int:
    """The ``days`` of a request (default :data:`DAYS_DEFAULT`); raises :class:`BadWindow`."""
    if raw is None or raw == "":
        return DAYS_DEFAULT
    text = raw.strip()
    if not text.isdigit() or len(text) > 5:
        raise BadWindow(f"Days must be a whole number from {DAYS_MIN} to {DAYS_MAX}.")
    days = int(text)
    if not DAYS_MIN <= days <= DAYS_MAX:
        raise BadWindow(f"Days must be a whole number from {DAYS_MIN} to {DAYS_MAX}.")
    return days


@dataclass(frozen=True)
class WarrantyRow:
    #: The instance the device is in: two instances may both have a device 5 (two machines).
    integration_id: int
    client_id: str
    device_id: int
    name: str
    asset_type: str | None
    start: datetime | None
    end: datetime
    fulfillment: datetime | None
    days_left: int


def ending_within(
    session: Session,
    integrations: Sequence[Integration],
    days: int,
    *,
    client_id: str | None = None,
    now: datetime | None = None,
) -> list[WarrantyRow]:
    """Managed devices of ``integrations`` (the bound tenant's) whose warranty ends from now to
    ``days`` ahead, soonest first (then in the order of ``integrations``); ``client_id`` narrows to
    one client (the caller checks it is one of the tenant's)."""
    now = now or utcnow()
    order = {row.id: position for position, row in enumerate(integrations)}
    rows = [
        row for integration in integrations for row in _ending(session, integration, days, client_id, now)
    ]
    return sorted(rows, key=lambda row: (row.end, order[row.integration_id], row.device_id))


def _ending(
    session: Session, integration: Integration, days: int, client_id: str | None, now: datetime
) -> Iterator[WarrantyRow]:
    """:func:`ending_within` of one instance (:func:`managed_devices` is per instance)."""
    query = managed_devices(
        select(
            OrganizationMapping.host_client_id,
            Device.device_id,
            Device.name,
            Device.host_asset_type,
            Device.asset_type,
            Device.warranty_start,
            Device.warranty_end,
            Device.warranty_fulfillment,
        ),
        integration,
    ).where(Device.warranty_end >= now, Device.warranty_end <= now + timedelta(days=days))
    if client_id is not None:
        query = query.where(OrganizationMapping.host_client_id == client_id)
    for row in session.execute(query):
        yield WarrantyRow(
            integration_id=integration.id,
            client_id=row.host_client_id,
            device_id=row.device_id,
            name=row.name,
            asset_type=row.host_asset_type or row.asset_type,
            start=row.warranty_start,
            end=row.warranty_end,
            fulfillment=row.warranty_fulfillment,
            days_left=(row.warranty_end - now).days,
        )


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def csv_header(instances: Mapping[int, str] | None = None) -> list[str]:
    """:data:`CSV_HEADER`, after an Instance column when the rows come from several instances."""
    return instance_header(CSV_HEADER, instances)


def csv_rows(
    rows: list[WarrantyRow], clients: Mapping[str, str], instances: Mapping[int, str] | None = None
) -> Iterator[list[str | int]]:
    """The rows of :func:`csv_header` (``instances``: id → name, for the Instance column of a tenant
    with several); dates as ISO days (UTC)."""
    for row in rows:
        yield [
            *instance_cells(instances, row.integration_id),
            clients.get(row.client_id, row.client_id),
            row.client_id,
            row.name,
            row.device_id,
            row.asset_type or "",
            _day(row.start),
            _day(row.end),
            _day(row.fulfillment),
            row.days_left,
        ]
