"""Maintenance windows that also put their devices in maintenance in NinjaOne: start when the window
begins and end when it ends or is deleted, once per occurrence (action keys), through the device
action path; NinjaOne's maintenance state on the asset panel; bad input and other tenants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from flask_ninjaone.actions.windows import apply_windows
from flask_ninjaone.inventory.panels import AssetPanel
from flask_ninjaone.models import Device, DeviceAction, MaintenanceWindow
from flask_ninjaone.testing.connect import connect_tenant
from sample_host.database import db
from tests.support.inventory import URL

PUT, DELETE = "PUT /v2/device/{id}/maintenance", "DELETE /v2/device/{id}/maintenance"
WINDOWS = f"{URL}/rules/maintenance"


def minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def window_form(device_id, start: datetime, end: datetime, **extra) -> dict[str, str]:
    return {
        "name": "Patch night",
        "recurrence": "none",
        "timezone": "UTC",
        "organization_id": "",
        "device_id": str(device_id),
        "starts_at": minute(start),
        "ends_at": minute(end),
        "ninjaone_maintenance": "y",
    } | extra


def calls(acme) -> tuple[int, int]:
    counts = acme.fake.state.request_counts()
    return counts.get(PUT, 0), counts.get(DELETE, 0)


def window_actions(acme) -> list[tuple[str, str, str]]:
    with acme.scope():
        rows = db.session.execute(
            select(DeviceAction.action_key, DeviceAction.kind, DeviceAction.state)
            .where(DeviceAction.action_key.startswith("window:"))
            .order_by(DeviceAction.id)
        ).all()
        db.session.remove()
        return [tuple(row) for row in rows]


@pytest.fixture
def device(acme):
    return next(d for d in acme.devices() if d.node_class == "WINDOWS_WORKSTATION")


def test_a_window_puts_its_device_in_maintenance_in_ninjaone_and_deleting_it_ends_it(
    acme, app, device, relay
):
    admin = acme.login(app.test_client(), "admin@acme.test")
    acme.fake.state.reset_counters()
    now = datetime.now(UTC)
    end = (now + timedelta(hours=2)).replace(second=0, microsecond=0)
    created = admin.post(WINDOWS, data=window_form(device.device_id, now - timedelta(minutes=5), end))
    assert created.status_code == 302, created.get_data(as_text=True)
    (start,) = window_actions(acme)
    assert start[0].startswith("window:") and start[0].endswith(":start")
    assert start[1:] == ("maintenance_start", "confirmed")
    assert calls(acme) == (1, 0)
    record = acme.fake.state.device(device.device_id)["maintenance"]
    assert record["status"] == "IN_MAINTENANCE" and record["end"] == end.timestamp()

    # NinjaOne's NODE_UPDATED re-reads the device: the panel shows its maintenance state
    relay.deliver(admin)
    panel = admin.get(f"/assets/{device.host_asset_id}").get_data(as_text=True)
    assert 'data-ninjaone-maintenance="IN_MAINTENANCE"' in panel
    assert f"In maintenance until {end:%Y-%m-%d %H:%M}" in panel and "(set in NinjaOne)" in panel

    # the tick again, and again: the same occurrence is one action
    with acme.scope():
        assert apply_windows(db.session).started == 0
        db.session.remove()
    assert calls(acme) == (1, 0)

    with acme.scope():
        window_id = db.session.scalars(select(MaintenanceWindow.id)).one()
        db.session.remove()
    assert admin.post(f"{WINDOWS}/{window_id}/delete").status_code == 302
    assert [row[1:] for row in window_actions(acme)] == [
        ("maintenance_start", "confirmed"),
        ("maintenance_end", "confirmed"),
    ]
    assert calls(acme) == (1, 1) and "maintenance" not in acme.fake.state.device(device.device_id)
    relay.deliver(admin)
    panel = admin.get(f"/assets/{device.host_asset_id}").get_data(as_text=True)
    assert "data-ninjaone-maintenance" not in panel
    audit = admin.get(f"{URL}/actions/audit/", query_string={"q": str(device.device_id)})
    assert "Maintenance window: Patch night" in audit.get_data(as_text=True)


def test_the_tick_starts_a_window_when_it_begins_and_ends_it_when_it_ends(acme, app, device):
    admin = acme.login(app.test_client(), "admin@acme.test")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    begin, end = now + timedelta(hours=1), now + timedelta(hours=3)
    assert admin.post(WINDOWS, data=window_form(device.device_id, begin, end)).status_code == 302
    acme.fake.state.reset_counters()
    assert window_actions(acme) == [] and calls(acme) == (0, 0)  # not begun yet
    with acme.scope():
        during = apply_windows(db.session, begin + timedelta(minutes=1))
        again = apply_windows(db.session, begin + timedelta(minutes=2))
        after = apply_windows(db.session, end + timedelta(minutes=1))
        later = apply_windows(db.session, end + timedelta(minutes=2))
        db.session.remove()
    assert (during.started, again.started, after.ended, later.ended) == (1, 0, 1, 0)
    assert [row[1] for row in window_actions(acme)] == ["maintenance_start", "maintenance_end"]
    assert calls(acme) == (1, 1)


def test_a_start_recorded_before_windows_had_an_instance_is_ended_once_on_its_own_instance(acme, app, device):
    """Keys written before windows had an instance (``window:<id>:<device>:<epoch>:start``) name no
    instance: the action row's is the one the end goes to, and the occurrence is not started again."""
    admin = acme.login(app.test_client(), "admin@acme.test")
    now = datetime.now(UTC)
    begin, end = now - timedelta(minutes=5), now + timedelta(hours=1)
    assert admin.post(WINDOWS, data=window_form(device.device_id, begin, end)).status_code == 302
    with acme.scope():
        action = db.session.scalars(select(DeviceAction)).one()
        window_id, _, device_id, epoch, phase = action.action_key.removeprefix("window:").split(":")
        action.action_key = f"window:{window_id}:{device_id}:{epoch}:{phase}"
        db.session.commit()
        assert apply_windows(db.session).started == 0  # the same occurrence: not started again
        db.session.remove()
    acme.fake.state.reset_counters()
    with acme.scope():
        after = apply_windows(db.session, end + timedelta(minutes=1))
        later = apply_windows(db.session, end + timedelta(minutes=2))
        db.session.remove()
    assert (after.ended, later.ended) == (1, 0) and calls(acme) == (0, 1)
    assert [row[1] for row in window_actions(acme)] == ["maintenance_start", "maintenance_end"]


def test_a_window_without_the_option_leaves_ninjaone_alone(acme, app, device):
    admin = acme.login(app.test_client(), "admin@acme.test")
    acme.fake.state.reset_counters()
    now = datetime.now(UTC)
    form = window_form(device.device_id, now - timedelta(minutes=5), now + timedelta(hours=1))
    del form["ninjaone_maintenance"]
    assert admin.post(WINDOWS, data=form).status_code == 302
    with acme.scope():
        assert apply_windows(db.session).started == 0
        db.session.remove()
    assert window_actions(acme) == [] and calls(acme) == (0, 0)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (timedelta(hours=2), timedelta(hours=1), "The end must be after the start."),
        (timedelta(hours=-3), timedelta(hours=-1), "The window has already ended"),
        (timedelta(hours=1), timedelta(days=32), "may last at most 30 days"),
    ],
)
def test_bad_windows_are_refused_and_nothing_is_sent(acme, app, device, start, end, message):
    admin = acme.login(app.test_client(), "admin@acme.test")
    acme.fake.state.reset_counters()
    now = datetime.now(UTC)
    response = admin.post(WINDOWS, data=window_form(device.device_id, now + start, now + end))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with acme.scope():
        assert db.session.scalars(select(MaintenanceWindow)).all() == []
        db.session.remove()
    assert window_actions(acme) == [] and calls(acme) == (0, 0)


def test_another_tenants_window_and_device_are_out_of_reach(acme, app, device):
    admin = acme.login(app.test_client(), "admin@acme.test")
    now = datetime.now(UTC)
    form = window_form(device.device_id, now, now + timedelta(hours=1))
    assert admin.post(WINDOWS, data=form).status_code == 302
    with acme.scope():
        window_id = db.session.scalars(select(MaintenanceWindow.id)).one()
        db.session.remove()
    with app.app_context():
        connect_tenant(acme.fake.url, "globex", sync=False)
    acme.fake.state.reset_counters()
    globex = acme.login(app.test_client(), "admin@globex.test", "globex")
    # acme's window: 404 for globex, and acme's device stays in maintenance
    assert globex.post(f"{WINDOWS}/{window_id}/delete").status_code == 404
    # a window naming a device globex does not have (acme's; globex synced none) is refused
    response = globex.post(WINDOWS, data=window_form(device.device_id, now, now + timedelta(hours=1)))
    assert response.status_code == 400
    assert f"No NinjaOne device #{device.device_id} in this workspace" in response.get_data(as_text=True)
    assert calls(acme) == (0, 0)
    assert [row[1] for row in window_actions(acme)] == ["maintenance_start"]
    assert acme.fake.state.device(device.device_id)["maintenance"]["status"] == "IN_MAINTENANCE"


def test_sync_mirrors_ninjaone_maintenance_set_elsewhere(acme, app, device):
    end = datetime.now(UTC) + timedelta(hours=4)
    acme.fake.state.device_actions.schedule_maintenance(
        device.device_id, {"disabledFeatures": ["ALERTS"], "end": int(end.timestamp() * 1000)}
    )
    assert app.test_cli_runner().invoke(args=["ninjaone", "sync", "--tenant", "acme"]).exit_code == 0
    with acme.scope():
        row = db.session.scalars(select(Device).where(Device.device_id == device.device_id)).one()
        assert row.maintenance_status == "IN_MAINTENANCE"
        assert abs((row.maintenance_end - end).total_seconds()) < 1
        db.session.remove()


@pytest.mark.parametrize(
    ("status", "start", "end", "shown"),
    [
        ("IN_MAINTENANCE", -1, 1, "IN_MAINTENANCE"),
        ("IN_MAINTENANCE", -2, -1, None),  # ended, NinjaOne not heard from since
        ("PENDING", 1, 2, "PENDING"),
        ("PENDING", -1, 1, "IN_MAINTENANCE"),  # begun since NinjaOne last reported
        ("FAILED", -1, 1, "FAILED"),
        (None, None, None, None),
    ],
)
def test_the_panel_tells_ninjaones_maintenance_as_of_now(status, start, end, shown):
    now = datetime.now(UTC)
    device = Device(
        maintenance_status=status,
        maintenance_start=None if start is None else now + timedelta(hours=start),
        maintenance_end=None if end is None else now + timedelta(hours=end),
    )
    panel = AssetPanel(host_asset_id="1", integration=None, health=None, device=device)
    assert panel.maintenance_status == shown
