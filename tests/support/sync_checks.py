"""What the sync tests compare: the fake's devices and the host's NinjaOne assets."""

from __future__ import annotations

from sqlalchemy import select

from sample_host.database import db
from sample_host.models import Asset


def fake_devices(fake, *, statuses=("APPROVED",)) -> list[dict]:
    """The fake's devices of these approval statuses, straight from its state."""
    return [d for d in fake.state.devices_page(None, 100000) if d.get("approvalStatus") in statuses]


def ninja_assets(tenant_id: str, status: str = "active") -> list[Asset]:
    """The tenant's NinjaOne assets in the sample host with this status."""
    return list(
        db.session.scalars(
            select(Asset).where(
                Asset.tenant_id == int(tenant_id), Asset.external_source == "ninjaone", Asset.status == status
            )
        )
    )
