"""Warranty dates (fake NinjaOne → sync → mirror, record and ``devices --json``; the warranties-ending
list) and billing counts (today's, month-end snapshots taken once by the tick, the change since last
month, the rule excluding retired and held devices, and the bad input each surface refuses)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from flask_ninjaone import system_scope
from flask_ninjaone.inventory import billing, warranties
from flask_ninjaone.models import BillingSnapshot, Device, Integration
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.sync.asset_records import to_asset_record
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.tasks.inventory import billing_snapshot
from flask_ninjaone.tasks.sync import schedule_tick
from sample_host.database import db
from tests.support.shared import SHARED_NINJAONE
from tests.support.sync_checks import fake_devices


def _integration(integration_id: int) -> Integration:
    integration = db.session.get(Integration, integration_id)
    assert integration is not None
    return integration


def _row(device_id: int) -> Device:
    db.session.expire_all()
    return db.session.scalars(select(Device).where(Device.device_id == device_id)).one()


def _set_warranty(fake, device_id: int, end: datetime) -> None:
    start = end - timedelta(days=3 * 365)
    warranty = {
        "startDate": start.timestamp(),
        "endDate": end.timestamp(),
        "manufacturerFulfillmentDate": (start - timedelta(days=5)).timestamp(),
    }
    fake.state.update_device(device_id, {"references": {"warranty": warranty}})


def test_the_fake_serves_warranties_in_the_spec_shape(fake):
    carrying = [d for d in fake_devices(fake) if "warranty" in (d.get("references") or {})]
    assert carrying, "some physical agents carry a warranty"
    spec = json.loads((SHARED_NINJAONE / "openapi.json").read_text(encoding="utf-8"))
    spec_fields = set(spec["components"]["schemas"]["WarrantyDates"]["properties"])
    for device in carrying:
        warranty = device["references"]["warranty"]
        assert set(warranty) <= spec_fields
        assert warranty["endDate"] > warranty["startDate"] > warranty["manufacturerFulfillmentDate"]
    assert all(d["deviceType"] == "AgentDevice" for d in carrying)


def test_the_record_carries_the_warranty_and_none_without_one() -> None:
    device = {"id": 5, "nodeClass": "WINDOWS_WORKSTATION", "systemName": "pc",
              "references": {"warranty": {"startDate": 1.7e9, "endDate": 1.8e9}}}  # fmt: skip
    record = to_asset_record(device, client_id="1", host_asset_id=None, location_name=None, ninjaone_url=None)
    assert record.warranty_start == datetime.fromtimestamp(1.7e9, UTC)
    assert record.warranty_end == datetime.fromtimestamp(1.8e9, UTC)
    assert record.warranty_fulfillment is None
    bare = to_asset_record({"id": 6, "references": {"warranty": "junk"}}, client_id="1", host_asset_id=None,
                           location_name=None, ninjaone_url=None)  # fmt: skip
    assert (bare.warranty_start, bare.warranty_end, bare.warranty_fulfillment) == (None, None, None)


def test_sync_keeps_warranties_and_the_list_shows_those_ending_in_the_window(acme, fake, app):
    _tenant, integration_id = acme
    devices = fake_devices(fake)
    soon, later, retired = devices[0]["id"], devices[1]["id"], devices[2]["id"]
    now = datetime.now(UTC)
    _set_warranty(fake, soon, now + timedelta(days=10))
    _set_warranty(fake, later, now + timedelta(days=200))
    _set_warranty(fake, retired, now + timedelta(days=11))
    assert run_sync(integration_id).state == "succeeded"
    assert _row(soon).warranty_end is not None
    assert abs((_row(soon).warranty_end - (now + timedelta(days=10))).total_seconds()) < 1
    fake.state.delete_device(retired)
    assert run_sync(integration_id).state == "succeeded"
    assert _row(retired).retired

    integration = _integration(integration_id)
    within = {row.device_id for row in warranties.ending_within(db.session, [integration], 30)}
    assert soon in within and later not in within and retired not in within
    assert later in {row.device_id for row in warranties.ending_within(db.session, [integration], 365)}
    listed_rows = warranties.ending_within(db.session, [integration], 30)
    assert [row.end for row in listed_rows] == sorted(row.end for row in listed_rows)  # soonest first
    assert next(row for row in listed_rows if row.device_id == soon).days_left == 9

    listed = app.test_cli_runner().invoke(args=["ninjaone", "devices", "--tenant", "acme", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {row["device_id"]: row for row in json.loads(listed.output)}
    assert rows[soon]["warranty"]["end"] == (now + timedelta(days=10)).date().isoformat()


@pytest.mark.parametrize("raw", ["0", "3651", "-1", "abc", "1.5", "999999", " "])
def test_a_window_out_of_range_is_refused(raw: str) -> None:
    with pytest.raises(warranties.BadWindow, match="from 1 to 3650"):
        warranties.parse_days(raw)


def test_window_limits_and_default() -> None:
    assert warranties.parse_days(None) == warranties.DAYS_DEFAULT
    assert (warranties.parse_days("1"), warranties.parse_days("3650")) == (1, 3650)


NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["2026-13", "2026-00", "26-11", "2026/11", "2026-1", "november", "1999-12"])
def test_a_malformed_month_is_refused(raw: str) -> None:
    with pytest.raises(billing.BadMonth, match="YYYY-MM"):
        billing.parse_month(raw, NOW)


def test_a_month_in_the_future_is_refused_and_the_current_one_is_today() -> None:
    with pytest.raises(billing.BadMonth, match="has not come yet"):
        billing.parse_month("2027-01", NOW)
    assert billing.parse_month("2026-12", NOW) is None
    assert billing.parse_month("2026-11", NOW) == "2026-11"
    assert billing.previous_month("2026-01") == "2025-12"


def test_counts_leave_out_retired_and_held_devices_and_snapshots_are_taken_once(acme, fake, app):
    _tenant, integration_id = acme
    assert run_sync(integration_id).state == "succeeded"
    integration = _integration(integration_id)
    before = sum(billing.live_counts(db.session, integration).values())
    managed = db.session.scalar(select(func.count()).select_from(Device).where(
        Device.retired.is_(False), Device.held_reason.is_(None)))  # fmt: skip
    assert before == managed > 0

    # The month ends: the tick's job keeps the counts; a second run (tick or retry) writes nothing.
    month = billing.snapshot_due(integration, datetime.now(UTC))
    assert month is not None
    assert billing_snapshot(integration_id, month)["rows"] > 0
    assert billing_snapshot(integration_id, month) == {"rows": 0}
    assert billing.snapshot_due(_integration(integration_id), datetime.now(UTC)) is None
    kept = db.session.scalar(select(func.sum(BillingSnapshot.devices)).where(BillingSnapshot.month == month))
    assert kept == before

    # A device retired and one held since: today counts two fewer, the change says -2.
    gone, held = fake_devices(fake)[0]["id"], fake_devices(fake)[1]["id"]
    fake.state.delete_device(gone)
    fake.state.set_approval_status(held, "PENDING")
    assert run_sync(integration_id).state == "succeeded"
    data = billing.report(db.session, _integration(integration_id), None)
    assert data.compared_to == month and data.compared
    assert sum(line.devices for line in data.lines) == before - 2
    assert sum(change for _devices, change in data.totals().values() if change is not None) == -2

    # The kept month does not move.
    ended = billing.report(db.session, _integration(integration_id), month)
    assert ended.available and sum(line.devices for line in ended.lines) == before

    listed = app.test_cli_runner().invoke(args=["ninjaone", "billing", "--tenant", "acme", "--json"])
    assert listed.exit_code == 0, listed.output
    payload = json.loads(listed.output)
    assert payload["compared_to"] == month and "Retired" in payload["rule"]
    assert sum(line["devices"] for line in payload["lines"]) == before - 2
    assert sum(line["change"] or 0 for line in payload["lines"]) == -2


@pytest.mark.parametrize(("month", "message"), [("2099-01", "has not come yet"), ("2026-13", "YYYY-MM")])
def test_the_billing_command_refuses_bad_months(acme, app, month, message):
    result = app.test_cli_runner().invoke(args=["ninjaone", "billing", "--tenant", "acme", "--month", month])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("auto_sync", [True, False], ids=["auto-sync", "manual-sync"])
def test_the_scheduler_tick_takes_the_month_that_ended_once(acme, auto_sync):
    _tenant, integration_id = acme
    assert run_sync(integration_id).state == "succeeded"
    integration = _integration(integration_id)
    integration.last_sync_at = integration.last_inventory_at = utcnow()  # nothing else due
    integration.auto_sync = auto_sync  # a tenant that syncs by hand still bills each month end
    db.session.commit()
    with system_scope():
        schedule_tick()
    db.session.expire_all()
    month = billing.previous_month(billing.month_of(utcnow()))
    assert _integration(integration_id).billing_month == month
    rows = db.session.scalar(select(func.count()).select_from(BillingSnapshot))
    assert rows > 0
    with system_scope():
        schedule_tick()
    assert db.session.scalar(select(func.count()).select_from(BillingSnapshot)) == rows
