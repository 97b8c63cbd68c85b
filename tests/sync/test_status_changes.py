"""Approval-status changes, pending devices and moves between organizations, through the real sync
against the fake NinjaOne over HTTP (which lists APPROVED devices only unless ``df`` names a status)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from flask_ninjaone import system_scope
from flask_ninjaone.models import Device, Integration, SyncRun
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.tasks.sync import schedule_tick
from sample_host.database import db
from sample_host.models import Asset
from tests.support.sync_checks import fake_devices, ninja_assets


def _asset(device_id: int) -> Asset:
    db.session.expire_all()
    return db.session.scalars(select(Asset).where(Asset.external_id == str(device_id))).one()


def _mirror(device_id: int) -> Device:
    db.session.expire_all()
    return db.session.scalars(select(Device).where(Device.device_id == device_id)).one()


def _warranty(device: Device) -> dict[str, str | None] | None:
    """The devices --json warranty of a mirror row: its dates as ISO days, or None without a warranty."""
    dates = (device.warranty_start, device.warranty_end, device.warranty_fulfillment)
    if not any(dates):
        return None
    days = [d.date().isoformat() if d else None for d in dates]
    return dict(zip(("start", "end", "fulfillment"), days, strict=True))


def _synced(integration_id: int, kind: str) -> SyncRun:
    run = run_sync(integration_id, kind=kind, trigger="manual")
    assert run.state == "succeeded", run.error
    assert run.kind == kind  # an incremental run that fell back to a full walk proves nothing here
    return run


def _integration() -> Integration:
    db.session.expire_all()
    return db.session.scalars(select(Integration)).one()


# -- item 2: the incremental re-read sees approval-status changes ---------------------------------------


def test_incremental_sync_holds_a_device_that_went_back_to_pending_and_releases_it_on_approval(acme, fake):
    tenant, integration_id = acme
    device_id = fake_devices(fake)[5]["id"]
    _synced(integration_id, "full")
    fake.state.set_approval_status(device_id, "PENDING")  # NODE_UPDATED in the activity feed

    run = _synced(integration_id, "incremental")
    asset, row = _asset(device_id), _mirror(device_id)
    assert asset.status == "inactive" and "awaiting approval" in asset.inactive_reason
    assert run.counts["held"] == 1
    assert (row.approval_status, row.retired) == ("PENDING", False)
    assert row.held_reason == asset.inactive_reason and row.host_asset_id == str(asset.id)

    _synced(integration_id, "full")  # a complete walk keeps it held (not "no longer present")
    assert _mirror(device_id).held_reason and not _mirror(device_id).retired

    fake.state.set_approval_status(device_id, "APPROVED")  # NODE_MANUALLY_APPROVED
    _synced(integration_id, "incremental")
    asset, row = _asset(device_id), _mirror(device_id)
    assert (asset.status, asset.inactive_reason) == ("active", None)
    assert (row.approval_status, row.held_reason, row.retired) == ("APPROVED", None, False)


def test_incremental_sync_retires_a_mentioned_device_ninjaone_no_longer_returns(acme, fake):
    """Changed, then gone without a NODE_DELETED in the feed: retired, not silently kept active."""
    tenant, integration_id = acme
    device_id = fake_devices(fake)[3]["id"]
    _synced(integration_id, "full")
    fake.state.update_device(device_id, {"displayName": "about-to-vanish"})  # NODE_UPDATED
    assert fake.state.delete_device(device_id, unlogged=True) is None
    run = _synced(integration_id, "incremental")
    asset, row = _asset(device_id), _mirror(device_id)
    assert (asset.status, asset.inactive_reason) == ("inactive", "Device no longer present in NinjaOne")
    assert row.retired and row.retired_reason == "Device no longer present in NinjaOne"
    assert run.counts["retired"] == 1


def test_incremental_sync_retires_a_decommissioned_device_as_decommissioned(acme, fake):
    tenant, integration_id = acme
    device_id = fake_devices(fake)[6]["id"]
    _synced(integration_id, "full")
    fake.state.set_approval_status(device_id, "DECOMMISSIONED")
    run = _synced(integration_id, "incremental")
    assert run.counts["retired"] == 1
    asset, row = _asset(device_id), _mirror(device_id)
    assert (asset.status, asset.inactive_reason) == ("inactive", "Device decommissioned in NinjaOne")
    assert row.retired and row.retired_reason == "Device decommissioned in NinjaOne"


def test_the_schedule_runs_a_complete_walk_once_the_last_one_is_older_than_its_interval(acme, fake, app):
    tenant, integration_id = acme
    _synced(integration_id, "full")
    assert _integration().last_full_sync_at is not None

    def tick_and_last_run() -> SyncRun:
        integration = _integration()
        integration.last_sync_at = utcnow() - timedelta(hours=2)  # the hourly sync is due
        db.session.commit()
        with system_scope():
            assert schedule_tick() == [integration_id]
        db.session.expire_all()
        syncs = select(SyncRun).where(SyncRun.kind != "inventory")  # a full walk queues an inventory run
        return db.session.scalars(syncs.order_by(SyncRun.id.desc())).first()

    assert tick_and_last_run().kind == "incremental"  # the full walk ran just now
    integration = _integration()
    integration.last_full_sync_at = utcnow() - timedelta(
        hours=app.config["NINJAONE_FULL_SYNC_INTERVAL_HOURS"] + 1
    )
    db.session.commit()
    scheduled = tick_and_last_run()
    assert (scheduled.kind, scheduled.trigger, scheduled.state) == ("full", "schedule", "succeeded")
    assert utcnow() - _integration().last_full_sync_at < timedelta(minutes=5)
    assert tick_and_last_run().kind == "incremental"


# -- item 3: "sync pending devices" lists them and creates their assets held ----------------------------


def test_sync_pending_devices_creates_held_assets_for_pending_and_staged_devices(acme, fake):
    tenant, integration_id = acme
    integration = _integration()
    integration.sync_pending_devices = True
    db.session.commit()
    fake.state.set_approval_status(fake_devices(fake)[4]["id"], "STAGED")  # the seeded fleet has none
    awaiting = {d["id"]: d["approvalStatus"] for d in fake_devices(fake, statuses=("PENDING", "STAGED"))}
    assert "PENDING" in awaiting.values() and "STAGED" in awaiting.values()

    run = _synced(integration_id, "full")
    assert {int(a.external_id) for a in ninja_assets(tenant.id, "inactive")} == set(awaiting)
    assert run.counts["held"] == len(awaiting)
    for device_id, status in awaiting.items():
        asset, row = _asset(device_id), _mirror(device_id)
        assert (
            asset.status == "inactive"
            and asset.inactive_reason == f"Held back: awaiting approval in NinjaOne ({status})"
        )
        assert row.held_reason == asset.inactive_reason and not row.retired
    approved = {d["id"] for d in fake_devices(fake)}
    assert {int(a.external_id) for a in ninja_assets(tenant.id)} == approved

    again = _synced(integration_id, "full")
    assert (again.counts["held"], again.counts["created"], again.counts["updated"]) == (0, 0, 0)
    pending = next(i for i, status in awaiting.items() if status == "PENDING")
    fake.state.approve_device(pending)
    _synced(integration_id, "incremental")
    assert _asset(pending).status == "active" and _mirror(pending).held_reason is None


# -- item 4: a device moved into an unmapped organization is held back, never "deleted" ----------------


def _unmapped_organization(fake) -> int:
    organization = fake.state.add_organization("Newly Acquired Ltd")
    fake.state.add_location(organization["id"], "Main office")
    return organization["id"]


def test_a_device_moved_into_an_unmapped_organization_is_held_back_by_incremental_and_full_syncs(acme, fake):
    tenant, integration_id = acme
    device_id = fake_devices(fake)[7]["id"]
    _synced(integration_id, "full")
    old_client = _asset(device_id).client_id
    new_org = _unmapped_organization(fake)
    _synced(integration_id, "full")  # learns the new organization: unmapped
    fake.state.move_device(device_id, new_org)

    run = _synced(integration_id, "incremental")
    reason = f"Held back: NinjaOne organization {new_org} is not mapped to a client"
    asset, row = _asset(device_id), _mirror(device_id)
    assert (asset.status, asset.inactive_reason) == ("inactive", reason)
    assert run.counts["held"] == 1
    assert (row.organization_id, row.held_reason, row.retired) == (new_org, reason, False)

    full = _synced(integration_id, "full")
    assert full.counts["retired"] == 0
    asset, row = _asset(device_id), _mirror(device_id)
    assert (asset.inactive_reason, row.held_reason, row.retired) == (reason, reason, False)

    client = mapping.map_organization(db.session, _integration(), new_org, str(old_client), auto_sync=True)
    assert client.host_client_id == str(old_client)
    _synced(integration_id, "full")
    asset, row = _asset(device_id), _mirror(device_id)
    assert (asset.status, asset.inactive_reason, row.held_reason) == ("active", None, None)


def test_a_full_sync_holds_back_a_moved_device_instead_of_retiring_it_as_gone(acme, fake):
    tenant, integration_id = acme
    device_id = fake_devices(fake)[8]["id"]
    _synced(integration_id, "full")
    new_org = _unmapped_organization(fake)
    fake.state.move_device(device_id, new_org)

    run = _synced(integration_id, "full")
    asset, row = _asset(device_id), _mirror(device_id)
    assert asset.status == "inactive" and "not mapped" in asset.inactive_reason
    assert "no longer present" not in asset.inactive_reason
    assert (run.counts["retired"], run.counts["held"]) == (0, 1)
    assert (row.organization_id, row.retired) == (new_org, False)


def test_a_device_gone_from_ninjaone_is_still_retired_as_no_longer_present(acme, fake):
    """The re-read of unlisted devices keeps the old behaviour for devices NinjaOne no longer has."""
    tenant, integration_id = acme
    device_id = fake_devices(fake)[9]["id"]
    _synced(integration_id, "full")
    fake.state.set_approval_status(device_id, "PENDING")
    _synced(integration_id, "full")
    assert _mirror(device_id).held_reason
    fake.state.delete_device(device_id)
    _synced(integration_id, "full")
    row = _mirror(device_id)
    assert (
        row.retired
        and row.retired_reason == "Device no longer present in NinjaOne"
        and row.held_reason is None
    )
    assert _asset(device_id).inactive_reason == "Device no longer present in NinjaOne"


# -- operator surface: flask ninjaone devices ----------------------------------------------------------


def test_cli_devices_lists_every_mirrored_device_with_its_asset_state(acme, fake, app):
    tenant, integration_id = acme
    held, retired, active = (d["id"] for d in fake_devices(fake)[10:13])
    _synced(integration_id, "full")
    fake.state.set_approval_status(held, "STAGED")
    fake.state.delete_device(retired)
    _synced(integration_id, "incremental")
    cli = app.test_cli_runner()

    listed = cli.invoke(args=["ninjaone", "devices", "--tenant", "acme", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {row["device_id"]: row for row in json.loads(listed.output)}
    assert set(rows) == {d["id"] for d in fake_devices(fake)} | {held, retired}
    assert rows[held] | {"asset_id": None} == {
        "device_id": held,
        "name": _mirror(held).name,
        "organization_id": _mirror(held).organization_id,
        "organization": rows[held]["organization"],
        "location_id": _mirror(held).location_id,
        "location": rows[held]["location"],
        "site_id": None,
        "site": None,
        "node_class": _mirror(held).node_class,
        "node_role_id": _mirror(held).node_role_id,
        "asset_type": _mirror(held).asset_type,
        "approval_status": "STAGED",
        "asset_id": None,
        "asset_state": "held",
        "reason": "Held back: awaiting approval in NinjaOne (STAGED)",
        "last_user": None,  # no logon walk: the tenant does not link contacts
        "contact": None,
        "custom_attributes": {},
        "warranty": _warranty(_mirror(held)),
    }
    assert rows[held]["asset_id"] == str(_asset(held).id) and rows[held]["organization"]
    assert (rows[retired]["asset_state"], rows[retired]["reason"]) == (
        "retired",
        "Device deleted in NinjaOne",
    )
    assert (rows[active]["asset_state"], rows[active]["reason"]) == ("active", None)

    only = cli.invoke(
        args=["ninjaone", "devices", "--tenant", "acme", "--status", "held", "--status", "retired"]
    )
    assert only.exit_code == 0, only.output
    lines = only.output.splitlines()
    assert lines[0].split() == ["ID", "NAME", "ORGANIZATION", "APPROVAL", "ASSET", "STATE"]
    assert [line.split()[0] for line in lines[1:]] == [str(i) for i in sorted((held, retired))]
    assert "held: Held back: awaiting approval in NinjaOne (STAGED)" in only.output
    staged = cli.invoke(args=["ninjaone", "devices", "--tenant", "acme", "--approval", "staged", "--json"])
    assert [row["device_id"] for row in json.loads(staged.output)] == [held]

    for bad in (
        ["--tenant", "nope"],
        ["--tenant", "acme", "--status", "gone"],
        ["--tenant", "acme", "--approval", "X"],
    ):
        result = cli.invoke(args=["ninjaone", "devices", *bad])
        assert result.exit_code != 0
        assert result.output.strip().splitlines()[-1].startswith("Error: ")
        assert "Traceback" not in result.output
