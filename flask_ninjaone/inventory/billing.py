"""Billing counts: managed devices per client by asset type and role, today and at each month end.

The rule (stated on the page, in ``flask ninjaone billing`` and in the user guide): a device counts when
its NinjaOne organization is mapped to the client and its asset is active — devices whose asset is
retired (deleted, decommissioned, gone from NinjaOne) or held back (awaiting approval, organization
not mapped) are left out. The asset type is the host type the device-type table gave, else the
extension's own; the role is NinjaOne's ``nodeRoleId``.

Month ends are kept as :class:`~..models.BillingSnapshot` rows, taken by the first scheduler tick
after the month ended (so "at month end" means "as the first tick of the next month saw it") and never
retaken: the numbers a client was billed on do not move when devices change later.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import BillingSnapshot, Device, Integration, OrganizationMapping
from ..models.base import utcnow
from ..organizations.device_types import node_roles
from .export import instance_cells, instance_header
from .managed_devices import managed_devices

#: One line of the counts: (client id, asset type, role id; 0 when the device has no role).
Key = tuple[str, str, int]

RULE = (
    "Counted: devices of organizations mapped to the client whose asset is active. "
    "Retired devices (deleted, decommissioned or gone from NinjaOne) and held devices (awaiting "
    "approval, organization not mapped) are not counted."
)
CSV_HEADER = ["Client", "Client id", "Asset type", "Role", "Role id", "Devices", "Last month", "Change"]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class BadMonth(ValueError):
    """A month that is not ``YYYY-MM``, or lies in the future."""


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def previous_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def parse_month(raw: str | None, now: datetime | None = None) -> str | None:
    """``None`` (today's counts) for no month or the current one; an ended month as ``YYYY-MM``.
    Raises :class:`BadMonth` for anything else (malformed, month 00 or 13, a month to come)."""
    if raw is None or raw.strip() == "":
        return None
    match = _MONTH.match(raw.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise BadMonth("The month must be written YYYY-MM, for example 2026-11.")
    month = match.group(0)
    current = month_of(now or utcnow())
    if month > current:
        raise BadMonth(f"{month} has not come yet: ask for {current} (today) or an earlier month.")
    return None if month == current else month


def live_counts(session: Session, integration: Integration) -> dict[Key, int]:
    """Today's managed devices of the bound tenant, by :data:`Key` (the rule in :data:`RULE`)."""
    asset_type = func.coalesce(Device.host_asset_type, Device.asset_type, "")
    query = managed_devices(
        select(OrganizationMapping.host_client_id, asset_type, Device.node_role_id, func.count()),
        integration,
    ).group_by(OrganizationMapping.host_client_id, asset_type, Device.node_role_id)
    counts: dict[Key, int] = defaultdict(int)
    for client_id, kind, role_id, devices in session.execute(query):
        counts[(client_id or "", kind, role_id or 0)] += devices
    return dict(counts)


def snapshot_counts(session: Session, integration: Integration, month: str) -> dict[Key, int] | None:
    """The counts kept for the end of ``month``; ``None`` when that month was never taken."""
    rows = session.execute(
        select(BillingSnapshot.host_client_id, BillingSnapshot.asset_type, BillingSnapshot.role_id,
               BillingSnapshot.devices)
        .where(BillingSnapshot.integration_id == integration.id, BillingSnapshot.month == month)
    ).all()  # fmt: skip
    if not rows and month != integration.billing_month:
        return None  # an empty month is known only when it is the last one taken
    return {(client_id, kind, role_id): devices for client_id, kind, role_id, devices in rows}


def snapshot_due(integration: Integration, now: datetime) -> str | None:
    """The ended month still to be taken for this integration, if any (only the one just ended:
    a month cannot be counted after the fact)."""
    ended = previous_month(month_of(now))
    return None if integration.billing_month == ended else ended


def take_snapshot(session: Session, integration: Integration, month: str) -> int:
    """Keep today's counts as the end of ``month`` unless that month is taken already. Commits.
    Returns the rows written (0 when it was taken: a second tick, a retried job)."""
    if integration.billing_month is not None and integration.billing_month >= month:
        return 0
    counts = live_counts(session, integration)
    session.add_all(
        BillingSnapshot(integration_id=integration.id, month=month, host_client_id=client_id,
                        asset_type=kind, role_id=role_id, devices=devices)
        for (client_id, kind, role_id), devices in counts.items()
    )  # fmt: skip
    integration.billing_month = month
    session.commit()
    return len(counts)


@dataclass(frozen=True)
class Line:
    #: The instance the devices are in: each instance counts (and keeps month ends of) its own.
    integration_id: int
    client_id: str
    asset_type: str
    role_id: int
    devices: int
    previous: int | None  # None: no snapshot of the month before to compare with

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.devices - self.previous


@dataclass(frozen=True)
class Report:
    """The counts of ``month`` (``None``: today) beside the month end before it, of one instance or
    of several (:func:`fleet_report`: their lines side by side, each its instance's)."""

    month: str | None
    compared_to: str
    lines: list[Line] = field(default_factory=list)
    #: False when ``month`` is an ended month that was never taken (nothing to show).
    available: bool = True
    compared: bool = True
    #: The instances read that kept no snapshot of the ended ``month`` (ids): their devices are in no
    #: line, which the page must say rather than show a smaller total as if it were the fleet's.
    missing: tuple[int, ...] = ()

    def totals(self) -> dict[str, tuple[int, int | None]]:
        """Per client: (devices, change since last month or ``None``)."""
        found: dict[str, tuple[int, int | None]] = {}
        for line in self.lines:
            devices, change = found.get(line.client_id, (0, 0))
            line_change = line.change
            found[line.client_id] = (
                devices + line.devices,
                None if change is None or line_change is None else change + line_change,
            )
        return found


def report(
    session: Session, integration: Integration, month: str | None, *, client_id: str | None = None,
    now: datetime | None = None,
) -> Report:  # fmt: skip
    """The counts of ``month`` (a :func:`parse_month` result) by client, type and role, each with its
    change since the previous month end; ``client_id`` narrows to one client (checked by the caller)."""
    compared_to = previous_month(month or month_of(now or utcnow()))
    current = (
        live_counts(session, integration) if month is None else snapshot_counts(session, integration, month)
    )
    if current is None:
        return Report(month, compared_to, available=False)
    before = snapshot_counts(session, integration, compared_to)
    keys = set(current) | set(before or {})
    lines = [
        Line(
            integration.id,
            key[0],
            key[1],
            key[2],
            current.get(key, 0),
            None if before is None else before.get(key, 0),
        )  # fmt: skip
        for key in sorted(keys)
        if client_id is None or key[0] == client_id
    ]
    return Report(month, compared_to, lines, compared=before is not None)


def fleet_report(
    session: Session, integrations: Sequence[Integration], month: str | None, *, client_id: str | None = None,
    now: datetime | None = None,
) -> Report:  # fmt: skip
    """:func:`report` of each of ``integrations``, their lines together (by client, type, role, then
    instance): a device counts in its own instance, so a device id two instances share counts twice
    (two machines), and a client's total is the sum over the instances. An ended month is available
    when any instance kept it (:attr:`Report.missing` names the others); the change is shown per line,
    where its instance kept the month before."""
    compared_to = previous_month(month or month_of(now or utcnow()))
    parts = [report(session, row, month, client_id=client_id, now=now) for row in integrations]
    kept = [part for part in parts if part.available]
    if not kept:
        return Report(month, compared_to, available=False)
    order = {row.id: position for position, row in enumerate(integrations)}
    lines = sorted(
        (line for part in kept for line in part.lines),
        key=lambda line: (line.client_id, line.asset_type, line.role_id, order[line.integration_id]),
    )
    missing = tuple(row.id for row, part in zip(integrations, parts, strict=True) if not part.available)
    return Report(month, compared_to, lines, compared=any(part.compared for part in kept), missing=missing)


def role_names(integrations: Sequence[Integration]) -> dict[tuple[int, int], str]:
    """(instance id, role id) → role name: each instance numbers its node roles on its own."""
    return {
        (row.id, role_id): name for row in integrations for role_id, name in node_roles(row).names().items()
    }


def csv_header(instances: Mapping[int, str] | None = None) -> list[str]:
    """:data:`CSV_HEADER`, after an Instance column when the rows come from several instances."""
    return instance_header(CSV_HEADER, instances)


def csv_rows(
    data: Report,
    clients: Mapping[str, str],
    roles: Mapping[tuple[int, int], str],
    instances: Mapping[int, str] | None = None,
) -> Iterator[list[str | int]]:
    """The rows of :func:`csv_header` (``instances``: id → name, for the Instance column of a tenant
    with several); an empty change where there is no month end to compare with."""
    for line in data.lines:
        change = line.change
        yield [
            *instance_cells(instances, line.integration_id),
            clients.get(line.client_id, line.client_id),
            line.client_id,
            line.asset_type,
            roles.get((line.integration_id, line.role_id), "") if line.role_id else "",
            line.role_id or "",
            line.devices,
            "" if line.previous is None else line.previous,
            "" if change is None else change,
        ]
