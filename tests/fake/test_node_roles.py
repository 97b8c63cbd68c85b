"""``GET /v2/noderole/list``: the device roles every device's ``nodeRoleId`` points at.

The spec gives the endpoint no response schema, so its items are checked against the spec's
``NodeRole`` component (the shape ``/v2/roles`` documents), as the fake serves them (inferred).
"""

from __future__ import annotations

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fake_ninjaone.enums import NODE_CLASSES
from flask_ninjaone.testing.fake_ninjaone.node_roles import role_id_for
from tests.support.fake_api import Api
from tests.support.openapi_check import check, component


def test_roles_conform_to_the_node_role_component(fake: FakeNinjaOne, api: Api) -> None:
    parent = fake.state.node_roles()[0]
    fake.state.add_node_role("Kiosk", parent["id"], chassis_type="DESKTOP")
    response = api.get("/v2/noderole/list")
    assert response.status_code == 200
    roles = response.json()
    schema = {"type": "array", "items": component("NodeRole")}
    assert check(roles, schema, "", {}) == []
    assert {role["nodeClass"] for role in roles} == set(NODE_CLASSES), "one built-in role per class"
    (custom,) = [role for role in roles if role["custom"]]
    assert custom["nodeRoleParentId"] == parent["id"] and custom["nodeClass"] == parent["nodeClass"]


def test_every_device_role_is_listed_with_the_device_class(fake: FakeNinjaOne, api: Api) -> None:
    roles = {role["id"]: role for role in api.get("/v2/noderole/list").json()}
    devices = api.get("/v2/devices", pageSize=1000).json()
    assert devices
    for device in devices:
        assert roles[device["nodeRoleId"]]["nodeClass"] == device["nodeClass"]


def test_a_device_takes_only_a_listed_role_of_its_class(fake: FakeNinjaOne) -> None:
    state = fake.state
    device = state.create_device(1, "WINDOWS_SERVER")
    workstation_role = next(r for r in state.node_roles() if r["nodeClass"] == "WINDOWS_WORKSTATION")
    with pytest.raises(ValueError, match="does not exist"):
        state.update_device(device["id"], {"nodeRoleId": 999_999})
    with pytest.raises(ValueError, match="not WINDOWS_SERVER"):
        state.update_device(device["id"], {"nodeRoleId": workstation_role["id"]})
    server_role = next(r for r in state.node_roles() if r["nodeClass"] == "WINDOWS_SERVER")
    sql = state.add_node_role("SQL Server", server_role["id"])
    assert state.update_device(device["id"], {"nodeRoleId": sql["id"]})["nodeRoleId"] == sql["id"]


def test_role_names_are_unique_and_parents_must_exist(fake: FakeNinjaOne) -> None:
    state = fake.state
    parent = state.node_roles()[0]
    state.add_node_role("Front desk", parent["id"])
    with pytest.raises(ValueError, match="exists already"):
        state.add_node_role("Front desk", parent["id"])
    with pytest.raises(LookupError):
        state.add_node_role("Orphan", 424_242)


def test_is_assignable_must_be_a_boolean(api: Api) -> None:
    assert api.get("/v2/noderole/list", isAssignable="true").status_code == 200
    assert api.get("/v2/noderole/list", isAssignable="maybe").status_code == 400


def test_control_api_adds_roles_and_locations(fake: FakeNinjaOne, control: Api, api: Api) -> None:
    parent = role_id_for("WINDOWS_SERVER")
    created = control.request(
        "POST", "/_fake/node-roles", json={"name": "SQL Server", "nodeRoleParentId": parent}
    )
    assert created.status_code == 201 and created.json()["nodeClass"] == "WINDOWS_SERVER"
    assert created.json()["id"] in {role["id"] for role in api.get("/v2/noderole/list").json()}
    for bad in (
        {"name": "x"},
        {"name": "", "nodeRoleParentId": parent},
        {"name": "y", "nodeRoleParentId": parent, "colour": 1},
    ):
        assert control.request("POST", "/_fake/node-roles", json=bad).status_code == 400
    assert (
        control.request(
            "POST", "/_fake/node-roles", json={"name": "z", "nodeRoleParentId": 424242}
        ).status_code
        == 404
    )
    location = control.request("POST", "/_fake/organizations/1/locations", json={"name": "Annex"})
    assert location.status_code == 201
    listed = api.get("/v2/organization/1/locations").json()
    assert location.json()["id"] in {loc["id"] for loc in listed}
    assert (
        control.request("POST", "/_fake/organizations/999/locations", json={"name": "Annex"}).status_code
        == 404
    )
    assert control.request("POST", "/_fake/organizations/1/locations", json={}).status_code == 400
