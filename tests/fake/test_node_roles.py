"""``GET /v2/noderole/list``: the device roles every device's ``nodeRoleId`` points at.

The spec gives the endpoint no response schema, so its items are checked against the spec's
``NodeRole`` component (the shape ``/v2/roles`` documents), as the fake serves them (inferred).
"""

from __future__ import annotations

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fake_ninjaone.enums import NODE_CLASSES

from .conftest import Api
from .test_openapi_conformance import check, component


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
