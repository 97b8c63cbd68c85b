"""Where each mirrored device stands: its asset active, held back (and why) or retired (and why).

Operators need this from outside (``flask ninjaone devices``): a device NinjaOne still has may be kept
off the host's active assets on purpose — awaiting approval, or moved into an unmapped organization —
and that must be told apart from a device that is gone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..host import SiteRef
from ..inventory.field_map import mapped_attributes
from ..inventory.managed_devices import organization_of_device
from ..models import Device, DeviceAttributes, Integration, OrganizationMapping
from ..state import get_state
from ..tenancy import require_tenant_id

#: Every approval status NinjaOne has. A device list without a ``status`` clause shows APPROVED
#: devices only, so a re-read by id names them all: otherwise a device that left APPROVED vanishes.
APPROVAL_STATUSES = ("APPROVED", "PENDING", "STAGED", "DECOMMISSIONED")
#: Approval states of devices not (yet) approved; synced only when the integration says so.
AWAITING_APPROVAL = frozenset({"PENDING", "STAGED"})
#: The states an asset of a mirrored device can be in.
ASSET_STATES = ("active", "held", "retired")
#: Why an asset was retired, as told to the host and kept on the mirror row.
DELETED = "Device deleted in NinjaOne"
DECOMMISSIONED = "Device decommissioned in NinjaOne"
NO_LONGER_PRESENT = "Device no longer present in NinjaOne"


def status_filter(statuses: Iterable[str]) -> str:
    """The ``df`` clause selecting devices of these approval statuses (lists default to APPROVED)."""
    return "status in (" + ",".join(statuses) + ")"


def walked_statuses(integration: Integration) -> tuple[str, ...]:
    """What a full walk lists: APPROVED devices, and PENDING/STAGED ones when the integration syncs
    them. Linked devices that left these statuses are found by re-reading them by id."""
    if integration.sync_pending_devices:
        return ("APPROVED", *sorted(AWAITING_APPROVAL))
    return ("APPROVED",)


def hold_reason(status: str | None, organization_id: Any, unmapped: bool) -> str:
    """Why a device NinjaOne still has is held back (told to the host, shown by the CLI)."""
    if unmapped:
        return f"Held back: NinjaOne organization {organization_id} is not mapped to a client"
    suffix = "" if status is None else f" ({status})"
    return f"Held back: awaiting approval in NinjaOne{suffix}"


def asset_state(row: Any) -> tuple[str, str | None]:
    """``(state, reason)`` of one mirror row (anything with ``retired`` and the two reasons)."""
    if row.retired:
        return "retired", row.retired_reason
    if row.held_reason:
        return "held", row.held_reason
    return "active", None


def device_rows(
    session: Session,
    integration_id: int,
    *,
    states: Collection[str] = (),
    approval: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Every mirrored device of one of the bound tenant's instances, by NinjaOne id (ids are the
    instance's own: two instances both have a device 5); empty filters mean "all".

    Each row carries the warranty dates, the last logged-on user, its linked contact and the mapped
    custom fields as host attribute values (``{attribute: value}``; dates ISO, dropdowns the option's
    name)."""
    unknown = (set(states) - set(ASSET_STATES)) | (set(approval) - set(APPROVAL_STATUSES))
    if unknown:
        raise ValueError(f"unknown state(s) {sorted(unknown)}")
    query = (
        select(
            Device.device_id,
            Device.name,
            Device.organization_id,
            OrganizationMapping.name.label("organization"),
            OrganizationMapping.host_client_id,
            OrganizationMapping.locations,
            Device.location_id,
            Device.site_id,
            Device.node_class,
            Device.node_role_id,
            Device.asset_type,
            Device.host_asset_type,
            Device.approval_status,
            Device.host_asset_id,
            Device.retired,
            Device.retired_reason,
            Device.held_reason,
            Device.warranty_start,
            Device.warranty_end,
            Device.warranty_fulfillment,
            Device.integration_id,
            DeviceAttributes.values,
            DeviceAttributes.logon_user,
            DeviceAttributes.contact_id,
            DeviceAttributes.contact_name,
        )
        .outerjoin(OrganizationMapping, organization_of_device())
        .outerjoin(
            DeviceAttributes,
            and_(
                DeviceAttributes.integration_id == Device.integration_id,
                DeviceAttributes.device_id == Device.device_id,
            ),
        )
    )
    query = query.where(Device.integration_id == integration_id)
    if approval:
        query = query.where(Device.approval_status.in_(sorted(approval)))
    rows = []
    attributes = mapped_attributes(session)
    sites = SiteNames()
    for row in session.execute(query.order_by(Device.device_id)):
        state, reason = asset_state(row)
        if states and state not in states:
            continue
        rows.append(
            {
                "device_id": row.device_id,
                "name": row.name,
                "organization_id": row.organization_id,
                "organization": row.organization,
                "location_id": row.location_id,
                "location": _location_name(row.locations, row.location_id),
                "site_id": row.site_id,
                "site": sites.name(row.host_client_id, row.site_id),
                "node_class": row.node_class,
                "node_role_id": row.node_role_id,
                "asset_type": row.host_asset_type or row.asset_type,
                "approval_status": row.approval_status,
                "asset_id": row.host_asset_id,
                "asset_state": state,
                "reason": reason,
                "last_user": row.logon_user,
                "contact": {"id": row.contact_id, "name": row.contact_name} if row.contact_id else None,
                "custom_attributes": attributes(row.integration_id, row.values or {}),
                "warranty": _warranty(row),
            }
        )
    return rows


def _warranty(row: Any) -> dict[str, str | None] | None:
    """NinjaOne's warranty dates as ISO days (UTC); ``None`` when it knows none."""
    dates = {
        "start": row.warranty_start,
        "end": row.warranty_end,
        "fulfillment": row.warranty_fulfillment,
    }
    if not any(dates.values()):
        return None
    return {name: value.date().isoformat() if value else None for name, value in dates.items()}


def _location_name(locations: Any, location_id: int | None) -> str | None:
    for location in locations or ():
        if isinstance(location, dict) and location.get("id") == location_id:
            return str(location.get("name") or "") or None
    return None


class SiteNames:
    """Site names of the devices listed, asking the host once per client that has a site in the list
    (``None`` where the host no longer lists the site, or has no sites)."""

    def __init__(self) -> None:
        self._by_client: dict[str, dict[str, str]] = {}

    def name(self, client_id: str | None, site_id: str | None) -> str | None:
        if not client_id or not site_id:
            return None
        if client_id not in self._by_client:
            listed = get_state().host.list_sites(require_tenant_id(), client_id) or []
            self._by_client[client_id] = {site.id: site.name for site in listed if isinstance(site, SiteRef)}
        return self._by_client[client_id].get(site_id)
