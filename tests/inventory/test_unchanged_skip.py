"""A refresh that skips unchanged devices (report fingerprints) still reflects every change.

Each test changes a few devices in the fake and runs one bulk refresh; the rest of the fleet is
unchanged, so that refresh skips them — and the database must still equal what NinjaOne reports,
row for row, for the changed ones.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import event, select

from flask_ninjaone.models import Device, Patch, Software
from flask_ninjaone.sync import runner
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.testing.fake_ninjaone import inventory as fake_inventory
from sample_host.database import db
from tests.support.inventory import count_writes, fake_software, refresh, stored_software


def stored_os_patches(acme) -> dict[int, set[tuple[str, str]]]:
    with acme.scope():
        result: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for device_id, uid, status in db.session.execute(
            select(Patch.device_id, Patch.patch_uid, Patch.status).where(Patch.kind == "os")
        ):
            result[device_id].add((uid, status))
        return dict(result)


def fake_os_patches(acme) -> dict[int, set[tuple[str, str]]]:
    result = {}
    for device in acme.devices():
        rows = [
            row for row in acme.fake.state.device_os_patches(device.device_id) if row["status"] != "INSTALLED"
        ]
        if rows:
            result[device.device_id] = {(row["id"], row["status"]) for row in rows}
    return result


def test_changed_and_removed_rows_and_a_device_that_left_a_report(acme, monkeypatch):
    devices = [d for d in acme.devices() if len(acme.fake.state.device_software(d.device_id)) > 2]
    changed, emptied = devices[0].device_id, devices[1].device_id
    bumped = acme.fake.state.device_software(changed)[0]["name"]
    patched = next(
        d.device_id
        for d in acme.devices()
        if len([r for r in acme.fake.state.device_os_patches(d.device_id) if r["status"] != "INSTALLED"]) > 1
    )
    dropped = next(r for r in acme.fake.state.device_os_patches(patched) if r["status"] != "INSTALLED")["id"]
    software, os_patches = fake_inventory.software, fake_inventory.os_patches

    def new_software(seed, record):  # runs in the fake's thread: plain values only
        rows = software(seed, record)
        if record["id"] == emptied:
            return []
        if record["id"] == changed:
            return [dict(row, version="999.0") if row["name"] == bumped else row for row in rows]
        return rows

    def fewer_patches(seed, record):
        rows = os_patches(seed, record)
        return [row for row in rows if not (record["id"] == patched and row["id"] == dropped)]

    monkeypatch.setattr(fake_inventory, "software", new_software)
    monkeypatch.setattr(fake_inventory, "os_patches", fewer_patches)
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    assert stored_software(acme) == fake_software(acme)
    assert emptied not in stored_software(acme)
    assert (bumped, "999.0") in {(name, version) for name, _, version in stored_software(acme)[changed]}
    assert stored_os_patches(acme) == fake_os_patches(acme)
    assert dropped not in {uid for uid, _ in stored_os_patches(acme)[patched]}
    assert run.counts["software_updated"] == 1
    assert run.counts["patches_removed"] == 1


def test_a_new_device_gets_its_inventory_and_one_that_left_is_retired(acme, monkeypatch):
    state = acme.fake.state
    organization = acme.devices()[0].organization_id
    leaving = next(d.device_id for d in acme.devices() if state.device_software(d.device_id))
    monkeypatch.setattr(runner, "_queue_inventory", lambda integration: None)  # refresh on our own
    record = state.create_device(organization, fields={"approvalStatus": "APPROVED"})
    state.delete_device(leaving)
    with acme.scope():
        assert run_sync(acme.integration_id, kind="full").state == "succeeded"
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    stored = stored_software(acme)
    expected = fake_software(acme)
    assert stored.get(record["id"]) == expected.get(record["id"]) and expected.get(record["id"])
    assert {k: v for k, v in stored.items() if k != leaving} == expected
    # A retired device keeps its last inventory (as before fingerprints); the rest is exact.
    assert {k: v for k, v in stored_os_patches(acme).items() if k != leaving} == fake_os_patches(acme)
    with acme.scope():
        assert db.session.scalars(select(Device.retired).where(Device.device_id == leaving)).one()


def test_unchanged_fleet_is_not_even_read_back(acme):
    """The no-change refresh decides from the fingerprints: no SELECT of stored software rows."""
    selects: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "ninjaone_software" in statement:
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with count_writes(db.engine) as writes:
            run = refresh(acme)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert run.state == "succeeded", run.error
    assert writes == []
    assert run.counts["devices_skipped"] > 0
    with acme.scope():
        assert db.session.scalars(select(Software.id).limit(1)).first() is not None
    # Only _write_absent's DISTINCT device ids remain; no per-batch read of software rows.
    assert all("DISTINCT" in statement.upper() for statement in selects), selects
