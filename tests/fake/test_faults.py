"""Injected faults are served for the next N matching requests, then normal service resumes."""

from __future__ import annotations

import time

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from tests.support.fake_api import Api


def inject(control: Api, **fault: object) -> None:
    response = control.request("POST", "/_fake/faults", json=fault)
    assert response.status_code == 201, response.text


def test_429_with_retry_after_then_normal_service(api: Api, control: Api) -> None:
    inject(control, path="/v2/devices*", kind="rate_limit", times=2, retry_after=7)
    for _ in range(2):
        throttled = api.get("/v2/devices")
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "7"
    assert api.get("/v2/devices").status_code == 200
    assert control.get("/_fake/faults").json() == []


def test_429_without_retry_after(api: Api, control: Api) -> None:
    inject(control, path="/v2/organizations", kind="rate_limit")
    throttled = api.get("/v2/organizations")
    assert throttled.status_code == 429
    assert "Retry-After" not in throttled.headers
    assert api.get("/v2/organizations").status_code == 200


@pytest.mark.parametrize("status", [200, 503])
def test_html_throttle_page(api: Api, control: Api, status: int) -> None:
    inject(control, path="/v2/devices-detailed", kind="html_throttle", status=status)
    page = api.get("/v2/devices-detailed")
    assert page.status_code == status
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.text.lstrip().startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError):
        page.json()
    assert isinstance(api.get("/v2/devices-detailed").json(), list)


def test_server_error_and_custom_status(api: Api, control: Api) -> None:
    inject(control, path="/v2/alerts", kind="server_error")
    inject(control, path="/v2/alerts", kind="server_error", status=502)
    assert api.get("/v2/alerts").status_code == 500
    assert api.get("/v2/alerts").status_code == 502
    assert api.get("/v2/alerts").status_code == 200


def test_slow_response_then_normal_speed(api: Api, control: Api) -> None:
    inject(control, path="/v2/locations", kind="slow", seconds=0.4)
    started = time.monotonic()
    assert api.get("/v2/locations").status_code == 200
    assert time.monotonic() - started >= 0.4
    assert control.get("/_fake/faults").json() == []  # spent: the next request is served at once
    assert api.get("/v2/locations").status_code == 200


def test_faults_match_path_and_method_and_leave_other_requests_alone(api: Api, control: Api) -> None:
    inject(control, path="/ws/oauth/token", kind="server_error", method="post")
    inject(control, path="/v2/queries/*", kind="rate_limit")
    assert api.get("/v2/organizations").status_code == 200
    assert api.get("/v2/queries/device-health").status_code == 429
    token = control.request("POST", "/ws/oauth/token", data={"grant_type": "client_credentials"})
    assert token.status_code == 500
    assert [fault["path"] for fault in control.get("/_fake/faults").json()] == []


def test_faults_are_counted_and_come_before_authentication(control: Api) -> None:
    control.request("DELETE", "/_fake/counters")
    inject(control, path="/v2/devices", kind="rate_limit")
    assert control.get("/v2/devices").status_code == 429, "throttling happens at the edge, before auth"
    assert control.get("/v2/devices").status_code == 401
    assert control.get("/_fake/counters").json()["requests"] == {"GET /v2/devices": 2}


def test_clear_faults(api: Api, control: Api) -> None:
    inject(control, path="*", kind="server_error", times=100)
    assert control.request("DELETE", "/_fake/faults").status_code == 204
    assert api.get("/v2/organizations").status_code == 200


def test_trickle_serves_the_real_answer_a_few_bytes_at_a_time(api: Api, control: Api) -> None:
    expected = api.get("/v2/locations").content
    inject(control, path="/v2/locations", kind="trickle", seconds=0.05, chunk_bytes=100)
    with api.session.get(f"{api.base}/v2/locations", stream=True, timeout=15) as trickled:
        assert trickled.status_code == 200  # the headers come at once
        assert trickled.headers["Content-Length"] == str(len(expected))
        chunks = []
        while chunk := trickled.raw.read1(4096):  # what has arrived so far
            chunks.append(chunk)
    assert b"".join(chunks) == expected  # the real answer, whole
    # In pieces of 100 bytes: a loaded client may find two pieces arrived by its next read, never a
    # piece cut short or the whole answer at once.
    assert len(chunks) > 1
    assert all(len(chunk) % 100 == 0 for chunk in chunks[:-1])
    assert api.get("/v2/locations").content == expected  # then normal service


@pytest.mark.parametrize(
    "fault",
    [
        {"path": "/v2/*", "kind": "explode"},
        {"path": "/v2/*", "kind": "rate_limit", "times": 0},
        {"path": "/v2/*", "kind": "html_throttle", "status": 500},
        {"path": "/v2/*", "kind": "slow"},
        {"path": "/v2/*", "kind": "trickle"},
        {"path": "/v2/*", "kind": "trickle", "seconds": 1, "chunk_bytes": 0},
        {"path": "/v2/*", "kind": "rate_limit", "colour": "red"},
        {"kind": "rate_limit"},
    ],
)
def test_bad_fault_definitions_are_400_and_queue_nothing(control: Api, fault: dict[str, object]) -> None:
    response = control.request("POST", "/_fake/faults", json=fault)
    assert response.status_code == 400
    assert response.json()["error"]
    assert control.get("/_fake/faults").json() == []


def test_python_api_injects_the_same_faults(fake: FakeNinjaOne, api: Api) -> None:
    fake.state.faults.inject(Fault("/v2/devices", "rate_limit", times=1, retry_after=1))
    assert api.get("/v2/devices").status_code == 429
    assert api.get("/v2/devices").status_code == 200


def _write_then_check(fake: FakeNinjaOne, api: Api) -> list[tuple[str, str, dict, object]]:
    """Every write the integration makes, with what proves it took effect."""
    device_id = api.get("/v2/devices").json()[0]["id"]
    first = fake.state.trigger_condition(device_id)["alert"]["uid"]
    second = fake.state.trigger_condition(device_id)["alert"]["uid"]
    active = lambda uid: uid in {alert["uid"] for alert in fake.state.alerts()}  # noqa: E731
    config = {"url": "http://127.0.0.1:9/hook", "activities": {"CONDITION": ["TRIGGERED"]}, "expand": []}
    configured = lambda: fake.state.webhooks.config("demo-client-id") is not None  # noqa: E731
    token = api.session.headers["Authorization"].removeprefix("Bearer ")
    revoke_form = {"token": token, "client_id": "demo-client-id", "client_secret": "demo-client-secret"}
    return [
        ("DELETE", f"/v2/alert/{first}", {}, lambda: not active(first)),
        ("POST", f"/v2/alert/{second}/reset", {"json": {}}, lambda: not active(second)),
        ("PUT", "/v2/webhook", {"json": config}, configured),
        ("DELETE", "/v2/webhook", {}, lambda: not configured()),
        ("POST", "/ws/oauth/revoke", {"data": revoke_form}, lambda: fake.state.oauth.bearer(token) is None),
    ]


@pytest.mark.parametrize("retry_after", [None, 30])
def test_writes_answer_429_for_n_requests_and_do_nothing_meanwhile(
    fake: FakeNinjaOne, api: Api, control: Api, retry_after: int | None
) -> None:
    """A 429 is served before the request is handled: NinjaOne did nothing, so a retry is safe."""
    for method, path, body, done in _write_then_check(fake, api):
        inject(control, path=path, kind="rate_limit", method=method, times=2, retry_after=retry_after)
        for _ in range(2):
            throttled = api.request(method, path, **body)
            assert throttled.status_code == 429, (method, path)
            assert throttled.headers.get("Retry-After") == (None if retry_after is None else str(retry_after))
            assert not done(), f"{method} {path} acted although it answered 429"
        assert api.request(method, path, **body).status_code in (200, 204), (method, path)
        assert done(), (method, path)
    assert control.get("/_fake/faults").json() == []
