from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from marshmallow import ValidationError

from flask_ninjaone.client.schemas import (
    ActivitiesPageSchema,
    ActivitySchema,
    AlertSchema,
    AntivirusStatusPageSchema,
    ApplicationSchema,
    DeviceHealthPageSchema,
    DeviceLinkSchema,
    DeviceSchema,
    EpochSeconds,
    LocationSchema,
    OrganizationSchema,
    OSPatchPageSchema,
    ServerMetadataSchema,
    SoftwarePageSchema,
    SoftwarePatchPageSchema,
    TokenResponseSchema,
    Unchanged,
    WebhookConfigurationSchema,
    payload_fingerprint,
)
from flask_ninjaone.client.schemas.devices import (
    AgentDeviceSchema,
    CloudMonitorTargetSchema,
    DeviceBaseSchema,
    MdmDeviceSchema,
    VMGuestSchema,
    VMHostSchema,
)
from tests.support.mocked_ninjaone import SAMPLES, sample

SAMPLE_SCHEMAS = {
    "activity-monitor-system-rebooted.json": (ActivitySchema, False),
    "alerts-list-item.json": (AlertSchema, True),
    "device-activity-actionset-start-requested.json": (ActivitySchema, False),
    "device-detail-vmhost.json": (DeviceSchema, False),
    "devices-detailed-item-windows-server.json": (DeviceSchema, True),
    "devices-list-vmhost-item.json": (DeviceSchema, True),
    "oauth-authorization-server-metadata.json": (ServerMetadataSchema, False),
    "queries-device-health-page.json": (DeviceHealthPageSchema, False),
    "webhook-condition-triggered.json": (ActivitySchema, False),
}


def test_every_sample_file_has_a_schema() -> None:
    assert {p.name for p in SAMPLES.glob("*.json")} == set(SAMPLE_SCHEMAS)


@pytest.mark.parametrize("name", sorted(SAMPLE_SCHEMAS))
def test_sample_loads_and_keeps_every_field(name: str) -> None:
    schema, many = SAMPLE_SCHEMAS[name]
    raw = sample(name)
    loaded = schema(many=many).load(copy.deepcopy(raw))
    items = zip(raw, loaded, strict=True) if many else [(raw, loaded)]
    for raw_item, loaded_item in items:
        assert set(loaded_item) == set(raw_item)  # unknown fields kept, nothing dropped


def test_windows_server_detail_types() -> None:
    device = DeviceSchema(many=True).load(sample("devices-detailed-item-windows-server.json"))[0]
    assert device["id"] == 5948
    assert device["lastContact"] == datetime(2025, 9, 29, 9, 6, 15, 901000, tzinfo=UTC)
    assert device["os"]["lastBootTime"].tzinfo is UTC
    assert device["system"]["totalPhysicalMemory"] == 68913397760
    assert device["processors"][0]["numLogicalCores"] == 14
    assert device["volumes"][0]["freeSpace"] == 60945354752
    assert device["volumes"][0]["nodeId"] == 5948  # not in the spec, kept as sent
    assert device["tags"] == []


def test_vmhost_shape_and_integer_timestamps() -> None:
    device = DeviceSchema().load(sample("device-detail-vmhost.json"))
    assert device["deviceType"] == "VMHost"
    assert device["cpuThreads"] == 40
    assert device["lastBootTime"] == datetime.fromtimestamp(1741071104, tz=UTC)
    activity = ActivitySchema().load(sample("activity-monitor-system-rebooted.json"))
    assert activity["activityTime"] == datetime.fromtimestamp(1747946704, tz=UTC)


def test_webhook_delivery_keeps_millisecond_params_raw() -> None:
    activity = ActivitySchema().load(sample("webhook-condition-triggered.json"))
    assert activity["activityTime"] == datetime(2025, 3, 19, 13, 41, 15, 556000, tzinfo=UTC)
    assert activity["data"]["message"]["params"]["end_date"] == 1742391675556
    assert activity["device"]["references"]["organization"] == {
        "id": 2,
        "name": "Example Consulting",
        "nodeApprovalMode": "AUTOMATIC",
    }
    assert activity["device"]["created"].year == 2024


def test_alert_sample() -> None:
    alert = AlertSchema(many=True).load(sample("alerts-list-item.json"))[0]
    assert alert["uid"] == "50edcf11-de92-4ecb-955b-c8066488b6cc"
    assert alert["createTime"] == datetime.fromtimestamp(1730332915, tz=UTC)
    assert alert["data"]["message"]["params"]["event_id"] == "41"


@pytest.mark.parametrize(
    ("device_type", "shape"),
    [
        ("AgentDevice", AgentDeviceSchema),
        ("VMHost", VMHostSchema),
        ("VMGuest", VMGuestSchema),
        ("MdmDevice", MdmDeviceSchema),
        ("CloudMonitorHTTP", CloudMonitorTargetSchema),
        ("CloudMonitorTarget", CloudMonitorTargetSchema),
        ("NMSTarget", DeviceBaseSchema),
        ("UnmanagedDevice", DeviceBaseSchema),
        ("SomethingNew", DeviceBaseSchema),
        (None, DeviceBaseSchema),
    ],
)
def test_device_dispatches_on_device_type(device_type: str | None, shape: type) -> None:
    assert isinstance(DeviceSchema._shape_of({"id": 1, "deviceType": device_type}), shape)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"id": 1, "deviceType": "VMGuest", "snapshotCount": "3"}, "snapshotCount"),
        ({"id": 1, "deviceType": "MdmDevice", "network": {"imei": "1"}}, "network"),
        ({"id": 1, "deviceType": "MdmDevice", "system": {"build": 7}}, "system"),
        ({"id": 1, "deviceType": "CloudMonitorPing", "interval": 1.5}, "interval"),
        ({"id": 1, "deviceType": "AgentDevice", "memory": {"capacity": "big"}}, "memory"),
    ],
)
def test_shape_specific_fields_are_type_checked(payload: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        DeviceSchema().load(payload)
    assert field in info.value.messages


def test_other_shapes_load() -> None:
    guest = DeviceSchema().load(
        {"id": 3, "deviceType": "VMGuest", "powerState": "ON", "lastBootTime": 1700000000}
    )
    assert guest["lastBootTime"].year == 2023
    mdm = DeviceSchema().load(
        {"id": 4, "deviceType": "MdmDevice", "system": {"build": "21A"}, "network": [{"imei": "35"}]}
    )
    assert mdm["network"] == [{"imei": "35"}]
    monitor = DeviceSchema().load(
        {"id": 5, "deviceType": "CloudMonitorHTTP", "target": "https://x", "interval": 5}
    )
    assert monitor["interval"] == 5


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"id": "abc"}, "id", "Not a valid integer."),
        ({"id": "5"}, "id", "Not a valid integer."),
        ({"id": True}, "id", "Not a valid integer."),
        ({"id": 1, "nodeClass": 5}, "nodeClass", "Not a valid string."),
        ({"id": 1, "deviceType": "AgentDevice", "os": [{"name": "x"}]}, "os", "Invalid input type."),
        (
            {"id": 1, "deviceType": "AgentDevice", "processors": {"name": "x"}},
            "processors",
            "Not a valid list.",
        ),
        ({"id": 1, "references": []}, "references", "Invalid input type."),
        ({"id": 1, "lastContact": "yesterday"}, "lastContact", "Not a valid epoch timestamp"),
        ({"id": 1, "ipAddresses": "10.0.0.1"}, "ipAddresses", "Not a valid list."),
        ({"nodeClass": "MAC"}, "id", "Missing data for required field."),
        ({"id": 1, "deviceType": 5}, "deviceType", "Not a valid string."),
    ],
)
def test_bad_device_types_rejected_with_clear_message(payload: dict, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        DeviceSchema().load(payload)
    assert any(message in str(text) for text in _flatten(info.value.messages[field]))


def test_device_list_errors_keyed_by_index() -> None:
    with pytest.raises(ValidationError) as info:
        DeviceSchema(many=True).load([{"id": 1}, {"id": "x"}, {"id": 3}])
    assert list(info.value.messages) == [1]
    with pytest.raises(ValidationError):
        DeviceSchema(many=True).load({"id": 1})


def test_nulls_are_dropped_like_absent_fields() -> None:
    device = DeviceSchema().load({"id": 1, "publicIP": None, "deviceType": "AgentDevice", "os": None})
    assert device == {"id": 1, "deviceType": "AgentDevice"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1742412252, 1742412252.0),
        (1742412252.744, 1742412252.744),
        ("1742412252.744000000", 1742412252.744),
        (" 1742412252 ", 1742412252.0),
        (1742412252744, 1742412252.744),  # milliseconds, clearly
        ("1742412252744", 1742412252.744),
        (0, 0.0),
    ],
)
def test_epoch_seconds_accepts_numbers_strings_and_milliseconds(value: object, expected: float) -> None:
    loaded = EpochSeconds().deserialize(value)
    assert loaded.tzinfo is UTC
    assert loaded.timestamp() == pytest.approx(expected, abs=1e-3)
    assert EpochSeconds()._serialize(loaded, None, None) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    "value", ["abc", "", "nan", "inf", "1_000", True, [1], {"s": 1}, -5, float("nan"), 10**30]
)
def test_epoch_seconds_rejects_garbage(value: object) -> None:
    with pytest.raises(ValidationError):
        EpochSeconds().deserialize(value)


def test_organization_location_and_query_rows() -> None:
    org = OrganizationSchema().load(
        {"id": 2, "name": "Acme", "locations": [{"id": 3, "name": "HQ"}], "policies": [{"nodeRoleId": 1}]}
    )
    assert org["locations"][0]["id"] == 3
    assert LocationSchema().load({"id": 3, "organizationId": 2})["organizationId"] == 2
    with pytest.raises(ValidationError):
        OrganizationSchema().load({"id": 2, "locations": {"id": 3}})

    cursor = {"name": "c1", "offset": 0, "count": 1, "expires": 1742412252}
    software = SoftwarePageSchema().load(
        {
            "cursor": cursor,
            "results": [{"deviceId": 1, "name": "7-Zip", "size": 10, "timestamp": 1742412252.5}],
        }
    )
    assert software["cursor"]["expires"].year == 2025
    assert software["results"][0]["timestamp"].microsecond == 500000
    patches = OSPatchPageSchema().load(
        {"results": [{"deviceId": 1, "kbNumber": "KB1", "installedAt": 1.7e9}]}
    )
    assert patches["results"][0]["installedAt"].year == 2023
    assert SoftwarePatchPageSchema().load({"results": [{"deviceId": 1, "title": "Chrome"}]})
    assert AntivirusStatusPageSchema().load({"results": [{"deviceId": 1, "productState": "ON"}]})
    assert ApplicationSchema(many=True).load([{"name": "7-Zip"}]) == [{"name": "7-Zip"}]
    with pytest.raises(ValidationError):
        DeviceHealthPageSchema().load({"results": [{"alertCount": 1}]})  # rows must name their device
    with pytest.raises(ValidationError):
        DeviceHealthPageSchema().load({"cursor": {"name": "c"}})  # results required


def test_activities_page_and_device_link() -> None:
    page = ActivitiesPageSchema().load(
        {"lastActivityId": 9, "activities": [sample("device-activity-actionset-start-requested.json")]}
    )
    assert page["activities"][0]["userId"] == 31
    link = DeviceLinkSchema().load({"url": "https://eu.ninjarmm.com/x", "expires": 1742412252})
    assert link["expires"] == datetime.fromtimestamp(1742412252, tz=UTC)


def test_token_response_schema() -> None:
    assert TokenResponseSchema().load({"access_token": "a", "expires_in": 3600})["expires_in"] == 3600
    for bad in ({"access_token": ""}, {"token_type": "bearer"}, {"access_token": "a", "expires_in": -1}):
        with pytest.raises(ValidationError):
            TokenResponseSchema().load(bad)


def test_webhook_configuration_schema_refuses_unknown_and_bad_values() -> None:
    good = {"url": "https://psa.example.com/hook", "activities": {"CONDITION": ["TRIGGERED"]}}
    assert WebhookConfigurationSchema().load(good)
    for bad in ({**good, "extra": 1}, {**good, "url": "not a url"}, {**good, "organizationIds": ["1"]}):
        with pytest.raises(ValidationError):
            WebhookConfigurationSchema().load(bad)


def _flatten(messages: object) -> list[str]:
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flatten(value)]
    if isinstance(messages, list):
        return [text for value in messages for text in _flatten(value)]
    return [str(messages)]


def test_device_page_skips_only_what_the_caller_already_has() -> None:
    windows = sample("devices-detailed-item-windows-server.json")[0]
    good = {**copy.deepcopy(windows), "id": 7}
    broken = {**copy.deepcopy(windows), "id": 8, "offline": "not-a-boolean"}
    fresh = {**copy.deepcopy(windows), "id": 9}
    asked: list[tuple[int, str]] = []

    def unchanged(candidates):
        asked.extend((device_id, fingerprint) for device_id, fingerprint, _ in candidates)
        return {7, 8}

    loaded = DeviceSchema(many=True, unchanged=unchanged).load([good, broken, fresh])
    assert asked == [
        (7, payload_fingerprint(good)),
        (8, payload_fingerprint(broken)),
        (9, payload_fingerprint(fresh)),
    ]
    # Skipped items stand in by id alone and are not loaded (so not validated) again.
    assert loaded[:2] == [{"id": 7}, {"id": 8}] and all(type(item) is Unchanged for item in loaded[:2])
    assert type(loaded[2]) is dict and loaded[2]["system"] == windows["system"]


def test_device_page_never_skips_an_item_without_a_plain_integer_id() -> None:
    asked: list[int] = []

    def unchanged(candidates):
        asked.extend(device_id for device_id, _, _ in candidates)
        return {1, 9}

    with pytest.raises(ValidationError) as error:
        DeviceSchema(many=True, unchanged=unchanged).load([{"id": True}, {"id": "9"}, {"id": 1}])
    assert asked == [1]  # True hashes equal to 1 but is no id
    assert set(error.value.messages) == {0, 1}  # errors keep the page's own indexes


def test_payload_fingerprint_ignores_key_order_but_not_values() -> None:
    device = sample("devices-detailed-item-windows-server.json")[0]
    reordered = dict(reversed(list(device.items())))
    assert payload_fingerprint(reordered) == payload_fingerprint(device)
    assert payload_fingerprint({**device, "offline": not device.get("offline")}) != payload_fingerprint(
        device
    )
