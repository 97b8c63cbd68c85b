"""Device sync end to end: the fake NinjaOne over real HTTP → the sync engine → the sample host."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import event, func, select

from flask_ninjaone import system_scope, tenant_scope
from flask_ninjaone.connection.connect import connect_client_credentials
from flask_ninjaone.leases import Lease
from flask_ninjaone.models import Device, Integration, MappingState, OrganizationMapping
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.state import get_state
from flask_ninjaone.sync import engine
from flask_ninjaone.sync.asset_records import clean_serial
from flask_ninjaone.sync.runner import AlreadyRunning, run_sync
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from sample_host.models import Asset
from tests.support.sync_checks import fake_devices as _fake_devices
from tests.support.sync_checks import ninja_assets as _ninja_assets


def test_full_sync_creates_one_asset_per_approved_device(acme, fake):
    tenant, integration_id = acme
    with tenant_scope(tenant.id):
        run = run_sync(integration_id, kind="full", trigger="manual")
    assert run.state == "succeeded", run.error
    approved = _fake_devices(fake)
    assert _fake_devices(fake, statuses=("PENDING", "STAGED", "DECOMMISSIONED"))
    assert run.counts["created"] + run.counts["adopted"] == len(approved)
    # Pending devices do not sync by default: the walk lists APPROVED devices only (df status clause).
    assert run.counts["skipped"] == 0
    assets = _ninja_assets(tenant.id)
    assert sorted(int(a.external_id) for a in assets) == sorted(d["id"] for d in approved)
    # One device request per 1000 devices, plus the organization walk.
    counts = fake.state.request_counts()
    assert counts.get("GET /v2/devices-detailed") == 1


def test_second_sync_writes_nothing(acme, fake):
    tenant, integration_id = acme
    with tenant_scope(tenant.id):
        run_sync(integration_id)
        before = {a.id: a.updated_at for a in _ninja_assets(tenant.id)}
        db.session.expire_all()
        second = run_sync(integration_id)
    assert second.state == "succeeded"
    assert second.counts["created"] == second.counts["updated"] == second.counts["adopted"] == 0
    assert second.counts["unchanged"] == len(before)
    assert {a.id: a.updated_at for a in _ninja_assets(tenant.id)} == before


def test_deleted_device_is_retired_not_deleted(acme, fake):
    tenant, integration_id = acme
    victim = _fake_devices(fake)[0]["id"]
    with tenant_scope(tenant.id):
        run_sync(integration_id)
        fake.state.delete_device(victim)
        run = run_sync(integration_id)
        assert run.counts["retired"] == 1
        retired = _ninja_assets(tenant.id, status="inactive")
        assert [int(a.external_id) for a in retired] == [victim]
        row = db.session.scalars(select(Device).where(Device.device_id == victim)).one()
        assert row.retired


def test_failed_walk_retires_nothing_and_is_recorded(acme, fake, app):
    tenant, integration_id = acme
    app.config["NINJAONE_HTTP_MAX_RETRIES"] = 1
    with tenant_scope(tenant.id):
        run_sync(integration_id)
        for device in _fake_devices(fake)[:5]:
            fake.state.delete_device(device["id"])
        fake.state.faults.inject(Fault(path="/v2/devices-detailed", kind="server_error", times=50))
        failed = run_sync(integration_id)
        assert failed.state == "failed" and failed.error
        assert _ninja_assets(tenant.id, status="inactive") == []
        integration = db.session.get(Integration, integration_id)
        assert integration.last_sync_status == "failed" and integration.last_error
        fake.state.faults.clear()
        recovered = run_sync(integration_id)
        assert recovered.state == "succeeded" and recovered.counts["retired"] == 5


def test_unmapped_organizations_devices_never_reach_the_host(app, fake):
    assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    tenant = get_state().host.find_tenant("acme")
    with tenant_scope(tenant.id):
        connect_client_credentials(
            db.session, client_id="demo-client-id", client_secret="demo-client-secret",
            region=None, custom_url=fake.url, actor=None,
        )  # fmt: skip
        integration = db.session.scalars(select(Integration)).one()
        orgs = db.session.scalars(
            select(OrganizationMapping).order_by(OrganizationMapping.organization_id)
        ).all()
        first = orgs[0]
        client = get_state().host.create_client(tenant.id, "Only Mapped Org")
        db.session.commit()
        mapping.map_organization(db.session, integration, first.organization_id, client.id, auto_sync=True)
        run = run_sync(integration.id)
        assert run.state == "succeeded"
        synced = {int(a.external_id) for a in _ninja_assets(tenant.id)}
        expected = {d["id"] for d in _fake_devices(fake) if d["organizationId"] == first.organization_id}
        assert synced == expected
        assert all(o.state == MappingState.UNMAPPED for o in orgs[1:])


def test_adopts_existing_asset_by_serial_instead_of_duplicating(acme, fake):
    tenant, integration_id = acme
    device = next(d for d in _fake_devices(fake) if clean_serial((d.get("system") or {}).get("serialNumber")))
    serial = device["system"]["serialNumber"]
    existing = Asset(
        tenant_id=int(tenant.id),
        client_id=db.session.scalars(select(Asset.client_id)).first(),
        name="Pre-existing laptop",
        asset_type="workstation",
        serial_number=serial,
        status="active",
    )
    db.session.add(existing)
    db.session.commit()
    with tenant_scope(tenant.id):
        run = run_sync(integration_id)
    assert run.counts["adopted"] >= 1
    db.session.refresh(existing)
    assert existing.external_id == str(device["id"])
    assert (
        db.session.execute(
            select(func.count()).select_from(Asset).where(Asset.serial_number == serial)
        ).scalar()
        == 1
    )


def test_incremental_sync_picks_up_a_changed_device(acme, fake):
    tenant, integration_id = acme
    target = _fake_devices(fake)[3]["id"]
    with tenant_scope(tenant.id):
        run_sync(integration_id)
        fake.state.update_device(target, {"displayName": "renamed-by-test", "systemName": "renamed-by-test"})
        before = fake.state.request_counts().get("GET /v2/devices-detailed", 0)
        run = run_sync(integration_id, kind="incremental", trigger="schedule")
        assert run.state == "succeeded" and run.kind == "incremental", run.error
        assert run.counts["updated"] == 1
        asset = next(a for a in _ninja_assets(tenant.id) if a.external_id == str(target))
        assert asset.name == "renamed-by-test"
        assert fake.state.request_counts()["GET /v2/devices-detailed"] == before + 1


def test_only_one_sync_per_integration_at_a_time(acme, app):
    tenant, integration_id = acme
    holder = Lease(app, tenant.id, f"sync:{integration_id}")
    assert holder.acquire()
    try:
        with tenant_scope(tenant.id), pytest.raises(AlreadyRunning):
            run_sync(integration_id)
    finally:
        holder.release()


def test_sync_of_one_tenant_never_touches_another(acme, fake):
    tenant, integration_id = acme
    globex = get_state().host.find_tenant("globex")
    globex_assets_before = db.session.execute(
        select(func.count()).select_from(Asset).where(Asset.tenant_id == int(globex.id))
    ).scalar()
    with tenant_scope(tenant.id):
        run_sync(integration_id)
    with system_scope():
        tenants = set(db.session.scalars(select(Device.tenant_id)))
    assert tenants == {tenant.id}
    assert (
        db.session.execute(
            select(func.count()).select_from(Asset).where(Asset.tenant_id == int(globex.id))
        ).scalar()
        == globex_assets_before
    )
    with tenant_scope(globex.id), pytest.raises(LookupError):
        run_sync(integration_id)


def _mirror(device_id: int) -> Device:
    db.session.expire_all()
    return db.session.scalars(select(Device).where(Device.device_id == device_id)).one()


def test_unchanged_devices_are_not_even_loaded_again(acme, fake, device_loads):
    tenant, integration_id = acme
    with tenant_scope(tenant.id):
        first = run_sync(integration_id)
        assert sorted(device_loads) == [d["id"] for d in _fake_devices(fake)]
        device_loads.clear()
        second = run_sync(integration_id)
    assert second.state == "succeeded"
    assert device_loads == []
    assert second.counts["unchanged"] == first.counts["created"] + first.counts["adopted"]


def test_a_changed_device_is_loaded_and_written(acme, fake, device_loads):
    tenant, integration_id = acme
    target = _fake_devices(fake)[3]["id"]
    with tenant_scope(tenant.id):
        run_sync(integration_id)
        fake.state.update_device(target, {"displayName": "renamed-here", "systemName": "renamed-here"})
        device_loads.clear()
        run = run_sync(integration_id)
        assert set(device_loads) == {target}
        assert run.counts["updated"] == 1
        asset = next(a for a in _ninja_assets(tenant.id) if a.external_id == str(target))
        assert asset.name == "renamed-here"


def test_a_payload_change_the_asset_does_not_show_only_refreshes_the_fingerprint(acme, fake, device_loads):
    """``lastUpdate`` is not on the asset: nothing is written to the host, and the next sync skips it."""
    tenant, integration_id = acme
    target = _fake_devices(fake)[5]["id"]
    with tenant_scope(tenant.id):
        run_sync(integration_id)
        stamp = _mirror(target).payload_hash
        asset_updated = {a.id: a.updated_at for a in _ninja_assets(tenant.id)}
        fake.state.update_device(target, {})  # bumps lastUpdate only
        device_loads.clear()
        run = run_sync(integration_id)
        assert set(device_loads) == {target} and run.counts["updated"] == 0
        assert _mirror(target).payload_hash not in (None, stamp)
        assert {a.id: a.updated_at for a in _ninja_assets(tenant.id)} == asset_updated
        device_loads.clear()
        run_sync(integration_id)
        assert set(device_loads) == set()


def test_remapping_an_organization_rewrites_its_devices_with_unchanged_payloads(acme, fake, device_loads):
    tenant, integration_id = acme
    with tenant_scope(tenant.id):
        run_sync(integration_id)
        integration = db.session.get(Integration, integration_id)
        org = db.session.scalars(
            select(OrganizationMapping).order_by(OrganizationMapping.organization_id)
        ).first()
        moved = {d["id"] for d in _fake_devices(fake) if d["organizationId"] == org.organization_id}
        client = get_state().host.create_client(tenant.id, "Moved Here")
        db.session.commit()
        mapping.map_organization(db.session, integration, org.organization_id, client.id, auto_sync=True)
        device_loads.clear()
        run = run_sync(integration_id)
        assert set(device_loads) == moved and run.counts["updated"] == len(moved)
        assert {
            int(a.external_id) for a in _ninja_assets(tenant.id) if a.client_id == int(client.id)
        } == moved


def test_cli_rewrite_writes_every_device_again(app, acme, fake):
    """``sync --rewrite``: after a change on the host's side, push every device again."""
    tenant, _ = acme
    runner = app.test_cli_runner()

    def sync(*flags: str) -> dict:
        result = runner.invoke(args=["ninjaone", "sync", "--tenant", "acme", "--wait", *flags])
        assert result.exit_code == 0, result.output
        return json.loads(result.output[result.output.index("{") :])

    first = sync("--full")
    synced = first["counts"]["created"] + first["counts"]["adopted"]
    assert sync("--full")["counts"]["updated"] == 0
    rewritten = sync("--rewrite")
    assert rewritten["kind"] == "full"
    assert rewritten["counts"]["updated"] == synced and rewritten["counts"]["unchanged"] == 0
    assert (
        f"{synced} devices will be written again."
        in runner.invoke(args=["ninjaone", "sync", "--tenant", "acme", "--wait", "--rewrite"]).output
    )
    with tenant_scope(tenant.id):
        assert all(
            row.payload_hash for row in db.session.scalars(select(Device).where(Device.retired.is_(False)))
        )


def test_a_device_that_fails_to_map_is_never_remembered_as_applied(acme, fake, monkeypatch):
    tenant, integration_id = acme
    target = _fake_devices(fake)[7]["id"]
    real = engine.to_asset_record

    def failing(device, **kwargs):
        if device["id"] == target:
            raise ValueError("cannot map this one")
        return real(device, **kwargs)

    with tenant_scope(tenant.id):
        run_sync(integration_id)
        stamp = _mirror(target).payload_hash
        fake.state.update_device(target, {})
        monkeypatch.setattr(engine, "to_asset_record", failing)
        for _ in range(2):  # fails every time, instead of being skipped as unchanged the second time
            assert run_sync(integration_id).counts["failed"] == 1
            assert _mirror(target).payload_hash == stamp


def test_each_page_reads_its_mirror_rows_once(acme, fake):
    """The rows ``unchanged`` looks up are the rows the page is applied against: one query a page."""
    tenant, integration_id = acme
    reads: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        flat = " ".join(statement.split())
        # The page queries inline their ids (``_among``); the inventory refresh that follows binds its own.
        if flat.startswith("SELECT ninjaone_devices.") and re.search(
            r"ninjaone_devices\.device_id IN \(\d", flat
        ):
            reads.append(flat)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with tenant_scope(tenant.id):
            for _ in range(2):  # a first sync (nothing known yet) and a second (everything known)
                reads.clear()
                assert run_sync(integration_id, kind="full").state == "succeeded"
                assert len(reads) == 1, reads  # 120 devices: one page
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
