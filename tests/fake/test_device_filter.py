"""The ``df`` device filter: parser units and its effect on the API."""

from __future__ import annotations

from typing import Any

import pytest

from flask_ninjaone.testing.fake_ninjaone.device_filter import DeviceFilterError, parse_device_filter
from tests.support.fake_api import Api

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
    every_status = "status in (APPROVED,PENDING,STAGED,DECOMMISSIONED)"
    everything = api.get("/v2/devices-detailed", pageSize=1000, df=every_status).json()

    def expect(df: str, predicate: Any) -> None:
        """``predicate`` over the whole fleet; a filter without a status clause sees APPROVED only."""
        approved_only = "status" not in df
        for path in ("/v2/devices", "/v2/devices-detailed"):
            found = api.get(path, pageSize=1000, df=df).json()
            assert [device["id"] for device in found] == [
                device["id"]
                for device in everything
                if predicate(device) and (not approved_only or device["approvalStatus"] == "APPROVED")
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


def test_device_lists_show_approved_devices_unless_df_names_a_status(api: Api, fake: Any) -> None:
    every = fake.state.devices_page(None, 100_000)
    approved = {device["id"] for device in every if device["approvalStatus"] == "APPROVED"}
    assert len(approved) < len(every)  # the fleet has PENDING, STAGED and DECOMMISSIONED devices too
    for path in ("/v2/devices", "/v2/devices-detailed"):
        assert {device["id"] for device in api.get(path, pageSize=1000).json()} == approved
        org_only = api.get(path, pageSize=1000, df="org = 1").json()
        assert {device["approvalStatus"] for device in org_only} == {"APPROVED"}
    pending = api.get("/v2/devices", pageSize=1000, df="status in (PENDING,STAGED)").json()
    assert pending and {device["approvalStatus"] for device in pending} <= {"PENDING", "STAGED"}
    listed = api.get("/v2/devices", pageSize=1000, df="status in (APPROVED,PENDING,STAGED,DECOMMISSIONED)")
    assert len(listed.json()) == len(every)
    in_org = {d["id"] for d in api.get("/v2/organization/1/devices", pageSize=1000).json()}
    assert in_org == {d["id"] for d in every if d["organizationId"] == 1 and d["id"] in approved}


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
