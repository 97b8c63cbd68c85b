"""Webhook configuration through ``PUT /v2/webhook`` and delivery of activities to a real receiver."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from tests.support.fake_api import SHARED, Api, Receiver

SECRET_HEADER = {"name": "X-Integration-Secret", "value": "s3cret-value"}


def configure(api: Api, receiver: Receiver, **overrides: Any) -> None:
    config = {
        "url": receiver.url,
        "activities": {"CONDITION": ["TRIGGERED", "RESET"], "SYSTEM": [], "MONITOR": ["SYSTEM_REBOOTED"]},
        "expand": ["device"],
        "headers": [SECRET_HEADER],
    } | overrides
    response = api.request("PUT", "/v2/webhook", json=config)
    assert response.status_code == 204, response.text


def first_device(api: Api, df: str = "class = WINDOWS_WORKSTATION AND status = APPROVED") -> dict[str, Any]:
    return api.get("/v2/devices", pageSize=1, df=df).json()[0]


def test_condition_delivery_has_the_real_shape_and_the_configured_header(
    api: Api, control: Api, receiver: Receiver
) -> None:
    configure(api, receiver)
    device = first_device(api)
    created = control.request(
        "POST",
        f"/_fake/devices/{device['id']}/conditions",
        json={"condition": "memory", "severity": "MAJOR", "priority": "HIGH", "sourceName": "_average_"},
    )
    assert created.status_code == 201
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert delivery["path"] == "/hooks/ninjaone/abc123"
    assert delivery["headers"]["X-Integration-Secret"] == "s3cret-value"
    payload = delivery["json"]
    sample = json.loads((SHARED / "samples" / "webhook-condition-triggered.json").read_text())
    assert set(sample) <= set(payload), "every field of the real delivery is present"
    assert set(payload) - set(sample) == {"severity", "priority"}
    assert (payload["activityType"], payload["statusCode"], payload["status"]) == (
        "CONDITION",
        "TRIGGERED",
        "Triggered",
    )
    assert payload["seriesUid"] == created.json()["alert"]["uid"]
    assert payload["device"]["id"] == device["id"]
    references = payload["device"]["references"]
    assert references["organization"]["id"] == device["organizationId"]
    assert set(references["organization"]) >= {"name", "nodeApprovalMode", "id"}
    assert set(references["location"]) >= {"name", "id"}
    assert references["location"]["id"] == device["locationId"]
    assert "organizationId" not in payload, "no top-level organization, as in the real delivery"
    params = payload["data"]["message"]["params"]
    assert params["end_date"] > 10**12, "dates inside data.message.params are epoch milliseconds"


def test_reset_through_the_api_is_delivered_with_the_same_series(
    api: Api, fake: FakeNinjaOne, receiver: Receiver
) -> None:
    configure(api, receiver)
    device = first_device(api)
    uid = fake.state.trigger_condition(device["id"])["alert"]["uid"]
    assert api.request("DELETE", f"/v2/alert/{uid}").status_code == 204
    assert uid not in {alert["uid"] for alert in api.get("/v2/alerts").json()}
    assert api.request("DELETE", f"/v2/alert/{uid}").status_code == 404
    trigger, reset = receiver.payloads()
    assert (trigger["statusCode"], reset["statusCode"]) == ("TRIGGERED", "RESET")
    assert trigger["seriesUid"] == reset["seriesUid"] == uid
    assert trigger["id"] < reset["id"]
    activities = api.get("/v2/activities", pageSize=10, seriesUid=uid).json()["activities"]
    assert [activity["statusCode"] for activity in activities] == ["RESET", "TRIGGERED"]


def test_reset_with_custom_activity_data(api: Api, fake: FakeNinjaOne, receiver: Receiver) -> None:
    configure(api, receiver)
    uid = fake.state.trigger_condition(first_device(api)["id"])["alert"]["uid"]
    data = {"message": {"code": "psa_ticket_closed", "params": {"ticket": "T-42"}}}
    assert api.request("POST", f"/v2/alert/{uid}/reset", json=data).status_code == 204
    assert receiver.payloads()[-1]["data"] == data
    assert api.request("POST", f"/v2/alert/{uid}/reset", json={}).status_code == 404
    uid = fake.state.trigger_condition(first_device(api)["id"])["alert"]["uid"]
    assert (
        api.request(
            "POST", f"/v2/alert/{uid}/reset", data="[1]", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )


def test_repeat_delivers_the_same_activity_n_times(api: Api, control: Api, receiver: Receiver) -> None:
    configure(api, receiver)
    device = first_device(api)
    response = control.request("POST", f"/_fake/devices/{device['id']}/conditions", json={"repeat": 3})
    payloads = receiver.payloads()
    assert len(payloads) == 3
    assert payloads[0] == payloads[1] == payloads[2]
    assert payloads[0]["id"] == response.json()["activities"][0]["id"]
    assert len(api.get("/v2/alerts", df=f"id = {device['id']}").json()) >= 1


def test_out_of_order_delivers_reset_before_trigger(api: Api, control: Api, receiver: Receiver) -> None:
    configure(api, receiver)
    device = first_device(api)
    response = control.request(
        "POST", f"/_fake/devices/{device['id']}/conditions", json={"out_of_order": True}
    )
    reset, trigger = receiver.payloads()
    assert (reset["statusCode"], trigger["statusCode"]) == ("RESET", "TRIGGERED")
    assert reset["seriesUid"] == trigger["seriesUid"]
    assert reset["id"] > trigger["id"], "ids keep the true order; only the delivery order is swapped"
    assert response.json()["alert"]["uid"] not in {alert["uid"] for alert in api.get("/v2/alerts").json()}


def test_retriggering_an_active_condition_keeps_its_series(api: Api, fake: FakeNinjaOne) -> None:
    device = first_device(api)
    first = fake.state.trigger_condition(
        device["id"], source_config_uid="2c4e1f0a-0000-4000-8000-000000000001"
    )
    again = fake.state.trigger_condition(
        device["id"], source_config_uid="2c4e1f0a-0000-4000-8000-000000000001"
    )
    assert first["alert"]["uid"] == again["alert"]["uid"]
    assert again["alert"]["createTime"] == first["alert"]["createTime"]
    assert (
        len(
            [
                a
                for a in api.get(f"/v2/device/{device['id']}/alerts").json()
                if a["uid"] == first["alert"]["uid"]
            ]
        )
        == 1
    )


def test_device_lifecycle_activities_are_delivered_in_order(
    api: Api, control: Api, receiver: Receiver
) -> None:
    configure(api, receiver)
    created = control.request(
        "POST",
        "/_fake/devices",
        json={"organizationId": 2, "nodeClass": "WINDOWS_SERVER", "approvalStatus": "PENDING"},
    ).json()
    device_id = created["id"]
    assert (
        control.request(
            "PATCH", f"/_fake/devices/{device_id}", json={"displayName": "Büro-Server"}
        ).status_code
        == 200
    )
    assert (
        control.request("POST", f"/_fake/devices/{device_id}/approve").json()["approvalStatus"] == "APPROVED"
    )
    assert control.request("POST", f"/_fake/devices/{device_id}/reboot").status_code == 201
    assert control.request("DELETE", f"/_fake/devices/{device_id}").status_code == 200
    codes = [payload["statusCode"] for payload in receiver.payloads()]
    assert codes == [
        "NODE_CREATED",
        "NODE_UPDATED",
        "NODE_MANUALLY_APPROVED",
        "SYSTEM_REBOOTED",
        "NODE_DELETED",
    ]
    assert {payload["deviceId"] for payload in receiver.payloads()} == {device_id}
    assert receiver.payloads()[1]["device"]["displayName"] == "Büro-Server"
    assert receiver.payloads()[-1]["device"]["id"] == device_id, "the deleted device is expanded as it was"
    assert api.get(f"/v2/device/{device_id}").status_code == 404


def test_activity_filter_and_organization_filter(api: Api, fake: FakeNinjaOne, receiver: Receiver) -> None:
    configure(api, receiver, activities={"SYSTEM": ["NODE_CREATED"]}, organizationIds=[3], expand=[])
    fake.state.create_device(3)
    fake.state.create_device(2)
    in_org_3 = fake.state.devices_page(None, 1, organization_id=3)[0]
    fake.state.update_device(in_org_3["id"], {"displayName": "renamed"})
    fake.state.trigger_condition(in_org_3["id"])
    payloads = receiver.payloads()
    assert len(payloads) == 1
    assert payloads[0]["statusCode"] == "NODE_CREATED"
    assert "device" not in payloads[0], "no expand, no device"


def test_empty_activity_filter_matches_everything(api: Api, fake: FakeNinjaOne, receiver: Receiver) -> None:
    configure(api, receiver, activities={})
    device_id = first_device(api)["id"]
    fake.state.record_activity(
        activity_type="PATCH_MANAGEMENT", status_code="PATCH_MANAGEMENT_INSTALL_FAILED", device_id=device_id
    )
    fake.state.reboot_device(device_id)
    assert [p["statusCode"] for p in receiver.payloads()] == [
        "PATCH_MANAGEMENT_INSTALL_FAILED",
        "SYSTEM_REBOOTED",
    ]


def test_non_system_admin_client_gets_403_and_nothing_is_stored(
    fake: FakeNinjaOne, receiver: Receiver
) -> None:
    fake.state.oauth.register_client("technician-app", "secret", ["http://localhost*"], system_admin=False)
    api = Api(fake.url, fake.state.oauth.issue_access_token("technician-app"))
    response = api.request("PUT", "/v2/webhook", json={"url": receiver.url})
    assert response.status_code == 403
    assert "system administrators" in response.json()["errorMessage"]
    assert fake.state.webhooks.config("technician-app") is None
    api.close()


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"url": "not a url"},
        {"url": "ftp://example.com/hook"},
        {"url": "https://example.com/hook", "activities": {"CONDITIONS": ["TRIGGERED"]}},
        {"url": "https://example.com/hook", "activities": {"CONDITION": ["TRIGGERD"]}},
        {"url": "https://example.com/hook", "activities": {"CONDITION": "TRIGGERED"}},
        {"url": "https://example.com/hook", "headers": [{"name": "X-Secret"}]},
        {"url": "https://example.com/hook", "headers": {"X-Secret": "v"}},
        {"url": "https://example.com/hook", "organizationIds": ["1"]},
        {"url": "https://example.com/hook", "expand": "device"},
    ],
)
def test_invalid_webhook_configuration_is_400_and_not_stored(api: Api, fake: FakeNinjaOne, body: Any) -> None:
    response = api.request("PUT", "/v2/webhook", json=body)
    assert response.status_code == 400
    assert "Invalid webhook configuration" in response.json()["errorMessage"]
    assert fake.state.webhooks.config("demo-client-id") is None


def test_delete_webhook_stops_deliveries(
    api: Api, control: Api, fake: FakeNinjaOne, receiver: Receiver
) -> None:
    configure(api, receiver)
    assert control.get("/_fake/webhooks").json()["demo-client-id"]["headers"] == [SECRET_HEADER]
    assert api.request("DELETE", "/v2/webhook").status_code == 204
    assert control.get("/_fake/webhooks").json() == {}
    fake.state.trigger_condition(first_device(api)["id"])
    assert receiver.received == []


def test_each_api_client_has_its_own_configuration(api: Api, fake: FakeNinjaOne, receiver: Receiver) -> None:
    fake.state.oauth.register_client("second-app", "secret", ["http://localhost*"])
    second = Api(fake.url, fake.state.oauth.issue_access_token("second-app"))
    configure(api, receiver, headers=[{"name": "X-Tenant", "value": "one"}])
    configure(second, receiver, headers=[{"name": "X-Tenant", "value": "two"}])
    fake.state.trigger_condition(first_device(api)["id"])
    assert sorted(item["headers"]["X-Tenant"] for item in receiver.received) == ["one", "two"]
    second.close()


def test_delivery_outcomes_are_recorded(
    api: Api, control: Api, fake: FakeNinjaOne, receiver: Receiver
) -> None:
    receiver.status = 503
    configure(api, receiver)
    activity = fake.state.trigger_condition(first_device(api)["id"])["activities"][0]
    configure(api, receiver, url="http://127.0.0.1:9/unreachable")
    fake.state.reboot_device(first_device(api)["id"])
    failed, unreachable = control.get("/_fake/webhooks/deliveries").json()
    assert (failed["activity_id"], failed["status_code"], failed["error"]) == (activity["id"], 503, None)
    assert failed["headers"] == {"X-Integration-Secret": "s3cret-value"}
    assert unreachable["status_code"] is None
    assert "ConnectionError" in unreachable["error"]
    assert control.request("DELETE", "/_fake/webhooks/deliveries").status_code == 204
    assert control.get("/_fake/webhooks/deliveries").json() == []


def test_background_delivery_by_default(api: Api, fake: FakeNinjaOne, receiver: Receiver) -> None:
    fake.state.webhooks.synchronous = False
    configure(api, receiver)
    device_id = first_device(api)["id"]
    for _ in range(5):
        fake.state.reboot_device(device_id)
    assert fake.state.webhooks.wait_for_deliveries(timeout=10)
    assert len(receiver.received) == 5
    assert all(delivery.status_code == 200 for delivery in fake.state.webhooks.deliveries())


def test_captured_deliveries_are_held_for_a_receiver_http_cannot_reach(
    api: Api, control: Api, fake: FakeNinjaOne, receiver: Receiver
) -> None:
    """A Flask test client has no socket: capture keeps what NinjaOne would POST for a test to replay."""
    configure(api, receiver)
    settings = control.request("PUT", "/_fake/settings", json={"capture_webhooks": True})
    assert settings.json()["capture_webhooks"] is True
    device_id = first_device(api)["id"]
    trigger = fake.state.trigger_condition(device_id)["activities"][0]
    fake.state.reboot_device(device_id)
    assert receiver.received == [] and fake.state.webhooks.deliveries() == []  # nothing was POSTed

    taken = control.request("POST", "/_fake/webhooks/captured/take").json()
    assert [item["payload"]["id"] for item in taken] == [trigger["id"], trigger["id"] + 1]
    assert taken[0]["url"] == receiver.url
    assert taken[0]["headers"] == {"X-Integration-Secret": "s3cret-value"}
    assert taken[0]["payload"]["device"]["id"] == device_id  # expanded exactly as a POST would be
    assert control.request("POST", "/_fake/webhooks/captured/take").json() == []  # taken once

    fake.state.webhooks.capture = False  # back to real POSTs
    fake.state.reboot_device(device_id)
    assert len(receiver.received) == 1


def test_capture_setting_must_be_a_boolean(control: Api, fake: FakeNinjaOne) -> None:
    response = control.request("PUT", "/_fake/settings", json={"capture_webhooks": "yes"})
    assert response.status_code == 400
    assert "capture_webhooks" in response.json()["error"]
    assert fake.state.webhooks.capture is False
