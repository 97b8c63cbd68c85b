"""The fleet refresh loads (schema-validates) only the rows of devices that changed or are new.

Rows arrive raw; a device whose raw rows hash to its stored fingerprint is skipped without its rows
ever going through marshmallow. A bad row is still refused as a whole-page load refused it: the
refresh fails, and nothing of the bad device (nor of its batch) is written.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from flask_ninjaone.client import report_rows
from flask_ninjaone.client.schemas import SoftwareRowSchema
from flask_ninjaone.models import Device
from flask_ninjaone.sync import runner
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.testing.fake_ninjaone import inventory as fake_inventory
from sample_host.database import db
from tests.support.inventory import count_writes, fake_software, refresh, stored_software


@pytest.fixture
def loaded_rows(monkeypatch):
    """The software rows loaded (validated), by device id: by the report's compiled row loader, or by
    marshmallow where that hands a row over (every load takes one of the two)."""
    seen: Counter[int] = Counter()
    compiled = report_rows._ROW_LOADERS["software"]
    original = SoftwareRowSchema._deserialize

    def counting_compiled(row):
        seen[row.get("deviceId")] += 1
        return compiled(row)

    def counting(self, data, *args, many=False, **kwargs):
        if not many and isinstance(data, dict):
            seen[data.get("deviceId")] += 1
        return original(self, data, *args, many=many, **kwargs)

    monkeypatch.setitem(report_rows._ROW_LOADERS, "software", counting_compiled)
    monkeypatch.setattr(SoftwareRowSchema, "_deserialize", counting)
    return seen


def _held(acme) -> set[int]:
    with acme.scope():
        return set(db.session.scalars(select(Device.device_id).where(Device.retired.is_(False))))


def _with_software_devices(acme, count: int) -> list[int]:
    return [d.device_id for d in acme.devices() if len(acme.fake.state.device_software(d.device_id)) > 2][
        :count
    ]


def test_unchanged_devices_rows_are_never_schema_loaded(acme, loaded_rows):
    refresh(acme)  # the stored fingerprints are now of raw rows (the first refresh after the change)
    loaded_rows.clear()
    with count_writes(db.engine) as writes:
        run = refresh(acme)
    assert run.state == "succeeded", run.error
    assert writes == []
    assert run.counts["devices_skipped"] > 0
    # Only devices the refresh does not hold (not synced, e.g. awaiting approval) are loaded: their
    # rows are never written, but a bad one still fails the refresh as a whole-page load did.
    assert loaded_rows, "the fake's fleet has software on devices that are not synced"
    assert set(loaded_rows).isdisjoint(_held(acme))


def test_only_the_changed_devices_rows_are_loaded(acme, loaded_rows, monkeypatch):
    refresh(acme)
    changed = _with_software_devices(acme, 1)[0]
    software = fake_inventory.software

    def bumped(seed, record):  # runs in the fake's thread: plain values only
        rows = software(seed, record)
        return [dict(rows[0], version="999.0"), *rows[1:]] if record["id"] == changed else rows

    monkeypatch.setattr(fake_inventory, "software", bumped)
    unheld = set(loaded_rows) - _held(acme)  # loaded every time (see the test above)
    loaded_rows.clear()
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    assert set(loaded_rows) - {changed} == unheld
    assert loaded_rows[changed] == len(acme.fake.state.device_software(changed))
    assert stored_software(acme) == fake_software(acme)


def test_a_changed_row_that_is_invalid_fails_the_refresh_and_writes_nothing_of_it(acme, monkeypatch):
    refresh(acme)
    bad, other = _with_software_devices(acme, 2)
    before = stored_software(acme)
    software = fake_inventory.software

    def broken(seed, record):
        rows = software(seed, record)
        if record["id"] == bad:
            return [dict(rows[0], version="999.0", size="big"), *rows[1:]]  # size must be an integer
        if record["id"] == other:
            return [dict(rows[0], version="999.0"), *rows[1:]]
        return rows

    monkeypatch.setattr(fake_inventory, "software", broken)
    run = refresh(acme)
    assert run.state == "failed"
    assert "GET /v2/queries/software: NinjaOne's answer does not have the documented shape" in run.error
    after = stored_software(acme)
    assert after[bad] == before[bad]


def _new_synced_device(acme, monkeypatch) -> int:
    """A device enrolled and synced since the last refresh: it has no inventory fingerprint yet."""
    organization = acme.devices()[0].organization_id
    monkeypatch.setattr(runner, "_queue_inventory", lambda integration: None)  # refresh on our own
    record = acme.fake.state.create_device(organization, fields={"approvalStatus": "APPROVED"})
    with acme.scope():
        assert run_sync(acme.integration_id, kind="full").state == "succeeded"
    return record["id"]


def test_a_new_devices_invalid_row_fails_the_refresh(acme, monkeypatch):
    new = _new_synced_device(acme, monkeypatch)
    software = fake_inventory.software

    def broken(seed, device):
        rows = software(seed, device)
        return [dict(rows[0], isSystemComponent="maybe"), *rows[1:]] if device["id"] == new else rows

    monkeypatch.setattr(fake_inventory, "software", broken)
    run = refresh(acme)
    assert run.state == "failed"
    assert "does not have the documented shape" in run.error
    assert new not in stored_software(acme)


def test_a_new_devices_valid_rows_are_written(acme, monkeypatch):
    new = _new_synced_device(acme, monkeypatch)
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    assert stored_software(acme)[new] == fake_software(acme)[new]
