"""Client methods of the device actions: paths, bodies, validation before any request, retries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from responses import matchers

from flask_ninjaone.client import ApiError, InvalidResponse, NotFound, RateLimited, UserContextRequired
from tests.support.mocked_ninjaone import API

END = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_reboot_sends_mode_and_reason(rsps, client) -> None:
    rsps.post(
        f"{API}/device/7/reboot/FORCED", status=204, match=[matchers.json_params_matcher({"reason": "hung"})]
    )
    assert client.reboot_device(7, "FORCED", "hung") is None
    rsps.post(f"{API}/device/8/reboot/NORMAL", status=204, match=[matchers.json_params_matcher({})])
    client.reboot_device(8)
    assert len(rsps.calls) == 2


@pytest.mark.parametrize(
    ("device_id", "mode"), [(7, "normal"), (7, "SOFT"), (-1, "NORMAL"), (True, "NORMAL")]
)
def test_reboot_refuses_bad_input_without_a_request(rsps, client, device_id, mode) -> None:
    with pytest.raises(ValueError):
        client.reboot_device(device_id, mode)
    assert len(rsps.calls) == 0


def test_reboot_post_is_not_replayed_after_a_5xx_but_is_after_429(rsps, client, sleeps) -> None:
    rsps.post(f"{API}/device/7/reboot/NORMAL", status=502, json={"resultCode": "FAILURE"})
    with pytest.raises(ApiError) as caught:
        client.reboot_device(7)
    assert caught.value.status == 502
    assert len(rsps.calls) == 1
    rsps.replace("POST", f"{API}/device/7/reboot/NORMAL", status=429, headers={"Retry-After": "1"})
    rsps.add("POST", f"{API}/device/7/reboot/NORMAL", status=204)
    client.reboot_device(7)
    assert len(rsps.calls) == 3


def test_reboot_long_retry_after_raises_rate_limited(rsps, client) -> None:
    rsps.post(f"{API}/device/7/reboot/NORMAL", status=429, headers={"Retry-After": "600"})
    with pytest.raises(RateLimited) as caught:
        client.reboot_device(7)
    assert caught.value.retry_after == 600


def test_schedule_maintenance_body(rsps, client) -> None:
    start = datetime(2099, 1, 1, 4, 0, tzinfo=timezone(timedelta(hours=1)))
    body = {
        "disabledFeatures": ["ALERTS", "PATCHING"],
        "end": int(END.timestamp() * 1000),
        "start": int(start.timestamp() * 1000),
        "reasonMessage": "disk swap",
    }
    rsps.put(f"{API}/device/7/maintenance", status=204, match=[matchers.json_params_matcher(body)])
    client.schedule_maintenance(
        7, end=END, start=start, disabled_features=["ALERTS", "PATCHING", "ALERTS"], reason="disk swap"
    )
    rsps.put(
        f"{API}/device/8/maintenance",
        status=204,
        match=[
            matchers.json_params_matcher({"disabledFeatures": ["ALERTS"], "end": int(END.timestamp() * 1000)})
        ],
    )
    client.schedule_maintenance(8, end=END)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": datetime(2099, 1, 1)}, "timezone-aware"),
        ({"end": END, "start": END}, "end must be after start"),
        ({"end": END, "disabled_features": []}, "one or more"),
        ({"end": END, "disabled_features": ["SLEEP"]}, "one or more"),
    ],
)
def test_schedule_maintenance_bad_input_sends_nothing(rsps, client, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        client.schedule_maintenance(7, **kwargs)
    assert len(rsps.calls) == 0


def test_maintenance_put_and_delete_are_retried_on_5xx(rsps, client) -> None:
    rsps.put(f"{API}/device/7/maintenance", status=503)
    rsps.put(f"{API}/device/7/maintenance", status=204)
    client.schedule_maintenance(7, end=END)
    rsps.delete(f"{API}/device/7/maintenance", status=500)
    rsps.delete(f"{API}/device/7/maintenance", status=204)
    client.cancel_maintenance(7)
    assert [call.response.status_code for call in rsps.calls] == [503, 204, 500, 204]


def test_unknown_device_is_not_found(rsps, client) -> None:
    rsps.delete(f"{API}/device/9/maintenance", status=404, json={"resultCode": "FAILURE"})
    with pytest.raises(NotFound):
        client.cancel_maintenance(9)


def test_scripting_options_are_schema_loaded(rsps, client) -> None:
    uid = "4a0e9f9c-3b3e-4f0c-9d7e-2f3c5a8b1e01"
    body = {
        "categories": [{"id": 1, "name": "Maintenance", "internal": False}],
        "scripts": [
            {
                "type": "SCRIPT",
                "id": 101,
                "name": "Clear temp files",
                "language": "PowerShell",
                "categoryId": 1,
            },
            {"type": "ACTION", "uid": uid, "name": "Restart service", "newField": "kept"},
        ],
        "credentials": {
            "roles": ["SYSTEM"],
            "credentials": [{"id": 3, "name": "Domain admin", "type": "BASIC"}],
        },
    }
    rsps.get(f"{API}/device/7/scripting/options", json=body)
    options = client.scripting_options(7)
    assert options["scripts"][1]["uid"] == uuid.UUID(uid) and options["scripts"][1]["newField"] == "kept"
    assert options["credentials"]["credentials"][0]["name"] == "Domain admin"


def test_scripting_options_with_a_wrong_type_are_an_invalid_response(rsps, client) -> None:
    rsps.get(f"{API}/device/7/scripting/options", json={"scripts": [{"type": "SCRIPT", "id": "one"}]})
    with pytest.raises(InvalidResponse):
        client.scripting_options(7)


def test_run_script_bodies(rsps, client) -> None:
    rsps.post(f"{API}/device/7/script/run", status=204, match=[matchers.json_params_matcher(
        {"type": "SCRIPT", "id": 101, "parameters": "-Days 7", "runAs": "SYSTEM"})])  # fmt: skip
    client.run_script(7, script_type="SCRIPT", script_id=101, parameters="-Days 7", run_as="SYSTEM")
    uid = "4a0e9f9c-3b3e-4f0c-9d7e-2f3c5a8b1e01"
    rsps.post(f"{API}/device/8/script/run", status=204,
              match=[matchers.json_params_matcher({"type": "ACTION", "uid": uid})])  # fmt: skip
    client.run_script(8, script_type="ACTION", action_uid=uid.upper())
    for bad in (
        {"script_type": "MACRO"},
        {"script_type": "SCRIPT"},
        {"script_type": "ACTION", "action_uid": "x"},
    ):
        with pytest.raises((ValueError, TypeError)):
            client.run_script(7, **bad)
    assert len(rsps.calls) == 2


def test_run_script_user_context_required(rsps, client) -> None:
    rsps.post(
        f"{API}/device/7/script/run",
        status=403,
        json={"resultCode": "FAILURE", "errorMessage": "user_context_required: running scripts needs a user"},
    )
    with pytest.raises(UserContextRequired, match="reconnect"):
        client.run_script(7, script_type="SCRIPT", script_id=101)
    rsps.replace("POST", f"{API}/device/7/script/run", status=403, json={"errorMessage": "forbidden"})
    with pytest.raises(ApiError) as caught:
        client.run_script(7, script_type="SCRIPT", script_id=101)
    assert not isinstance(caught.value, UserContextRequired)


@pytest.mark.parametrize(
    ("target", "op"), [("os", "scan"), ("os", "apply"), ("software", "scan"), ("software", "apply")]
)
def test_patch_job_posts_to_the_specs_path_without_a_body(rsps, client, target, op) -> None:
    rsps.post(f"{API}/device/7/patch/{target}/{op}", status=204)
    assert client.submit_patch_job(7, target, op) is None
    assert len(rsps.calls) == 1 and not rsps.calls[0].request.body


@pytest.mark.parametrize(
    ("device_id", "target", "op"),
    [(7, "OS", "scan"), (7, "os", "install"), (7, "firmware", "scan"), (-1, "os", "scan")],
)
def test_patch_job_refuses_bad_input_without_a_request(rsps, client, device_id, target, op) -> None:
    with pytest.raises(ValueError):
        client.submit_patch_job(device_id, target, op)
    assert len(rsps.calls) == 0


def test_patch_job_is_not_replayed_after_a_5xx_but_is_after_429_and_400_is_raised(
    rsps, client, sleeps
) -> None:
    url = f"{API}/device/7/patch/os/apply"
    rsps.post(url, status=503, json={"resultCode": "FAILURE"})
    with pytest.raises(ApiError) as caught:
        client.submit_patch_job(7, "os", "apply")
    assert caught.value.status == 503 and len(rsps.calls) == 1
    rsps.replace("POST", url, status=429, headers={"Retry-After": "1"})
    rsps.add("POST", url, status=204)
    client.submit_patch_job(7, "os", "apply")
    assert len(rsps.calls) == 3
    rsps.replace("POST", url, status=400, json={"errorMessage": "Device is not applicable for os apply."})
    with pytest.raises(ApiError) as caught:
        client.submit_patch_job(7, "os", "apply")
    assert caught.value.status == 400 and "not applicable" in str(caught.value)
