"""The live NinjaOne devices behind host assets: what the asset pages' buttons act on. A retired
device (gone from NinjaOne, or of a retired integration) is behind no asset any more."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Device, Integration


def device_for_asset(session: Session, integration: Integration, host_asset_id: str) -> Device | None:
    """The integration's live device mirrored to host asset ``host_asset_id`` (``None``: not managed)."""
    return session.scalars(
        select(Device).where(
            Device.integration_id == integration.id,
            Device.host_asset_id == host_asset_id,
            Device.retired.is_(False),
        )
    ).first()


def devices_for_assets(
    session: Session, integration: Integration, host_asset_ids: Collection[str]
) -> list[Device]:
    """The integration's live devices mirrored to any of ``host_asset_ids`` (an asset without one is
    left out)."""
    if not host_asset_ids:
        return []
    return list(
        session.scalars(
            select(Device).where(
                Device.integration_id == integration.id,
                Device.host_asset_id.in_(host_asset_ids),
                Device.retired.is_(False),
            )
        )
    )
