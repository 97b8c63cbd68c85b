"""The same machine in two instances (issue 22): a device of "beta" made with the serial of an asset
"alpha"'s device feeds, for the adoption question tests and the pages of an asset both feed."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from flask_ninjaone.models import Device, Integration
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from tests.support.connection_flow import tenant_db


def same_serial_in_beta(app: Flask, beta: FakeNinjaOne) -> tuple[dict[str, Any], Device]:
    """A new device in beta carrying the serial of one of alpha's linked devices, and that device."""
    with tenant_db(app) as session:
        alpha = session.scalars(select(Integration.id).where(Integration.name == "alpha")).one()
        alpha_device = session.scalars(
            select(Device)
            .where(
                Device.integration_id == alpha,
                Device.serial_number.is_not(None),
                Device.host_asset_id.is_not(None),
                Device.retired.is_(False),
            )
            .order_by(Device.device_id)
        ).first()
        assert alpha_device is not None
        session.expunge_all()
    serial = alpha_device.serial_number
    created = beta.state.create_device(
        1,
        fields={"approvalStatus": "APPROVED", "system": {"serialNumber": serial, "biosSerialNumber": serial}},
    )
    return created, alpha_device
