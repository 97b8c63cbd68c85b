"""The fake's patch scans and applies (``POST /v2/device/{id}/patch/{os|software}/{scan|apply}``)."""

from __future__ import annotations

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from tests.support.fake_api import Api, Receiver, hook, new_device
from tests.support.openapi_check import check, component, spec


def test_the_four_paths_are_the_specs() -> None:
    paths = {path for path in spec()["paths"] if "/patch/" in path and path.startswith("/v2/device/")}
    assert paths == {
        f"/v2/device/{{id}}/patch/{t}/{o}" for t in ("os", "software") for o in ("scan", "apply")
    }


@pytest.mark.parametrize(
    ("target", "kind"), [("os", "PATCH_MANAGEMENT"), ("software", "SOFTWARE_PATCH_MANAGEMENT")]
)
def test_scan_answers_204_and_reports_started_then_completed(
    fake: FakeNinjaOne, api: Api, receiver: Receiver, target: str, kind: str
) -> None:
    device_id = new_device(fake)
    hook(api, receiver)
    fake.state.reset_counters()
    answer = api.request("POST", f"/v2/device/{device_id}/patch/{target}/scan")
    assert (answer.status_code, answer.text) == (204, "")
    codes = [(p["activityType"], p["statusCode"]) for p in receiver.payloads()]
    assert codes == [(kind, f"{kind}_SCAN_STARTED"), (kind, f"{kind}_SCAN_COMPLETED")]
    for payload in receiver.payloads():
        activity = {key: value for key, value in payload.items() if key != "device"}
        assert check(activity, component("Activity"), "", {}) == []
    assert fake.state.request_counts() == {f"POST /v2/device/{{id}}/patch/{target}/scan": 1}


def test_apply_installs_the_approved_patches(fake: FakeNinjaOne, api: Api, receiver: Receiver) -> None:
    device_id = new_device(fake)
    approved = {"id": "0b7f3c56-9d1e-4f2a-8c3b-5e6d7f8a9b0c", "name": "2024-02 Cumulative Update",
                "severity": "CRITICAL", "status": "APPROVED", "type": "SECURITY_UPDATES"}  # fmt: skip
    pending = {**approved, "id": "1c8f3c56-9d1e-4f2a-8c3b-5e6d7f8a9b0c", "status": "PENDING"}
    fake.state.set_device_inventory(device_id, {"osPatches": [approved, pending]})
    hook(api, receiver)
    assert api.request("POST", f"/v2/device/{device_id}/patch/os/apply").status_code == 204
    codes = [p["statusCode"] for p in receiver.payloads()]
    assert codes == [
        "PATCH_MANAGEMENT_APPLY_PATCH_STARTED",
        "PATCH_MANAGEMENT_INSTALLED",
        "PATCH_MANAGEMENT_APPLY_PATCH_COMPLETED",
    ]
    left = api.get(f"/v2/device/{device_id}/os-patches").json()
    assert [row["status"] for row in left] == ["PENDING"]  # installed ones leave the pending list


def test_a_failing_job_and_one_that_waits(fake: FakeNinjaOne, api: Api, control: Api) -> None:
    device_id = new_device(fake)
    fake.state.device_actions.failing_patch_jobs.add(device_id)
    assert api.request("POST", f"/v2/device/{device_id}/patch/os/scan").status_code == 204
    feed = api.get("/v2/activities", df=f"id = {device_id}").json()["activities"]
    assert feed[0]["statusCode"] == "PATCH_MANAGEMENT_FAILURE"
    settings = control.request("PUT", "/_fake/settings", json={"complete_patch_jobs": False}).json()
    assert settings["complete_patch_jobs"] is False
    assert api.request("POST", f"/v2/device/{device_id}/patch/software/apply").status_code == 204
    feed = api.get("/v2/activities", df=f"id = {device_id}").json()["activities"]
    assert feed[0]["statusCode"] == "SOFTWARE_PATCH_MANAGEMENT_APPLY_PATCH_STARTED"


def test_refuses_what_cannot_be_patched_unknown_devices_missing_scope_and_throttles(
    fake: FakeNinjaOne, api: Api
) -> None:
    offline = new_device(fake, offline=True)
    answer = api.request("POST", f"/v2/device/{offline}/patch/os/scan")
    assert (answer.status_code, answer.json()["errorMessage"]) == (400, "Device is offline")
    host = new_device(fake, "VMWARE_VM_HOST")
    answer = api.request("POST", f"/v2/device/{host}/patch/os/apply")
    assert (answer.status_code, answer.json()["errorMessage"]) == (
        400,
        "Device is not applicable for os apply.",
    )
    mac = new_device(fake, "MAC")
    assert api.request("POST", f"/v2/device/{mac}/patch/os/scan").status_code == 204
    answer = api.request("POST", f"/v2/device/{mac}/patch/software/scan")
    assert (answer.status_code, answer.json()["errorMessage"]) == (
        400,
        "Device is not applicable for software scan.",
    )
    assert api.request("POST", "/v2/device/999999/patch/os/scan").status_code == 404
    assert api.request("POST", f"/v2/device/{mac}/patch/firmware/scan").status_code == 404
    assert api.request("GET", f"/v2/device/{mac}/patch/os/scan").status_code == 405
    reader = Api(fake.url, fake.state.oauth.issue_access_token(scopes={"monitoring"}))
    assert reader.request("POST", f"/v2/device/{mac}/patch/os/scan").status_code == 403
    path = f"/v2/device/{mac}/patch/os/scan"
    fake.state.faults.inject(Fault(path=path, kind="rate_limit", method="POST", retry_after=7))
    answer = api.request("POST", path)
    assert (answer.status_code, answer.headers.get("Retry-After")) == (429, "7")
