"""Every response of the fake is checked against NinjaOne's real OpenAPI document.

For each implemented endpoint the response schema is resolved in ``shared/ninjaone/openapi.json``
(``$ref`` into ``components.schemas``, ``allOf`` merged, the ``deviceType`` discriminator switched to the
named component schema) and every returned value is checked recursively: JSON type, enum membership,
``uuid``/``date-time`` formats, and — because the spec never says ``additionalProperties: false`` — that
the fake emits no field the spec does not name, except the documented exceptions below.
"""

from __future__ import annotations

from typing import Any

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, seed_fleet
from flask_ninjaone.testing.fake_ninjaone.device_builder import (
    COMMON_DETAIL_FIELDS,
    DEVICE_TYPE_FIELDS,
)
from flask_ninjaone.testing.fake_ninjaone.enums import DEVICE_TYPES
from flask_ninjaone.testing.fake_ninjaone.oauth_store import ALL_SCOPES
from flask_ninjaone.testing.fake_ninjaone.payloads import SUMMARY_FIELDS
from tests.support.fake_api import Api
from tests.support.openapi_check import check, component, normalize, response_schema

# Fields the fake emits that the spec does not name, per endpoint, each with its reason.
EXCEPTIONS: dict[str, dict[str, str]] = {
    "GET /v2/devices-detailed": {
        "[].volumes[].nodeId": "real payload samples/devices-detailed-item-windows-server.json carries it",
    },
    "GET /v2/device/{id}": {
        ".volumes[].nodeId": "same Volume object as devices-detailed (real sample carries nodeId)",
    },
}


def assert_conforms(method: str, template: str, body: Any) -> None:
    endpoint = f"{method} {template}"
    problems = check(body, response_schema(method, template), "", EXCEPTIONS.get(endpoint, {}))
    assert not problems, f"{endpoint}:\n" + "\n".join(sorted(set(problems))[:30])


@pytest.fixture(scope="module")
def world() -> Any:
    """One fleet big enough to hold every node class and deviceType, with alerts and history."""
    with FakeNinjaOne() as server:
        seed_fleet(server.state, devices=600, organizations=8, seed=3)
        api = Api(server.url, server.state.oauth.issue_access_token(scopes=ALL_SCOPES))
        yield server, api
        api.close()


def test_checker_reports_unknown_fields_wrong_types_and_bad_enums() -> None:
    body = [{"id": "7", "nodeClass": "TOASTER", "bogus": 1, "created": 1.5, "uid": "not-a-uuid"}]
    problems = check(body, response_schema("GET", "/v2/devices"), "", {})
    assert "[].id: str '7' is not integer" in problems
    assert "[].nodeClass: 'TOASTER' not in enum" in problems
    assert "[].bogus: field not named by the spec" in problems
    assert "[].uid: 'not-a-uuid' is not a uuid" in problems
    assert not [problem for problem in problems if problem.startswith("[].created")]


def test_checker_switches_on_the_device_type_discriminator() -> None:
    vm_host_field = {"id": 1, "deviceType": "VMHost", "cpuMhz": 2195}
    agent_with_vm_host_field = {"id": 1, "deviceType": "AgentDevice", "cpuMhz": 2195}
    schema = response_schema("GET", "/v2/device/{id}")
    assert check(vm_host_field, schema, "", {}) == []
    assert check(agent_with_vm_host_field, schema, "", {}) == [".cpuMhz: field not named by the spec"]


@pytest.mark.parametrize(
    ("template", "params"),
    [
        ("/v2/organizations", {}),
        ("/v2/organizations-detailed", {}),
        ("/v2/locations", {}),
        ("/v2/devices", {"pageSize": 1000}),
        ("/v2/devices-detailed", {"pageSize": 1000}),
        ("/v2/alerts", {}),
        ("/v2/activities", {"pageSize": 1000}),
        ("/v2/device-custom-fields", {}),
    ],
)
def test_list_endpoints_conform(world: Any, template: str, params: dict[str, Any]) -> None:
    _, api = world
    response = api.get(template, **params)
    assert response.status_code == 200
    assert response.json(), "an empty answer would check nothing"
    assert_conforms("GET", template, response.json())


def test_detailed_devices_cover_every_device_type(world: Any) -> None:
    _, api = world
    seen = {device["deviceType"] for device in api.get("/v2/devices-detailed", pageSize=1000).json()}
    assert seen == set(DEVICE_TYPES)


def test_organization_endpoints_conform(world: Any) -> None:
    _, api = world
    for template in (
        "/v2/organization/{id}",
        "/v2/organization/{id}/locations",
        "/v2/organization/{id}/devices",
    ):
        response = api.get(template.replace("{id}", "2"))
        assert response.status_code == 200
        assert_conforms("GET", template, response.json())


def test_device_endpoints_conform_for_every_device_type(world: Any) -> None:
    server, api = world
    by_type: dict[str, int] = {}
    for device in api.get("/v2/devices-detailed", pageSize=1000).json():
        by_type.setdefault(device["deviceType"], device["id"])
    alerting = {alert["deviceId"] for alert in api.get("/v2/alerts").json()}
    device_ids = set(by_type.values()) | set(sorted(alerting)[:3])
    for device_id in sorted(device_ids):
        for template in (
            "/v2/device/{id}",
            "/v2/device/{id}/alerts",
            "/v2/device/{id}/software",
            "/v2/device/{id}/os-patches",
            "/v2/device/{id}/software-patches",
            "/v2/device/{id}/dashboard-url",
            "/v2/device/{id}/custom-fields",
            "/v2/device/{id}/last-logged-on-user",
        ):
            response = api.get(template.replace("{id}", str(device_id)))
            assert response.status_code == 200, (template, device_id, response.text)
            assert_conforms("GET", template, response.json())


@pytest.mark.parametrize(
    "report",
    [
        "software",
        "os-patches",
        "os-patch-installs",
        "software-patches",
        "antivirus-status",
        "device-health",
        "custom-fields",
        "custom-fields-detailed",
        "logged-on-users",
    ],
)
def test_query_reports_conform_over_a_whole_walk(world: Any, report: str) -> None:
    _, api = world
    template = f"/v2/queries/{report}"
    params: dict[str, Any] = {"pageSize": 1000, "df": "org in (1,2)"}
    rows = 0
    while True:
        body = api.get(template, **params).json()
        assert_conforms("GET", template, body)
        rows += len(body["results"])
        if len(body["results"]) < 1000:
            break
        params = {"pageSize": 1000, "cursor": body["cursor"]["name"]}
    assert rows > 0


def test_webhook_delivery_conforms_to_activity_and_device(world: Any, receiver: Any) -> None:
    server, api = world
    server.state.webhooks.synchronous = True
    config = {"url": receiver.url, "activities": {}, "expand": ["device"], "headers": []}
    assert api.request("PUT", "/v2/webhook", json=config).status_code == 204
    try:
        device = api.get("/v2/devices", pageSize=1, df="class = WINDOWS_SERVER").json()[0]
        server.state.trigger_condition(device["id"], severity="MAJOR", priority="HIGH")
        server.state.reboot_device(device["id"])
    finally:
        api.request("DELETE", "/v2/webhook")
    assert len(receiver.payloads()) == 2
    for payload in receiver.payloads():
        activity = {key: value for key, value in payload.items() if key != "device"}
        assert check(activity, component("Activity"), "", {}) == []
        # The spec's Activity has no ``device``; real deliveries carry it (samples/webhook-*.json).
        assert check(payload["device"], component("NodeWithDetailedReferences"), ".device", {}) == []


def test_device_type_fields_match_the_spec_components() -> None:
    base = set(normalize(component("Device"))["properties"])
    assert set(SUMMARY_FIELDS) | COMMON_DETAIL_FIELDS | {"references"} == base
    for name in DEVICE_TYPES:
        assert set(normalize(component(name))["properties"]) - base == DEVICE_TYPE_FIELDS[name], name
