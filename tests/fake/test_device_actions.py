"""The fake's device actions: reboot and maintenance mode, as openapi.json describes them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from tests.support.fake_api import Api, Receiver, hook, new_device
from tests.support.openapi_check import check, component


def test_reboot_requests_and_completes_with_activities_and_webhooks(
    fake: FakeNinjaOne, api: Api, receiver: Receiver
) -> None:
    device_id = new_device(fake)
    hook(api, receiver)
    fake.state.reset_counters()
    answer = api.request("POST", f"/v2/device/{device_id}/reboot/NORMAL", json={"reason": "patch day"})
    assert (answer.status_code, answer.text) == (204, "")
    codes = [(p["activityType"], p["statusCode"]) for p in receiver.payloads()]
    assert codes == [("ACTION", "START_REQUESTED"), ("MONITOR", "SYSTEM_REBOOTED")]
    assert receiver.payloads()[0]["message"] == "Reboot (normal) requested: patch day"
    for payload in receiver.payloads():
        activity = {key: value for key, value in payload.items() if key != "device"}
        assert check(activity, component("Activity"), "", {}) == []
    assert fake.state.request_counts() == {"POST /v2/device/{id}/reboot/{mode}": 1}
    feed = api.get("/v2/activities", df=f"id = {device_id}").json()["activities"]
    assert [a["statusCode"] for a in feed[:2]] == ["SYSTEM_REBOOTED", "START_REQUESTED"]


def test_reboot_waits_for_the_agent_when_told_to(fake: FakeNinjaOne, api: Api, control: Api) -> None:
    device_id = new_device(fake)
    assert (
        control.request("PUT", "/_fake/settings", json={"complete_reboots": False}).json()["complete_reboots"]
        is False
    )
    assert api.request("POST", f"/v2/device/{device_id}/reboot/FORCED").status_code == 204
    feed = api.get("/v2/activities", df=f"id = {device_id}").json()["activities"]
    assert feed[0]["statusCode"] == "START_REQUESTED"
    assert control.request("POST", f"/_fake/devices/{device_id}/reboot").status_code == 201
    feed = api.get("/v2/activities", df=f"id = {device_id}").json()["activities"]
    assert feed[0]["statusCode"] == "SYSTEM_REBOOTED"


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/reboot/SOFT", None, 400, "Reboot mode must be one of"),
        ("/reboot/normal", None, 400, "Reboot mode must be one of"),
        ("/reboot/NORMAL", {"reason": 5}, 400, "'reason' must be a string"),
        ("/reboot/NORMAL", [1], 400, "Body must be a JSON object"),
    ],
)
def test_reboot_bad_input(
    fake: FakeNinjaOne, api: Api, path: str, body: Any, status: int, message: str
) -> None:
    device_id = new_device(fake)
    before = len(api.get("/v2/activities", df=f"id = {device_id}").json()["activities"])
    answer = api.request("POST", f"/v2/device/{device_id}{path}", json=body)
    assert answer.status_code == status
    assert message in answer.json()["errorMessage"]
    assert len(api.get("/v2/activities", df=f"id = {device_id}").json()["activities"]) == before


def test_reboot_refuses_offline_agents_other_classes_unknown_devices_and_missing_scope(
    fake: FakeNinjaOne, api: Api
) -> None:
    offline = new_device(fake, offline=True)
    answer = api.request("POST", f"/v2/device/{offline}/reboot/NORMAL")
    assert (answer.status_code, answer.json()["errorMessage"]) == (400, "Device is offline")
    host = new_device(fake, "VMWARE_VM_HOST")
    answer = api.request("POST", f"/v2/device/{host}/reboot/NORMAL")
    assert answer.status_code == 400
    assert "not supported for device class VMWARE_VM_HOST" in answer.json()["errorMessage"]
    assert api.request("POST", "/v2/device/999999/reboot/NORMAL").status_code == 404
    reader = Api(fake.url, fake.state.oauth.issue_access_token(scopes={"monitoring"}))
    device_id = new_device(fake)
    assert reader.request("POST", f"/v2/device/{device_id}/reboot/NORMAL").status_code == 403
    assert reader.request("PUT", f"/v2/device/{device_id}/maintenance", json={}).status_code == 403
    assert reader.request("DELETE", f"/v2/device/{device_id}/maintenance").status_code == 403
    assert Api(fake.url).request("POST", f"/v2/device/{device_id}/reboot/NORMAL").status_code == 401


def test_maintenance_sets_the_device_record_and_cancels(fake: FakeNinjaOne, api: Api) -> None:
    device_id = new_device(fake)
    end_ms = int((time.time() + 3600) * 1000)
    body = {"disabledFeatures": ["ALERTS", "PATCHING"], "end": end_ms, "reasonMessage": "disk swap"}
    assert api.request("PUT", f"/v2/device/{device_id}/maintenance", json=body).status_code == 204
    device = api.get(f"/v2/device/{device_id}").json()
    assert device["maintenance"]["status"] == "IN_MAINTENANCE"
    assert device["maintenance"]["end"] == pytest.approx(end_ms / 1000)
    assert device["maintenance"]["reasonMessage"] == "disk swap"
    assert check(device["maintenance"], component("Maintenance"), ".maintenance", {}) == []
    assert api.get("/v2/activities", df=f"id = {device_id}").json()["activities"][0]["statusCode"] == (
        "NODE_UPDATED"
    )
    later = {"disabledFeatures": ["ALERTS"], "start": "2099-01-01T00:00:00Z", "end": "2099-01-02T00:00:00Z"}
    assert api.request("PUT", f"/v2/device/{device_id}/maintenance", json=later).status_code == 204
    device = api.get(f"/v2/device/{device_id}").json()
    assert device["maintenance"]["status"] == "PENDING"
    assert "reasonMessage" not in device["maintenance"]
    assert api.request("DELETE", f"/v2/device/{device_id}/maintenance").status_code == 204
    assert "maintenance" not in api.get(f"/v2/device/{device_id}").json()
    assert api.request("DELETE", f"/v2/device/{device_id}/maintenance").status_code == 204
    assert api.request("DELETE", "/v2/device/999999/maintenance").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"disabledFeatures": ["ALERTS"]}, "'end' is required"),
        ({"disabledFeatures": [], "end": "2099-01-01T00:00:00Z"}, "at least one feature"),
        ({"disabledFeatures": ["SLEEP"], "end": "2099-01-01T00:00:00Z"}, "values must be among"),
        ({"disabledFeatures": ["ALERTS"], "end": 1000}, "'end' must be after 'start'"),
        (
            {"disabledFeatures": ["ALERTS"], "start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"},
            "'end' must be in the future",
        ),
        ({"disabledFeatures": ["ALERTS"], "end": "tomorrow"}, "not an ISO-8601"),
        ({"disabledFeatures": ["ALERTS"], "end": True}, "epoch milliseconds"),
        ({"disabledFeatures": ["ALERTS"], "end": "2099-01-01T00:00:00Z", "why": 1}, "Unknown fields"),
        (
            {"disabledFeatures": ["ALERTS"], "end": "2099-01-01T00:00:00Z", "reasonMessage": 3},
            "must be a string",
        ),
    ],
)
def test_maintenance_bad_input_changes_nothing(fake: FakeNinjaOne, api: Api, body: Any, message: str) -> None:
    device_id = new_device(fake)
    answer = api.request("PUT", f"/v2/device/{device_id}/maintenance", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["errorMessage"]
    assert "maintenance" not in api.get(f"/v2/device/{device_id}").json()


def test_injected_429_reaches_the_action_routes(fake: FakeNinjaOne, api: Api, control: Api) -> None:
    device_id = new_device(fake)
    fault = {"method": "POST", "path": f"/v2/device/{device_id}/reboot/NORMAL", "kind": "rate_limit"}
    assert control.request("POST", "/_fake/faults", json=fault).status_code == 201
    answer = api.request("POST", f"/v2/device/{device_id}/reboot/NORMAL")
    assert answer.status_code == 429
    assert api.get("/v2/activities", df=f"id = {device_id}").json()["activities"][0]["statusCode"] == (
        "NODE_CREATED"
    )


def test_scripting_options_follow_the_device_class(fake: FakeNinjaOne, api: Api) -> None:
    windows = api.get(f"/v2/device/{new_device(fake)}/scripting/options").json()
    assert [script["name"] for script in windows["scripts"]] == [
        "Clear temp files",
        "Restart print spooler",
        "Restart service",
    ]
    assert windows["credentials"] == {"roles": ["SYSTEM", "LOGGED_ON_USER"], "credentials": []}
    linux = api.get(f"/v2/device/{new_device(fake, 'LINUX_SERVER')}/scripting/options").json()
    assert [script["id"] for script in linux["scripts"]] == [201]
    host = api.get(f"/v2/device/{new_device(fake, 'VMWARE_VM_HOST')}/scripting/options").json()
    assert host == {"categories": [], "scripts": [], "credentials": {"roles": [], "credentials": []}}
    assert api.get("/v2/device/999999/scripting/options").status_code == 404
    reader = Api(fake.url, fake.state.oauth.issue_access_token(scopes={"monitoring"}))
    assert reader.get(f"/v2/device/{new_device(fake)}/scripting/options").status_code == 403


def test_script_run_needs_a_user_context_token(fake: FakeNinjaOne, api: Api, receiver: Receiver) -> None:
    device_id = new_device(fake)
    body = {"type": "SCRIPT", "id": 101, "runAs": "SYSTEM"}
    refused = api.request("POST", f"/v2/device/{device_id}/script/run", json=body)
    assert refused.status_code == 403
    assert refused.json()["errorMessage"].startswith("user_context_required")
    user = Api(fake.url, fake.state.oauth.issue_access_token(user_context=True))
    hook(user, receiver)
    assert user.request("POST", f"/v2/device/{device_id}/script/run", json=body).status_code == 204
    codes = [(p["activityType"], p["statusCode"], p["sourceName"]) for p in receiver.payloads()]
    assert codes == [
        ("SCRIPTING", "START_REQUESTED", "Clear temp files"),
        ("SCRIPTING", "COMPLETED", "Clear temp files"),
    ]
    assert receiver.payloads()[1]["data"] == {"exitCode": 0, "output": "Clear temp files: done"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "SCRIPT", "id": 201}, "Script 201 is not available for this device"),
        ({"type": "ACTION", "uid": "00000000-0000-0000-0000-000000000000"}, "is not available"),
        ({"type": "MACRO", "id": 101}, "'type' must be SCRIPT or ACTION"),
        ({"type": "SCRIPT", "id": 101, "runAs": "root"}, "runAs 'root' is not available"),
        ({"type": "SCRIPT", "id": 101, "parameters": ["-x"]}, "'parameters' must be a string"),
        ({"type": "SCRIPT", "id": 101, "timeout": 5}, "Unknown fields"),
    ],
)
def test_script_run_bad_input(fake: FakeNinjaOne, body: Any, message: str) -> None:
    user = Api(fake.url, fake.state.oauth.issue_access_token(user_context=True))
    device_id = new_device(fake)
    answer = user.request("POST", f"/v2/device/{device_id}/script/run", json=body)
    assert answer.status_code == 400 and message in answer.json()["errorMessage"]
    assert api_codes(user, device_id) == ["NODE_CREATED"]


def test_script_run_refuses_offline_agents(fake: FakeNinjaOne) -> None:
    user = Api(fake.url, fake.state.oauth.issue_access_token(user_context=True))
    device_id = new_device(fake, offline=True)
    answer = user.request("POST", f"/v2/device/{device_id}/script/run", json={"type": "SCRIPT", "id": 101})
    assert (answer.status_code, answer.json()["errorMessage"]) == (400, "Device is offline")
    assert (
        user.request("POST", "/v2/device/999999/script/run", json={"type": "SCRIPT", "id": 101}).status_code
        == 404
    )


def test_authorization_code_tokens_carry_the_user_context(fake: FakeNinjaOne) -> None:
    store = fake.state.oauth
    client = store.client("demo-client-id")
    assert (
        store.bearer(
            store.issue_tokens(client, frozenset({"management"}), refreshable=False)["access_token"]
        ).user_context
        is False
    )
    signed_in = store.issue_tokens(client, frozenset({"management"}), refreshable=True, user_context=True)
    assert (
        store.bearer(store.refresh(signed_in["refresh_token"], client)["access_token"]).user_context is True
    )


def api_codes(api: Api, device_id: int) -> list[str]:
    return [a["statusCode"] for a in api.get("/v2/activities", df=f"id = {device_id}").json()["activities"]]
