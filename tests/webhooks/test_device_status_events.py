"""Device events for status changes and moves: the re-read applies them as a sync would."""

from __future__ import annotations

from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import Device
from sample_host.database import db
from sample_host.models import Asset
from tests.support.webhook_deliveries import _delivery, _synced_device_id, activity, post


def _state(device_id: int) -> tuple[Asset, Device]:
    db.session.expire_all()
    asset = db.session.scalars(select(Asset).where(Asset.external_id == str(device_id))).one()
    return asset, db.session.scalars(select(Device).where(Device.device_id == device_id)).one()


def test_node_updated_for_a_device_moved_into_an_unmapped_organization_holds_its_asset(app, connected, fake):
    tenant, _, path = connected
    device_id = _synced_device_id(tenant)
    organization = fake.state.add_organization("Not Mapped Yet")
    fake.state.add_location(organization["id"], "HQ")
    fake.state.move_device(device_id, organization["id"])
    body = activity(5101, activityType="SYSTEM", statusCode="NODE_UPDATED", deviceId=device_id)
    assert post(app.test_client(), path, body).status_code == 202
    assert _delivery(5101).status == "done"
    with tenant_scope(tenant.id):
        asset, row = _state(device_id)
    reason = f"Held back: NinjaOne organization {organization['id']} is not mapped to a client"
    assert (asset.status, asset.inactive_reason) == ("inactive", reason)
    assert (row.organization_id, row.held_reason, row.retired) == (organization["id"], reason, False)


def test_node_updated_for_a_device_back_to_pending_holds_its_asset(app, connected, fake):
    tenant, _, path = connected
    device_id = _synced_device_id(tenant)
    fake.state.set_approval_status(device_id, "PENDING")
    body = activity(5102, activityType="SYSTEM", statusCode="NODE_UPDATED", deviceId=device_id)
    assert post(app.test_client(), path, body).status_code == 202
    assert _delivery(5102).status == "done"
    with tenant_scope(tenant.id):
        asset, row = _state(device_id)
    assert (asset.status, asset.inactive_reason) == (
        "inactive",
        "Held back: awaiting approval in NinjaOne (PENDING)",
    )
    assert (row.approval_status, row.held_reason, row.retired) == ("PENDING", asset.inactive_reason, False)
