"""The ``/_fake/`` control API: device changes show up in the API and activities; bad input is a 400."""

from __future__ import annotations

from typing import Any

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from tests.support.fake_api import Api
from tests.support.patch_rows import FAILED_OS_PATCH, PENDING_SOFTWARE_PATCH


def activities_of(api: Api, device_id: int) -> list[str]:
    body = api.get("/v2/activities", pageSize=1000, df=f"id = {device_id}").json()
    return [activity["statusCode"] for activity in body["activities"]]


def test_create_device_follows_the_organization_approval_mode(
    control: Api, api: Api, fake: FakeNinjaOne
) -> None:
    manual = fake.state.add_organization("Manual Org", node_approval_mode="MANUAL")
    location = fake.state.add_location(manual["id"], "HQ")
    created = control.request(
        "POST", "/_fake/devices", json={"organizationId": manual["id"], "nodeClass": "MAC"}
    )
    assert created.status_code == 201
    device = created.json()
    assert (device["approvalStatus"], device["locationId"], device["deviceType"]) == (
        "PENDING",
        location["id"],
        "AgentDevice",
    )
    assert api.get(f"/v2/device/{device['id']}").json() == device
    assert activities_of(api, device["id"]) == ["NODE_CREATED"]
    approved = control.request("POST", f"/_fake/devices/{device['id']}/approve")
    assert approved.json()["approvalStatus"] == "APPROVED"
    assert control.request("POST", f"/_fake/devices/{device['id']}/approve").status_code == 400
    assert activities_of(api, device["id"]) == ["NODE_MANUALLY_APPROVED", "NODE_CREATED"]


def test_new_devices_get_ids_above_every_existing_one(control: Api, api: Api) -> None:
    highest = api.get("/v2/devices", pageSize=1000).json()[-1]["id"]
    created = control.request("POST", "/_fake/devices", json={"organizationId": 1}).json()
    assert created["id"] == highest + 1
    assert api.get("/v2/devices", pageSize=1000).json()[-1]["id"] == created["id"]


def test_update_merges_blocks_and_removes_null_fields(control: Api, api: Api) -> None:
    device = api.get("/v2/devices-detailed", pageSize=1000, df="class = WINDOWS_SERVER").json()
    device = next(d for d in device if "system" in d and "serialNumber" in d["system"])
    changes = {
        "system": {"serialNumber": "Default string"},
        "displayName": "東京サーバー-改",
        "offline": True,
    }
    updated = control.request("PATCH", f"/_fake/devices/{device['id']}", json=changes).json()
    assert updated["system"]["serialNumber"] == "Default string"
    assert updated["system"]["model"] == device["system"]["model"]
    assert updated["lastUpdate"] >= device["lastUpdate"]
    removed = control.request(
        "PATCH", f"/_fake/devices/{device['id']}", json={"system": {"serialNumber": None}, "os": None}
    )
    assert "serialNumber" not in removed.json()["system"]
    assert "os" not in api.get(f"/v2/device/{device['id']}").json()
    assert api.get("/v2/devices", df="offline AND class = WINDOWS_SERVER", pageSize=1000).json()
    assert activities_of(api, device["id"])[:2] == ["NODE_UPDATED", "NODE_UPDATED"]


def test_move_device_to_another_organization(control: Api, api: Api, fake: FakeNinjaOne) -> None:
    device = api.get("/v2/devices", pageSize=1, df="org = 1").json()[0]
    target = fake.state.locations_of(2)[0]
    moved = control.request(
        "PATCH", f"/_fake/devices/{device['id']}", json={"organizationId": 2, "locationId": target["id"]}
    )
    assert moved.status_code == 200
    assert device["id"] in {d["id"] for d in api.get("/v2/organization/2/devices", pageSize=1000).json()}


def test_approval_status_changes_emit_activities_and_change_what_lists_show(
    control: Api, api: Api, fake: FakeNinjaOne
) -> None:
    device_id = api.get("/v2/devices", pageSize=1, df="class = WINDOWS_WORKSTATION").json()[0]["id"]
    for status in ("PENDING", "APPROVED", "STAGED", "DECOMMISSIONED"):
        changed = control.request(
            "PUT", f"/_fake/devices/{device_id}/approval", json={"approvalStatus": status}
        )
        assert changed.status_code == 200 and changed.json()["approvalStatus"] == status
        listed = {
            d["id"] for d in api.get("/v2/devices-detailed", pageSize=1000, df=f"id = {device_id}").json()
        }
        assert listed == ({device_id} if status == "APPROVED" else set())
        with_status = api.get("/v2/devices-detailed", df=f"id = {device_id} AND status = {status}").json()
        assert [d["id"] for d in with_status] == [device_id]
    assert activities_of(api, device_id)[:4] == [
        "NODE_UPDATED",  # STAGED -> DECOMMISSIONED
        "NODE_UPDATED",  # APPROVED -> STAGED
        "NODE_MANUALLY_APPROVED",  # PENDING -> APPROVED
        "NODE_UPDATED",  # APPROVED -> PENDING
    ]


def test_move_route_picks_the_new_organizations_location_and_emits_node_updated(
    control: Api, api: Api, fake: FakeNinjaOne
) -> None:
    device = api.get("/v2/devices", pageSize=1, df="org = 1").json()[0]
    moved = control.request("POST", f"/_fake/devices/{device['id']}/move", json={"organizationId": 3})
    assert moved.status_code == 200
    assert (moved.json()["organizationId"], moved.json()["locationId"]) == (
        3,
        fake.state.locations_of(3)[0]["id"],
    )
    assert api.get(f"/v2/device/{device['id']}").json()["organizationId"] == 3
    assert activities_of(api, device["id"])[0] == "NODE_UPDATED"


def test_unlogged_deletion_leaves_no_activity(control: Api, api: Api) -> None:
    device_id = api.get("/v2/devices", pageSize=1).json()[0]["id"]
    before = api.get("/v2/activities", pageSize=10).json()["lastActivityId"]
    assert control.request("DELETE", f"/_fake/devices/{device_id}?unlogged=true").status_code == 204
    assert api.get(f"/v2/device/{device_id}").status_code == 404
    assert api.get("/v2/activities", pageSize=10).json()["lastActivityId"] == before


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/_fake/devices", {}, 400),
        ("POST", "/_fake/devices", {"organizationId": 999}, 404),
        ("POST", "/_fake/devices", {"organizationId": 1, "nodeClass": "TOASTER"}, 400),
        ("POST", "/_fake/devices", {"organizationId": 1, "locationId": 999}, 400),
        ("POST", "/_fake/devices", {"organizationId": 1, "cpuMhz": 3000}, 400),
        ("PATCH", "/_fake/devices/{id}", {"nodeClass": "MAC"}, 400),
        ("PATCH", "/_fake/devices/{id}", {"displayname": "typo"}, 400),
        ("PATCH", "/_fake/devices/{id}", {"approvalStatus": "ACTIVE"}, 400),
        ("PATCH", "/_fake/devices/{id}", {"organizationId": 2, "locationId": 1}, 400),
        ("PATCH", "/_fake/devices/999999", {"displayName": "x"}, 404),
        ("PUT", "/_fake/devices/{id}/approval", {"approvalStatus": "ACTIVE"}, 400),
        ("PUT", "/_fake/devices/{id}/approval", {}, 400),
        ("PUT", "/_fake/devices/999999/approval", {"approvalStatus": "PENDING"}, 404),
        ("POST", "/_fake/devices/{id}/move", {}, 400),
        ("POST", "/_fake/devices/{id}/move", {"organizationId": 999}, 404),
        ("POST", "/_fake/devices/{id}/move", {"organizationId": 2, "locationId": 1}, 400),
        ("POST", "/_fake/devices/{id}/move", {"organizationId": 2, "floor": 3}, 400),
        ("POST", "/_fake/devices/999999/move", {"organizationId": 2}, 404),
        ("DELETE", "/_fake/devices/999999", None, 404),
        ("DELETE", "/_fake/devices/{id}?unlogged=maybe", None, 400),
        ("POST", "/_fake/devices/{id}/conditions", {"severity": "HUGE"}, 400),
        ("POST", "/_fake/devices/{id}/conditions", {"repeat": 0}, 400),
        ("POST", "/_fake/devices/{id}/conditions", {"condition": "weather"}, 400),
        ("POST", "/_fake/devices/{id}/conditions", {"sourceType": "CONDITION_WEATHER"}, 400),
        ("POST", "/_fake/devices/{id}/conditions", {"colour": "red"}, 400),
        ("POST", "/_fake/devices/999999/conditions", {}, 404),
        ("POST", "/_fake/alerts/no-such-alert/reset", {}, 404),
        ("POST", "/_fake/devices/{id}/conditions", {"activityTime": "yesterday"}, 400),
        ("POST", "/_fake/devices/{id}/conditions", {"activityTime": True}, 400),
        ("POST", "/_fake/activities", {"activityType": "CONDITION"}, 400),
        ("POST", "/_fake/activities", {"activityType": "NOPE", "statusCode": "TRIGGERED"}, 400),
        (
            "POST",
            "/_fake/activities",
            {"activityType": "SYSTEM", "statusCode": "NODE_CREATED", "deviceId": 999999},
            404,
        ),
        ("POST", "/_fake/clients", {"client_id": "x"}, 400),
        ("POST", "/_fake/clients", {"client_id": "x", "client_secret": "y", "scopes": ["root"]}, 400),
        ("PUT", "/_fake/settings", {"colour": "red"}, 400),
        ("PUT", "/_fake/settings", {"access_token_lifetime": 0}, 400),
        ("POST", "/_fake/devices", [1, 2], 400),
    ],
)
def test_bad_control_requests_change_nothing(
    control: Api, api: Api, method: str, path: str, body: Any, status: int
) -> None:
    device_id = api.get("/v2/devices", pageSize=1, df="class = WINDOWS_WORKSTATION").json()[0]["id"]
    before_devices = api.get("/v2/devices-detailed", pageSize=1000).json()
    before_activities = api.get("/v2/activities", pageSize=10).json()["lastActivityId"]
    response = control.request(method, path.replace("{id}", str(device_id)), json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]
    assert api.get("/v2/devices-detailed", pageSize=1000).json() == before_devices
    assert api.get("/v2/activities", pageSize=10).json()["lastActivityId"] == before_activities


def test_generic_activity_and_reset_routes(control: Api, api: Api) -> None:
    device_id = api.get("/v2/devices", pageSize=1).json()[0]["id"]
    recorded = control.request(
        "POST",
        "/_fake/activities",
        json={
            "activityType": "ANTIVIRUS",
            "statusCode": "BDAS_BITDEFENDER_THREAT_QUARANTINED",
            "deviceId": device_id,
            "severity": "CRITICAL",
            "message": "Threat quarantined",
        },
    )
    assert recorded.status_code == 201
    assert recorded.json()["status"] == "Bdas Bitdefender Threat Quarantined"
    uid = control.request("POST", f"/_fake/devices/{device_id}/conditions", json={}).json()["alert"]["uid"]
    reset = control.request("POST", f"/_fake/alerts/{uid}/reset", json={})
    assert (reset.status_code, reset.json()["statusCode"], reset.json()["seriesUid"]) == (200, "RESET", uid)


def test_conditions_and_resets_can_be_dated(control: Api, api: Api) -> None:
    """A history of trigger/reset cycles (flapping tests) needs events at chosen times."""
    device_id = api.get("/v2/devices", pageSize=1).json()[0]["id"]
    triggered = control.request(
        "POST", f"/_fake/devices/{device_id}/conditions", json={"activityTime": 1742391600}
    ).json()
    assert triggered["activities"][0]["activityTime"] == 1742391600
    uid = triggered["alert"]["uid"]
    bad = control.request("POST", f"/_fake/alerts/{uid}/reset", json={"activityTime": -5})
    assert bad.status_code == 400 and "activityTime" in bad.json()["error"]
    reset = control.request("POST", f"/_fake/alerts/{uid}/reset", json={"activityTime": 1742391660.5})
    assert (reset.status_code, reset.json()["activityTime"]) == (200, 1742391660.5)


def test_settings_clients_and_counters(control: Api, fake: FakeNinjaOne) -> None:
    settings = control.request(
        "PUT", "/_fake/settings", json={"access_token_lifetime": 60, "synchronous_webhooks": False}
    )
    assert settings.json() == {
        "deny_consent": False,
        "synchronous_webhooks": False,
        "capture_webhooks": False,
        "access_token_lifetime": 60,
        "complete_reboots": True,
        "complete_patch_jobs": True,
    }
    client = control.request(
        "POST",
        "/_fake/clients",
        json={
            "client_id": "tenant-7",
            "client_secret": "pw",
            "redirect_uris": ["https://psa.example/cb"],
            "scopes": ["monitoring"],
            "system_admin": False,
        },
    )
    assert client.status_code == 201
    assert client.json() == {
        "client_id": "tenant-7",
        "redirect_uris": ["https://psa.example/cb"],
        "scopes": ["monitoring"],
        "system_admin": False,
    }
    issued = control.request(
        "POST",
        "/ws/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "tenant-7", "client_secret": "pw"},
    ).json()
    assert (issued["expires_in"], issued["scope"]) == (60, "monitoring")
    bearer = Api(fake.url, issued["access_token"])
    bearer.get("/v2/devices")
    bearer.get("/v2/device/1")
    bearer.get("/v2/device/2")
    counts = control.get("/_fake/counters").json()["requests"]
    assert (counts["GET /v2/devices"], counts["GET /v2/device/{id}"]) == (1, 2)
    assert not [key for key in counts if key.startswith("GET /_fake")], "the control API is not counted"
    assert control.request("DELETE", "/_fake/counters").status_code == 204
    assert control.get("/_fake/counters").json() == {"requests": {}, "token_grants": {}}
    bearer.close()


def _report(api: Api, report: str, device_id: int) -> list[dict[str, Any]]:
    body = api.get(f"/v2/queries/{report}", pageSize=1000, df=f"id = {device_id}").json()
    return body["results"]


def test_set_device_inventory_is_served_by_every_endpoint_and_the_health_counts(
    control: Api, api: Api
) -> None:
    device_id = api.get("/v2/devices", pageSize=1, df="class = WINDOWS_WORKSTATION").json()[0]["id"]
    before = api.get(f"/v2/device/{device_id}").json()["lastUpdate"]
    antivirus = {"productName": "Windows Defender", "productState": "OFF", "definitionStatus": "OUT_OF_DATE",
                 "version": "4.18.24020.7"}  # fmt: skip
    response = control.request(
        "PUT",
        f"/_fake/devices/{device_id}/inventory",
        json={
            "osPatches": [FAILED_OS_PATCH],
            "softwarePatches": [PENDING_SOFTWARE_PATCH],
            "antivirus": [antivirus],
            "threats": {"activeThreatsCount": 2},
        },
    )
    assert response.status_code == 200, response.text
    assert api.get(f"/v2/device/{device_id}/os-patches").json() == [FAILED_OS_PATCH]
    assert api.get(f"/v2/device/{device_id}/software-patches").json() == [PENDING_SOFTWARE_PATCH]
    assert api.get(f"/v2/device/{device_id}/software-patches", status="FAILED").json() == []
    updated = api.get(f"/v2/device/{device_id}").json()["lastUpdate"]
    assert updated > before
    stamp = {"deviceId": device_id, "timestamp": updated}
    assert _report(api, "os-patches", device_id) == [{**FAILED_OS_PATCH, **stamp}]
    assert _report(api, "os-patch-installs", device_id) == [{**FAILED_OS_PATCH, **stamp}]
    assert _report(api, "software-patches", device_id) == [{**PENDING_SOFTWARE_PATCH, **stamp}]
    assert _report(api, "antivirus-status", device_id) == [{**antivirus, **stamp}]
    [health] = _report(api, "device-health", device_id)
    assert (health["failedOSPatchesCount"], health["pendingOSPatchesCount"]) == (1, 0)
    assert (health["failedSoftwarePatchesCount"], health["pendingSoftwarePatchesCount"]) == (0, 1)
    assert (health["activeThreatsCount"], health["healthStatus"]) == (2, "UNHEALTHY")

    # None hands a row set back to the generator; the other replacements stay.
    control.request("PUT", f"/_fake/devices/{device_id}/inventory", json={"osPatches": None})
    assert api.get(f"/v2/device/{device_id}/os-patches").json() != [FAILED_OS_PATCH]
    assert api.get(f"/v2/device/{device_id}/software-patches").json() == [PENDING_SOFTWARE_PATCH]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"patches": []},
        {"osPatches": {"id": "x"}},
        {"osPatches": ["not an object"]},
        {"osPatches": [{"name": "x", "deviceId": 1}]},  # deviceId is the report's, not the device's row
        {"softwarePatches": [{"title": 5}]},
        {"softwarePatches": [{"title": "x", "productIdentifier": "not-a-uuid"}]},
        {"antivirus": [{"productName": "x", "productState": True}]},
        {"threats": {"activeThreatsCount": -1}},
        {"threats": {"alertCount": 1}},
    ],
)
def test_bad_inventory_changes_are_400_and_change_nothing(control: Api, api: Api, body: Any) -> None:
    device_id = api.get("/v2/devices", pageSize=1, df="class = WINDOWS_WORKSTATION").json()[0]["id"]
    paths = ("", "/os-patches", "/software-patches")
    before = [api.get(f"/v2/device/{device_id}{path}").json() for path in paths]
    response = control.request("PUT", f"/_fake/devices/{device_id}/inventory", json=body)
    assert response.status_code == 400 and response.json()["error"]
    assert [api.get(f"/v2/device/{device_id}{path}").json() for path in paths] == before


def test_inventory_of_an_unknown_device_is_404(control: Api) -> None:
    response = control.request("PUT", "/_fake/devices/999999/inventory", json={"antivirus": []})
    assert response.status_code == 404
