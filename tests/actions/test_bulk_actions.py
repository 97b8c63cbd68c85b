"""Bulk actions from the asset list: the confirmation names the devices and the skipped ones, a typed
count above the cap, one action (row, job, API call) per device per confirmation, and bad input
refused with nothing stored or sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flask_ninjaone.actions.bulk import MAX_BULK
from flask_ninjaone.models import Device
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from tests.support.actions import actions, submission
from tests.support.inventory import URL

BULK = f"{URL}/actions/bulk"
AGENTS = ("WINDOWS_WORKSTATION", "WINDOWS_SERVER", "MAC", "LINUX_SERVER", "LINUX_WORKSTATION")
ACTING = ("POST /v2/device/{id}/reboot/{mode}", "POST /v2/device/{id}/patch/os/scan",
          "POST /v2/device/{id}/patch/software/scan", "PUT /v2/device/{id}/maintenance")  # fmt: skip


def calls(acme) -> int:
    counts = acme.fake.state.request_counts()
    return sum(counts.get(endpoint, 0) for endpoint in ACTING)


def online(acme, count: int, classes=AGENTS):
    found = [d for d in acme.devices() if d.agent_status == "online" and d.node_class in classes]
    assert len(found) >= count
    return found[:count]


def post(client, **form):
    return client.post(BULK, data=form)


def test_list_bar_offers_bulk_actions_to_technicians_only(acme, app):
    tech = acme.login(app.test_client(), "tech@acme.test")
    page = tech.get("/assets/", follow_redirects=True).get_data(as_text=True)
    assert all(f'data-bulk-action="{kind}"' in page for kind in ("reboot", "patch_scan", "maintenance"))
    viewer = acme.login(app.test_client(), "viewer@acme.test")
    assert "data-bulk-action" not in viewer.get("/assets/", follow_redirects=True).get_data(as_text=True)


def test_reboot_selection_confirms_names_skips_and_acts_once_per_device(acme, app):
    client = acme.login(app.test_client(), "tech@acme.test")
    devices = online(acme, 3)
    offline = next(d for d in acme.devices() if d.agent_status == "offline" and d.node_class in AGENTS)
    agentless = next(d for d in acme.devices() if d.node_class not in AGENTS)
    selected = [d.host_asset_id for d in (*devices, offline, agentless)] + ["999999"]
    acme.fake.state.reset_counters()
    first = post(client, kind="reboot", asset_ids=selected)
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "Reboot · 3 devices" in page and all(d.name in page for d in devices)
    assert "Skipped (3)" in page and "its agent cannot be rebooted now" in page
    assert "has no NinjaOne agent" in page and "asset 999999" in page
    assert 'name="typed"' not in page  # 3 is under the cap
    assert actions(acme) == [] and calls(acme) == 0
    token = submission(page)
    form = {
        "kind": "reboot",
        "asset_ids": selected,
        "mode": "FORCED",
        "reason": "patch night",
        "submission": token,
    }
    done = post(client, **form)
    assert done.status_code == 200 and 'data-bulk-started="3"' in done.get_data(as_text=True)
    rows = actions(acme)
    assert sorted(r.device_id for r in rows) == sorted(d.device_id for d in devices)
    assert {(r.kind, r.state, r.api_calls) for r in rows} == {("reboot", "sent", 1)}
    assert {r.parameters["mode"] for r in rows} == {"FORCED"} and len({r.action_key for r in rows}) == 3
    again = post(client, **form)  # a double submit: the same three actions, nothing sent again
    assert again.status_code == 200 and 'data-bulk-started="0"' in again.get_data(as_text=True)
    assert len(actions(acme)) == 3 and calls(acme) == 3


def test_above_the_cap_the_count_must_be_typed(acme, app):
    app.config["NINJAONE_BULK_ACTION_CONFIRM_ABOVE"] = 2
    client = acme.login(app.test_client(), "tech@acme.test")
    selected = [d.host_asset_id for d in online(acme, 3, ("WINDOWS_WORKSTATION", "WINDOWS_SERVER"))]
    page = post(client, kind="patch_scan", asset_ids=selected).get_data(as_text=True)
    assert 'name="typed"' in page and "type <strong>3</strong> to confirm" in page
    form = {"kind": "patch_scan", "asset_ids": selected, "target": "software", "submission": submission(page)}
    for typed in (None, "", "2", "three", "30"):
        response = post(client, **form, **({} if typed is None else {"typed": typed}))
        assert response.status_code == 400 and "type 3 in the confirmation box" in response.get_data(
            as_text=True
        )
    assert actions(acme) == [] and calls(acme) == 0
    assert post(client, **form, typed=" 3 ").status_code == 200
    rows = actions(acme)
    assert len(rows) == 3 and {(r.kind, r.parameters["target"]) for r in rows} == {("patch_scan", "software")}


def test_software_scan_skips_devices_that_cannot_patch_software(acme, app):
    client = acme.login(app.test_client(), "tech@acme.test")
    (windows,) = online(acme, 1, ("WINDOWS_WORKSTATION",))
    (mac,) = online(acme, 1, ("MAC",))
    selected = [windows.host_asset_id, mac.host_asset_id]
    form = {"kind": "patch_scan", "asset_ids": selected, "target": "software", "submission": "t1"}
    page = post(client, **form).get_data(as_text=True)
    assert "third-party software on Windows" in page
    assert [r.device_id for r in actions(acme)] == [windows.device_id]


def test_maintenance_for_the_selection(acme, app):
    client = acme.login(app.test_client(), "tech@acme.test")
    offline = next(d for d in acme.devices() if d.agent_status == "offline")
    devices = [*online(acme, 2), offline]  # maintenance is NinjaOne's own state: offline devices too
    end = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    selected = [d.host_asset_id for d in devices]
    response = post(
        client, kind="maintenance", asset_ids=selected, end=end, features=["ALERTS"], submission="m"
    )
    assert response.status_code == 200
    assert {(r.kind, r.state) for r in actions(acme)} == {("maintenance_start", "confirmed")}
    assert len(actions(acme)) == 3


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"kind": "shutdown"}, 400, "Choose reboot, patch scan or maintenance mode"),
        ({"kind": "script"}, 400, "Choose reboot, patch scan or maintenance mode"),
        ({"kind": "reboot", "mode": "SOFT", "submission": "s"}, 400, "Reboot mode must be NORMAL or FORCED."),
        (
            {"kind": "patch_scan", "target": "firmware", "submission": "s"},
            400,
            "Patch target must be os or software.",
        ),
        ({"kind": "maintenance", "end": "2001-01-01T10:00", "submission": "s"}, 400, "in the past"),
        ({"kind": "maintenance", "submission": "s"}, 400, "The end time is required."),
    ],
)
def test_bad_parameters_change_nothing(acme, app, form, status, message):
    client = acme.login(app.test_client(), "tech@acme.test")
    selected = [d.host_asset_id for d in online(acme, 2)]
    acme.fake.state.reset_counters()
    response = post(client, asset_ids=selected, **form)
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert actions(acme) == [] and calls(acme) == 0


def test_empty_oversize_unknown_and_other_tenants_selections(acme, app):
    client = acme.login(app.test_client(), "tech@acme.test")
    acme.fake.state.reset_counters()
    response = post(client, kind="reboot", submission="s")
    assert response.status_code == 400 and "Select at least one device." in response.get_data(as_text=True)
    response = post(client, kind="reboot", asset_ids=[str(n) for n in range(1, MAX_BULK + 2)], submission="s")
    assert response.status_code == 400 and f"Select at most {MAX_BULK} devices" in response.get_data(
        as_text=True
    )
    assert post(client, kind="reboot", asset_ids=["999998", "999999"], submission="s").status_code == 404
    assert post(client, kind="reboot", asset_ids=["x" * 65], submission="s").status_code == 400
    (device,) = online(acme, 1)
    globex = acme.login(app.test_client(), "admin@globex.test", "globex")
    response = post(globex, kind="reboot", asset_ids=[device.host_asset_id], submission="s")
    assert response.status_code in (404, 409) and device.name not in response.get_data(as_text=True)
    assert actions(acme) == [] and calls(acme) == 0


def test_viewer_and_csrf(acme, app):
    selected = [d.host_asset_id for d in online(acme, 2)]
    viewer = acme.login(app.test_client(), "viewer@acme.test")
    assert post(viewer, kind="reboot", asset_ids=selected, mode="NORMAL", submission="s").status_code == 403
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        tech = acme.login(app.test_client(), "tech@acme.test")
        assert post(tech, kind="reboot", asset_ids=selected, mode="NORMAL", submission="s").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert actions(acme) == []


def test_ninjaone_errors_fail_or_retry_each_device_on_its_own(acme, app):
    client = acme.login(app.test_client(), "tech@acme.test")
    first, second, third = online(acme, 3)
    state = acme.fake.state
    state.faults.inject(Fault(path=f"/v2/device/{first.device_id}/reboot/NORMAL", kind="server_error",
                              method="POST", status=502))  # fmt: skip
    state.faults.inject(Fault(path=f"/v2/device/{second.device_id}/reboot/NORMAL", kind="rate_limit",
                              method="POST", retry_after=600))  # fmt: skip
    selected = [d.host_asset_id for d in (first, second, third)]
    response = client.post(
        BULK,
        data={"kind": "reboot", "asset_ids": selected, "mode": "NORMAL", "submission": "e"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 202
    states = {row["device_id"]: row["state"] for row in response.get_json()["actions"]}
    assert states == {first.device_id: "failed", second.device_id: "queued", third.device_id: "sent"}
    assert "confirmed" not in states.values()
    by_device = {r.device_id: r for r in actions(acme)}
    assert (
        "HTTP 502" in by_device[first.device_id].result
        and "not sent again" in by_device[first.device_id].result
    )
    assert by_device[second.device_id].result.startswith("Waiting to retry at")


def test_bulk_page_shows_device_names_as_text(acme, app):
    """Device names come from NinjaOne: escaped on the confirmation and on the skipped list."""
    (device,) = online(acme, 1)
    offline = next(d for d in acme.devices() if d.agent_status == "offline" and d.node_class in AGENTS)
    with acme.scope():
        for row_id in (device.id, offline.id):
            db.session.get(Device, row_id).name = "<b>x</b>"
        db.session.commit()
    client = acme.login(app.test_client(), "tech@acme.test")
    page = post(client, kind="reboot", asset_ids=[device.host_asset_id, offline.host_asset_id]).get_data(
        as_text=True
    )
    assert "<b>x</b>" not in page and page.count("&lt;b&gt;x&lt;/b&gt;") >= 2
