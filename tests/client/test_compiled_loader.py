"""The compiled device loader gives marshmallow's result, and leaves every refusal to marshmallow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields, post_load

from flask_ninjaone.client.schemas import DEVICE_SHAPES, DeviceSchema, NinjaSchema, WebhookConfigurationSchema
from flask_ninjaone.client.schemas.compiled import Miss, compile_loader
from flask_ninjaone.client.schemas.devices import DeviceBaseSchema
from flask_ninjaone.testing.fake_ninjaone import FakeState, seed_fleet


def _marshmallow(item: Any) -> Any:
    """What the device's shape schema alone (no compiled loader) makes of ``item``."""
    return DeviceSchema._shape_of(item).load(item)


@pytest.fixture(scope="module")
def fleet() -> list[dict[str, Any]]:
    """Devices of every shape the fake generates, as they arrive over the wire (JSON round trip)."""
    state = FakeState()
    seed_fleet(state, devices=400, organizations=5, seed=18)
    page = state.devices_page(None, 1000)
    return json.loads(json.dumps(page))


def test_the_fleet_has_every_shape(fleet: list[dict[str, Any]]) -> None:
    generated = {device["deviceType"] for device in fleet}
    assert generated >= set(DEVICE_SHAPES) - {"NMSServer", "CloudMonitorTarget"}


def test_every_fleet_device_loads_fast_to_marshmallows_result(fleet: list[dict[str, Any]]) -> None:
    """No fleet device falls back (the fast path is the path taken), and each result is equal."""
    for device in fleet:
        shape = DeviceSchema._shape_of(device)
        loader = compile_loader(shape)
        assert loader is not None, type(shape).__name__
        assert loader(device) == _marshmallow(device), device["id"]
    assert DeviceSchema(many=True).load(fleet) == [_marshmallow(device) for device in fleet]


AGENT = {"id": 7, "deviceType": "AgentDevice", "organizationId": 1}

#: Edge cases the compiled loader takes itself (timestamps go through the field's own conversion).
EDGES = [
    {**AGENT, "lastContact": "1742412252.744000000"},
    {**AGENT, "lastContact": 1742412252744},
    {**AGENT, "lastContact": 1742412252.5, "created": 0},
    {**AGENT, "tags": [], "userData": {"a": None}, "system": {"serialNumber": None}},
    {**AGENT, "id": 2**63 - 1, "parentDeviceId": -(2**63), "unknownField": {"kept": [None]}},
]
#: Values marshmallow accepts by coercing them: the compiled loader must hand them over, not guess.
COERCED = [
    {**AGENT, "offline": "yes"},
    {**AGENT, "offline": 0},
    {**AGENT, "system": {"virtualMachine": "true", "serialNumber": None}},
    {**AGENT, "volumes": [{"autoMount": 1, "capacity": None}]},
]

#: Payloads marshmallow refuses, at every depth and of every field kind.
REFUSED = [
    {"deviceType": "AgentDevice"},
    {**AGENT, "id": True},
    {**AGENT, "id": 2**63},
    {**AGENT, "id": 1.0},
    {**AGENT, "organizationId": "1"},
    {**AGENT, "displayName": 5},
    {**AGENT, "offline": "maybe"},
    {**AGENT, "lastContact": "yesterday"},
    {**AGENT, "lastContact": -1},
    {**AGENT, "tags": ["a", None]},
    {**AGENT, "tags": "a"},
    {**AGENT, "userData": []},
    {**AGENT, "os": [{"name": "x"}]},
    {**AGENT, "os": {"lastBootTime": True}},
    {**AGENT, "processors": [{"numCores": "4"}]},
    {**AGENT, "volumes": [{"capacity": 1.5}, "C:"]},
    {**AGENT, "references": {"organization": {"locations": [{"name": "no id"}]}}},
    {**AGENT, "references": {"warranty": {"endDate": "soon"}}},
    {"id": 8, "deviceType": "VMHost", "cpuCores": "8"},
    {"id": 9, "deviceType": "MdmDevice", "network": {"imei": "1"}},
    {"id": 10, "deviceType": "CloudMonitorPing", "enabled": "sometimes"},
    {"id": 11, "maintenance": {"start": "now"}},
]


@pytest.mark.parametrize("payload", EDGES)
def test_edge_cases_load_fast_as_marshmallow_loads_them(payload: dict[str, Any]) -> None:
    loader = compile_loader(DeviceSchema._shape_of(payload))
    assert loader is not None
    assert loader(payload) == _marshmallow(payload)


@pytest.mark.parametrize("payload", COERCED)
def test_coerced_values_load_as_marshmallow_loads_them(payload: dict[str, Any]) -> None:
    loader = compile_loader(DeviceSchema._shape_of(payload))
    assert loader is not None
    with pytest.raises(Miss):
        loader(payload)
    assert DeviceSchema().load(payload) == _marshmallow(payload)


@pytest.mark.parametrize("payload", REFUSED)
def test_refusals_are_marshmallows_own(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as expected:
        _marshmallow(payload)
    with pytest.raises(ValidationError) as single:
        DeviceSchema().load(payload)
    assert single.value.messages == expected.value.messages
    with pytest.raises(ValidationError) as page:
        DeviceSchema(many=True).load([AGENT, payload])
    assert page.value.messages == {1: expected.value.messages}


def test_schemas_it_cannot_mirror_get_no_compiled_loader() -> None:
    class WithHook(NinjaSchema):
        id = fields.Integer()

        @post_load
        def _tag(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            return {**data, "tagged": True}

    class Keyed(NinjaSchema):
        node = fields.String(data_key="nodeName")

    class Plain(Schema):
        name = fields.String()

    for schema in (
        WithHook(),
        Keyed(),
        Plain(),
        WebhookConfigurationSchema(),
        DeviceBaseSchema(only=("id",)),
    ):
        assert compile_loader(schema) is None, type(schema).__name__
    assert compile_loader(DeviceBaseSchema()) is not None
