""" "Sync selected" re-reads the chosen devices in every approval status, so a status change applies."""

from __future__ import annotations

from sqlalchemy import select

from flask_ninjaone.inventory.device_refresh import refresh_devices
from flask_ninjaone.models import Device
from sample_host.database import db
from sample_host.models import Asset


def test_sync_selected_holds_a_device_that_went_back_to_pending(acme):
    device = acme.devices()[0]
    acme.fake.state.set_approval_status(device.device_id, "PENDING")
    with acme.scope():
        result = refresh_devices(acme.integration_id, [device.device_id])
        assert result.ok, result.message
        db.session.expire_all()
        row = db.session.scalars(select(Device).where(Device.device_id == device.device_id)).one()
        asset = db.session.get(Asset, int(device.host_asset_id))
        assert (asset.status, asset.inactive_reason) == (
            "inactive",
            "Held back: awaiting approval in NinjaOne (PENDING)",
        )
        assert (row.approval_status, row.held_reason) == ("PENDING", asset.inactive_reason)
