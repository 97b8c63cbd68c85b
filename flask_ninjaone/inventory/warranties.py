"""Warranties ending soon, per client: the list a lifecycle review starts from.

Reads the warranty dates the sync keeps on the device mirror (NinjaOne's ``references.warranty``), so
the view and its CSV cost no NinjaOne request. Devices whose asset is retired or held back are left
out: they are not the client's working fleet.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Device, Integration, OrganizationMapping
from ..models.base import utcnow
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
    integration: Integration,
    days: int,
    *,
    client_id: str | None = None,
    now: datetime | None = None,
) -> list[WarrantyRow]:
    """Managed devices of the bound tenant whose warranty ends from now to ``days`` ahead, soonest
    first; ``client_id`` narrows to one client (the caller checks it is one of the tenant's)."""
    now = now or utcnow()
    query = (
        managed_devices(
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
        )
        .where(Device.warranty_end >= now, Device.warranty_end <= now + timedelta(days=days))
        .order_by(Device.warranty_end, Device.device_id)
    )
    if client_id is not None:
        query = query.where(OrganizationMapping.host_client_id == client_id)
    return [
        WarrantyRow(
            client_id=row.host_client_id,
            device_id=row.device_id,
            name=row.name,
            asset_type=row.host_asset_type or row.asset_type,
            start=row.warranty_start,
            end=row.warranty_end,
            fulfillment=row.warranty_fulfillment,
            days_left=(row.warranty_end - now).days,
        )
        for row in session.execute(query)
    ]


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def csv_rows(rows: list[WarrantyRow], clients: Mapping[str, str]) -> Iterator[list[str | int]]:
    """The rows of :data:`CSV_HEADER`; dates as ISO days (UTC)."""
    for row in rows:
        yield [
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
