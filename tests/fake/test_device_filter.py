"""The ``df`` device filter: parser units and its effect on the API."""

from __future__ import annotations

from typing import Any

import pytest

from flask_ninjaone.testing.fake_ninjaone.device_filter import DeviceFilterError, parse_device_filter

from .conftest import FLEET_SIZE, Api

DEVICE = {"id": 5948, "organizationId": 12, "locationId": 3, "nodeClass": "MAC", "approvalStatus": "PENDING"}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("org = 12", True),
        ("org eq 12", True),
        ("ORG EQ 13", False),
        ("org in (1,2,12)", True),
        ("org in ( 1 , 2 )", False),
        ("loc = 3", True),
        ("class = MAC", True),
        ("class in (WINDOWS_WORKSTATION,MAC)", True),
        ("class = WINDOWS_SERVER", False),
        ("id = 5948", True),
        ("id=5948", True),
        ("id in (1,2)", False),
        ("status eq PENDING", True),
        ("status = APPROVED", False),
        ("status in (PENDING,STAGED)", True),
        ("online", True),
        ("offline", False),
        ("org = 12 AND class = MAC and online", True),
        ("org = 12 AND offline", False),
        ("", True),
        ("   ", True),
    ],
)
def test_filter_forms(text: str, matches: bool) -> None:
    assert parse_device_filter(text)({**DEVICE, "offline": False}) is matches


@pytest.mark.parametrize(
    "text",
    [
        "org = x",
        "org = ²",
        "org",
        "org =",
        "org in 1",
        "org in (1,",
        "org in ()",
        "org = 1 OR id = 2",
        "org = 1 AND",
        "org = 1 id = 2",
        "class = mac",
        "class = TOASTER",
        "status eq ACTIVE",
        "color = red",
        "AND org = 1",
    ],
)
def test_invalid_filters_raise(text: str) -> None:
    with pytest.raises(DeviceFilterError):
        parse_device_filter(text)


def test_api_filters_devices_by_every_form(api: Api) -> None:
    everything = api.get("/v2/devices-detailed", pageSize=1000).json()

    def expect(df: str, predicate: Any) -> None:
        for path in ("/v2/devices", "/v2/devices-detailed"):
            found = api.get(path, pageSize=1000, df=df).json()
            assert [device["id"] for device in found] == [
                device["id"] for device in everything if predicate(device)
            ], (path, df)

    expect("org = 2", lambda device: device["organizationId"] == 2)
    expect("org in (1,3)", lambda device: device["organizationId"] in (1, 3))
    expect(
        "class in (WINDOWS_WORKSTATION,MAC)",
        lambda device: device["nodeClass"] in ("WINDOWS_WORKSTATION", "MAC"),
    )
    expect("class = VMWARE_VM_HOST", lambda device: device["nodeClass"] == "VMWARE_VM_HOST")
    expect(f"id = {everything[5]['id']}", lambda device: device["id"] == everything[5]["id"])
    expect("status eq PENDING", lambda device: device["approvalStatus"] == "PENDING")
    expect("offline", lambda device: device["offline"])
    expect(
        "org = 1 AND online AND status = APPROVED",
        lambda device: (
            device["organizationId"] == 1 and not device["offline"] and device["approvalStatus"] == "APPROVED"
        ),
    )


def test_without_df_every_approval_status_is_listed(api: Api) -> None:
    devices = api.get("/v2/devices", pageSize=1000).json()
    assert len(devices) == FLEET_SIZE
    assert {"APPROVED", "PENDING", "DECOMMISSIONED"} <= {device["approvalStatus"] for device in devices}


@pytest.mark.parametrize(
    "path", ["/v2/devices", "/v2/devices-detailed", "/v2/alerts", "/v2/activities", "/v2/queries/software"]
)
def test_invalid_df_is_a_400_with_a_json_error(api: Api, path: str) -> None:
    response = api.get(path, df="org = 1 OR org = 2")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert "device filter" in response.json()["errorMessage"]


def test_alerts_filter_by_df_and_source_type(api: Api, fake: Any) -> None:
    device = api.get("/v2/devices", pageSize=1, df="org = 3 AND class = WINDOWS_WORKSTATION").json()[0]
    fake.state.trigger_condition(device["id"], condition="eventlog")
    in_org = api.get("/v2/alerts", df="org = 3").json()
    assert device["id"] in {alert["deviceId"] for alert in in_org}
    devices_in_org = {d["id"] for d in api.get("/v2/devices", pageSize=1000, df="org = 3").json()}
    assert {alert["deviceId"] for alert in in_org} <= devices_in_org
    by_source = api.get("/v2/alerts", sourceType="CONDITION_WINDOWS_EVENT_LOG_TRIGGERED").json()
    assert by_source and {alert["sourceType"] for alert in by_source} == {
        "CONDITION_WINDOWS_EVENT_LOG_TRIGGERED"
    }
