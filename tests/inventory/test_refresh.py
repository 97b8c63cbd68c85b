"""Bulk inventory refresh against the fake NinjaOne over real HTTP: paging, changed-only writes, history."""

from __future__ import annotations

import math
from collections import defaultdict

from sqlalchemy import func, select

from flask_ninjaone import system_scope
from flask_ninjaone.client.paging import Page, Paged
from flask_ninjaone.connection.api_client import client_for
from flask_ninjaone.inventory import refresh as refresh_module
from flask_ninjaone.inventory.device_refresh import refresh_device
from flask_ninjaone.inventory.refresh import refresh_inventory
from flask_ninjaone.models import Device, Integration, Patch, Software, SoftwareChange, SyncRun
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.tasks.sync import schedule_tick
from flask_ninjaone.testing.fake_ninjaone import inventory as fake_inventory
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from tests.support.inventory import count_writes, fake_software, refresh, stored_software


def forget_fingerprints() -> None:
    """After deleting inventory rows behind the writer's back: the stored fingerprints no longer
    describe the stored rows, so drop them (the next refresh compares every device again)."""
    db.session.execute(Device.__table__.update().values(inventory_fingerprints=None))


def small_pages(size: int):
    def factory(integration):
        client = client_for(integration)
        client.page_size = size
        return client

    return factory


def test_full_sync_is_followed_by_an_inventory_refresh(acme):
    with acme.scope():
        runs = db.session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
        assert [(run.kind, run.trigger, run.state) for run in runs] == [
            ("full", "manual", "succeeded"),
            ("inventory", "sync", "succeeded"),
        ]
        assert db.session.scalars(select(Integration)).one().last_inventory_at is not None
    assert stored_software(acme) == fake_software(acme)


def test_walk_pages_through_repeating_cursor_names_in_few_requests(acme):
    total = sum(len(rows) for rows in fake_software(acme).values())
    assert total > 2000  # more than two pages of 1000
    with acme.scope():
        db.session.execute(Software.__table__.delete())
        forget_fingerprints()
        db.session.commit()
    acme.fake.state.reset_counters()
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    counts = acme.fake.state.request_counts()
    assert counts["GET /v2/queries/software"] == math.ceil((total + 1) / 1000)
    for report in ("os-patches", "software-patches", "antivirus-status", "device-health"):
        assert counts[f"GET /v2/queries/{report}"] == 1
    assert not any("/v2/device/" in key for key in counts)  # never one call per device
    assert stored_software(acme) == fake_software(acme)
    assert run.counts["software_added"] == total


def test_device_groups_split_across_small_pages_and_batches(acme, monkeypatch):
    monkeypatch.setattr(refresh_module, "BATCH_DEVICES", 2)
    with acme.scope():
        db.session.execute(Software.__table__.delete())
        db.session.execute(Patch.__table__.delete())
        forget_fingerprints()
        db.session.commit()
    acme.fake.state.reset_counters()
    run = refresh(acme, client_factory=small_pages(97))
    assert run.state == "succeeded", run.error
    assert acme.fake.state.request_counts()["GET /v2/queries/software"] > 20
    assert stored_software(acme) == fake_software(acme)
    assert run.counts["regrouped_devices"] == 0


def test_second_refresh_with_nothing_changed_writes_nothing(acme, app):
    engine = db.engine
    with count_writes(engine) as writes:
        run = refresh(acme)
    assert run.state == "succeeded"
    assert run.counts["rows_written"] == 0
    assert writes == []


def test_history_records_added_removed_and_updated_software(acme, monkeypatch):
    device = next(d for d in acme.devices() if len(acme.fake.state.device_software(d.device_id)) > 3)
    original = fake_inventory.software
    before = acme.fake.state.device_software(device.device_id)
    gone, bumped = before[0], before[1]

    def changed(seed, record):
        rows = original(seed, record)
        if record["id"] != device.device_id:
            return rows
        rows = [dict(row) for row in rows if row["name"] != gone["name"]]
        for row in rows:
            if row["name"] == bumped["name"]:
                row["version"] = "999.1.2"
        rows.append({"name": "<script>alert('x')</script> Tool", "publisher": "Evil & Co", "version": "1.0"})
        return rows

    monkeypatch.setattr(fake_inventory, "software", changed)
    with acme.scope():
        run = refresh_inventory(acme.integration_id)
        assert run.counts["software_added"] == 1
        assert run.counts["software_removed"] == 1
        assert run.counts["software_updated"] == 1
        history = db.session.scalars(
            select(SoftwareChange)
            .where(SoftwareChange.device_id == device.device_id)
            .order_by(SoftwareChange.change)
        ).all()
        summary = {(h.change, h.name, h.old_version, h.new_version) for h in history}
        assert summary == {
            ("added", "<script>alert('x')</script> Tool", None, "1.0"),
            ("removed", gone["name"], gone.get("version", ""), None),
            ("updated", bumped["name"], bumped.get("version", ""), "999.1.2"),
        }
        # The updated row kept its identity (first_seen) and moved to the new version.
        row = db.session.scalars(
            select(Software).where(Software.device_id == device.device_id, Software.name == bumped["name"])
        ).one()
        assert row.version == "999.1.2" and row.first_seen < row.last_seen
        # Nothing else changed anywhere in the fleet.
        assert db.session.scalar(select(func.count()).select_from(SoftwareChange)) == 3
    assert stored_software(acme) == fake_software(acme)


def test_device_that_reports_no_software_any_more_loses_its_rows(acme, monkeypatch):
    device = next(d for d in acme.devices() if acme.fake.state.device_software(d.device_id))
    count = len(acme.fake.state.device_software(device.device_id))
    original = fake_inventory.software
    monkeypatch.setattr(
        fake_inventory,
        "software",
        lambda seed, record: [] if record["id"] == device.device_id else original(seed, record),
    )
    with acme.scope():
        run = refresh_inventory(acme.integration_id)
        assert run.counts["software_removed"] == count
        assert (
            db.session.scalar(
                select(func.count()).select_from(Software).where(Software.device_id == device.device_id)
            )
            == 0
        )
        removed = db.session.scalar(
            select(func.count()).select_from(SoftwareChange).where(SoftwareChange.change == "removed")
        )
        assert removed == count


def test_patch_antivirus_and_health_figures_match_the_fake(acme, monkeypatch):
    state = acme.fake.state
    with acme.scope():
        devices = {
            row.device_id: row for row in db.session.scalars(select(Device).where(Device.retired.is_(False)))
        }
        for device_id, row in devices.items():
            record = state.device(device_id)
            health = fake_inventory.health(state.seed, record, 0, False)
            assert row.os_patches_pending == health["pendingOSPatchesCount"]
            assert row.os_patches_failed == health["failedOSPatchesCount"]
            assert row.software_patches_pending == health["pendingSoftwarePatchesCount"]
            assert row.software_patches_failed == health["failedSoftwarePatchesCount"]
            assert row.threats_active == health["activeThreatsCount"]
            assert row.threats_quarantined == health["quarantinedThreatsCount"]
            products = fake_inventory.antivirus(state.seed, record)
            assert [p["name"] for p in row.antivirus["products"]] == [p["productName"] for p in products]
            os_patches = {
                p["id"] for p in fake_inventory.os_patches(state.seed, record) if p["status"] != "INSTALLED"
            }
            stored = set(
                db.session.scalars(
                    select(Patch.patch_uid).where(Patch.device_id == device_id, Patch.kind == "os")
                )
            )
            assert stored == os_patches

        # A failed patch later succeeds: the row is updated, the counts follow.
        target_id, pending = next(
            (d.device_id, d.os_patches_pending) for d in devices.values() if d.os_patches_pending
        )
    original = fake_inventory.os_patches

    def fixed(seed, record):  # runs in the fake's thread: plain values only, no ORM objects
        rows = original(seed, record)
        if record["id"] == target_id:
            rows = [
                dict(row, status="FAILED") if row["status"] in ("PENDING", "APPROVED") else row
                for row in rows
            ]
        return rows

    monkeypatch.setattr(fake_inventory, "os_patches", fixed)
    with acme.scope():
        run = refresh_inventory(acme.integration_id)
        assert run.counts["patches_updated"] == pending
        row = db.session.scalars(select(Device).where(Device.device_id == target_id)).one()
        assert row.os_patches_pending == 0 and row.os_patches_failed >= pending


def test_ungrouped_report_is_re_read_by_device_id(acme, monkeypatch):
    """A report whose rows are not grouped by device still ends with every device's exact rows."""

    def interleaving(integration):
        client = client_for(integration)
        original = client.query_raw

        def query(name, df=None):
            paged = original(name, df)
            if name != "software" or (df and "id in" in df):
                return paged
            rows = [row for page in paged.pages() for row in page.items]
            by_device = defaultdict(list)
            for row in rows:
                by_device[row["deviceId"]].append(row)
            shuffled = []
            while any(by_device.values()):  # round robin: every device's rows scattered over the walk
                for device_id in list(by_device):
                    if by_device[device_id]:
                        shuffled.append(by_device[device_id].pop())
            pages = [Page(shuffled[i : i + 100], n + 1) for n, i in enumerate(range(0, len(shuffled), 100))]
            return Paged(lambda: iter(pages))

        client.query_raw = query
        return client

    monkeypatch.setattr(refresh_module, "BATCH_DEVICES", 3)
    with acme.scope():
        db.session.execute(Software.__table__.delete())
        db.session.commit()
    run = refresh(acme, client_factory=interleaving)
    assert run.state == "succeeded", run.error
    assert run.counts["regrouped_devices"] > 0
    assert stored_software(acme) == fake_software(acme)


def test_failed_walk_is_recorded_and_keeps_the_last_good_state(acme, app):
    app.config["NINJAONE_HTTP_MAX_RETRIES"] = 0
    before = stored_software(acme)
    with acme.scope():
        last = db.session.scalars(select(Integration)).one().last_inventory_at
        acme.fake.state.faults.inject(Fault(path="/v2/queries/os-patches", kind="server_error", times=5))
        run = refresh_inventory(acme.integration_id)
        assert run.state == "failed" and "500" in run.error
        db.session.expire_all()
        assert db.session.scalars(select(Integration)).one().last_inventory_at == last
    assert stored_software(acme) == before


def test_refresh_this_device_uses_the_per_device_endpoints(acme, monkeypatch):
    device = next(d for d in acme.devices() if acme.fake.state.device_software(d.device_id))
    original = fake_inventory.software
    monkeypatch.setattr(
        fake_inventory,
        "software",
        lambda seed, record: (
            original(seed, record)[1:] if record["id"] == device.device_id else original(seed, record)
        ),
    )
    acme.fake.state.reset_counters()
    with acme.scope():
        result = refresh_device(acme.integration_id, device.device_id)
    assert result.ok, result.message
    assert result.counts["software_removed"] == 1
    counts = acme.fake.state.request_counts()
    assert counts["GET /v2/device/{id}/software"] == 1
    assert counts["GET /v2/device/{id}/os-patches"] == 1
    assert "GET /v2/queries/software" not in counts
    assert stored_software(acme) == fake_software(acme)


def test_refresh_of_a_deleted_device_says_so(acme):
    device = acme.devices()[0]
    acme.fake.state.delete_device(device.device_id)
    with acme.scope():
        result = refresh_device(acme.integration_id, device.device_id)
    assert not result.ok and "no longer has this device" in result.message


def test_schedule_runs_the_inventory_when_due(acme):
    def inventory_runs():
        with acme.scope():
            return db.session.scalar(
                select(func.count())
                .select_from(SyncRun)
                .where(SyncRun.kind == "inventory", SyncRun.trigger == "schedule")
            )

    with acme.scope():
        integration = db.session.scalars(select(Integration)).one()
        integration.last_sync_at = utcnow()  # keep the sync itself from being due
        db.session.commit()
    with system_scope():
        schedule_tick()
    assert inventory_runs() == 0  # refreshed right after the full sync: not due yet
    with acme.scope():
        integration = db.session.scalars(select(Integration)).one()
        integration.inventory_interval_minutes = 1
        integration.last_inventory_at = utcnow().replace(year=2020)
        db.session.commit()
    with system_scope():
        schedule_tick()
    assert inventory_runs() == 1


def test_cli_refreshes_a_tenant(acme, app):
    result = app.test_cli_runner().invoke(args=["ninjaone", "inventory", "--tenant", "acme"])
    assert result.exit_code == 0, result.output
    assert "nothing changed" in result.output and "API request" in result.output
    result = app.test_cli_runner().invoke(args=["ninjaone", "inventory", "--tenant", "nope"])
    assert result.exit_code != 0 and "no tenant" in result.output
    device = acme.devices()[0]
    result = app.test_cli_runner().invoke(
        args=["ninjaone", "inventory", "--tenant", "acme", "--device", str(device.device_id)]
    )
    assert result.exit_code == 0, result.output
