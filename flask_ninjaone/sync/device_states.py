"""Where each mirrored device stands: its asset active, held back (and why) or retired (and why).

Operators need this from outside (``flask ninjaone devices``): a device NinjaOne still has may be kept
off the host's active assets on purpose — awaiting approval, or moved into an unmapped organization —
and that must be told apart from a device that is gone.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..models import Device, OrganizationMapping
from .engine import APPROVAL_STATUSES

#: The states an asset of a mirrored device can be in.
ASSET_STATES = ("active", "held", "retired")


def asset_state(row: Any) -> tuple[str, str | None]:
    """``(state, reason)`` of one mirror row (anything with ``retired`` and the two reasons)."""
    if row.retired:
        return "retired", row.retired_reason
    if row.held_reason:
        return "held", row.held_reason
    return "active", None


def device_rows(
    session: Session, *, states: Collection[str] = (), approval: Collection[str] = ()
) -> list[dict[str, Any]]:
    """Every mirrored device of the bound tenant, by NinjaOne id; empty filters mean "all"."""
    unknown = (set(states) - set(ASSET_STATES)) | (set(approval) - set(APPROVAL_STATUSES))
    if unknown:
        raise ValueError(f"unknown state(s) {sorted(unknown)}")
    query = select(
        Device.device_id,
        Device.name,
        Device.organization_id,
        OrganizationMapping.name.label("organization"),
        Device.approval_status,
        Device.host_asset_id,
        Device.retired,
        Device.retired_reason,
        Device.held_reason,
    ).outerjoin(
        OrganizationMapping,
        and_(
            OrganizationMapping.integration_id == Device.integration_id,
            OrganizationMapping.organization_id == Device.organization_id,
        ),
    )
    if approval:
        query = query.where(Device.approval_status.in_(sorted(approval)))
    rows = []
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
                "approval_status": row.approval_status,
                "asset_id": row.host_asset_id,
                "asset_state": state,
                "reason": reason,
            }
        )
    return rows
