"""Every NinjaOneClient method: request sent, schema-loaded result, and its failure modes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import responses
from responses import matchers

from flask_ninjaone.client import (
    QUERY_NAMES,
    ApiError,
    InMemoryTokenStore,
    InvalidResponse,
    NinjaOneClient,
    NotFound,
    WebhookForbidden,
)
from tests.support.mocked_ninjaone import (
    ACCESS_TOKEN,
    API,
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    REVOKE_URL,
    form_of,
    query_of,
    sample,
    serve_entities,
)

UID = "50edcf11-de92-4ecb-955b-c8066488b6cc"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("organizations", "organizations"),
        ("organizations_detailed", "organizations-detailed"),
        ("locations", "locations"),
        ("devices", "devices"),
        ("devices_detailed", "devices-detailed"),
    ],
)
def test_entity_lists(rsps, make_client, method: str, path: str) -> None:
    seen = serve_entities(rsps, path, 3, make=lambda i: {"id": i, "name": f"n{i}"})
    assert [item["id"] for item in getattr(make_client(page_size=2), method)()] == [1, 2, 3]
    assert [q.get("after") for q in seen] == [None, "2"]


def test_organization_devices(rsps, make_client) -> None:
    seen = serve_entities(rsps, "organization/12/devices", 2)
    assert [d["id"] for d in make_client().organization_devices(12)] == [1, 2]
    assert seen[0] == {"pageSize": "1000"}


def test_organization_and_locations(rsps, client) -> None:
    rsps.get(
        f"{API}/organization/2",
        json={"id": 2, "name": "Acme", "locations": [{"id": 3, "name": "HQ"}], "settings": {"psa": {}}},
    )
    rsps.get(f"{API}/organization/2/locations", json=[{"id": 3, "name": "HQ", "address": "1 Road"}])
    assert client.organization(2)["locations"] == [{"id": 3, "name": "HQ"}]
    assert client.organization_locations(2) == [{"id": 3, "name": "HQ", "address": "1 Road"}]


def test_node_roles(rsps, client) -> None:
    rsps.get(
        f"{API}/noderole/list",
        json=[
            {"id": 1002, "name": "Windows Server", "nodeClass": "WINDOWS_SERVER", "custom": False},
            {
                "id": 5001,
                "name": "SQL",
                "nodeClass": "WINDOWS_SERVER",
                "custom": True,
                "nodeRoleParentId": 1002,
            },
        ],
    )
    roles = client.node_roles()
    assert [(role["id"], role["nodeClass"]) for role in roles] == [
        (1002, "WINDOWS_SERVER"),
        (5001, "WINDOWS_SERVER"),
    ]
    assert roles[1]["nodeRoleParentId"] == 1002


def test_node_roles_reject_a_role_without_an_integer_id(rsps, client) -> None:
    rsps.get(f"{API}/noderole/list", json=[{"id": "1002", "name": "Windows Server"}])
    with pytest.raises(InvalidResponse):
        client.node_roles()


def test_device_detail_vmhost(rsps, client) -> None:
    rsps.get(f"{API}/device/7", json=sample("device-detail-vmhost.json"))
    device = client.device(7)
    assert device["deviceType"] == "VMHost"
    assert device["memorySize"] == 102715461632


def test_devices_detailed_sample_through_client(rsps, client) -> None:
    rsps.get(f"{API}/devices-detailed", json=sample("devices-detailed-item-windows-server.json"))
    (device,) = list(client.devices_detailed(df="id = 5948"))
    assert device["os"]["name"] == "Windows Server 2022 Standard Edition"
    assert query_of(rsps.calls[0].request)["df"] == "id = 5948"


@pytest.mark.parametrize("bad_df", ["", "   ", 12])
def test_device_filter_validated(client, bad_df) -> None:
    with pytest.raises(ValueError, match="device filter"):
        client.devices(df=bad_df)


def test_alerts(rsps, client) -> None:
    rsps.get(f"{API}/alerts", json=sample("alerts-list-item.json"))
    rsps.get(f"{API}/device/33/alerts", json=sample("alerts-list-item.json"))
    alerts = client.alerts(df="class in (WINDOWS_SERVER)")
    assert alerts[0]["uid"] == UID
    assert query_of(rsps.calls[0].request) == {"df": "class in (WINDOWS_SERVER)"}
    assert client.device_alerts(33)[0]["createTime"] == datetime.fromtimestamp(1730332915, tz=UTC)


def test_reset_alert(rsps, client) -> None:
    rsps.post(f"{API}/alert/{UID}/reset", status=204, match=[matchers.json_params_matcher({})])
    assert client.reset_alert(UID.upper()) is None
    assert rsps.calls[0].request.url == f"{API}/alert/{UID}/reset"


def test_reset_alert_gone_and_bad_uid(rsps, client) -> None:
    rsps.post(f"{API}/alert/{UID}/reset", status=404, json={"resultCode": "NOT_FOUND"})
    with pytest.raises(NotFound):
        client.reset_alert(UID)
    with pytest.raises(ValueError, match="UUID"):
        client.reset_alert("../webhook")
    assert len(rsps.calls) == 1


def test_device_dashboard_url(rsps, client) -> None:
    rsps.get(
        f"{API}/device/7/dashboard-url", json={"url": "https://eu.ninjarmm.com/#/x", "expires": 1742412252}
    )
    link = client.device_dashboard_url(7)
    assert link == {
        "url": "https://eu.ninjarmm.com/#/x",
        "expires": datetime.fromtimestamp(1742412252, tz=UTC),
    }


#: Reports whose rows carry ``deviceId`` and ``timestamp`` (the inventory reports).
INVENTORY_REPORTS = [name for name in QUERY_NAMES if not name.startswith(("custom-fields", "logged-on"))]


@pytest.mark.parametrize("name", INVENTORY_REPORTS)
def test_every_query_report(rsps, client, name: str) -> None:
    rsps.get(
        f"{API}/queries/{name}",
        json={
            "cursor": {"name": "c", "offset": 0, "count": 1},
            "results": [{"deviceId": 9, "timestamp": 1.7e9}],
        },
    )
    rows = list(client.query(name, df="online", filters={"status": "FAILED"}))
    assert rows[0]["deviceId"] == 9
    assert rows[0]["timestamp"].year == 2023
    assert query_of(rsps.calls[0].request) == {"df": "online", "status": "FAILED", "pageSize": "1000"}


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("software", "software"),
        ("os_patches", "os-patches"),
        ("os_patch_installs", "os-patch-installs"),
        ("software_patches", "software-patches"),
        ("antivirus_status", "antivirus-status"),
        ("device_health", "device-health"),
    ],
)
def test_named_query_methods(rsps, client, method: str, name: str) -> None:
    rsps.get(f"{API}/queries/{name}", json={"results": []})
    assert list(getattr(client, method)()) == []
    assert len(rsps.calls) == 1


def test_device_health_sample_through_client(rsps, client) -> None:
    rsps.get(f"{API}/queries/device-health", json=sample("queries-device-health-page.json"))
    assert [row["healthStatus"] for row in client.device_health()] == ["NEEDS_ATTENTION"]


def test_unknown_query(client) -> None:
    with pytest.raises(ValueError, match="unknown query report 'secrets'"):
        client.query("secrets")


def test_per_device_software_and_patches(rsps, client) -> None:
    rsps.get(f"{API}/device/7/software", json=[{"name": "7-Zip", "version": "23.01", "size": 1}])
    rsps.get(f"{API}/device/7/os-patches", json=[{"id": "p1", "kbNumber": "KB5030211", "installedAt": 1.7e9}])
    assert client.device_software(7) == [{"name": "7-Zip", "version": "23.01", "size": 1}]
    patches = client.device_os_patches(7, filters={"status": "FAILED"})
    assert patches[0]["installedAt"].year == 2023
    assert query_of(rsps.calls[1].request) == {"status": "FAILED"}


def test_per_device_software_patches(rsps, client) -> None:
    row = {"id": "p2", "productIdentifier": "c1", "title": "Google Chrome 122", "impact": "CRITICAL",
           "status": "FAILED", "type": "PATCH", "installedAt": 1.7e9}  # fmt: skip
    rsps.get(f"{API}/device/7/software-patches", json=[row])
    [patch] = client.device_software_patches(7, filters={"status": "FAILED"})
    assert patch["title"] == "Google Chrome 122" and patch["installedAt"].year == 2023
    assert query_of(rsps.calls[0].request) == {"status": "FAILED"}
    rsps.get(f"{API}/device/8/software-patches", json=[{"installedAt": "yesterday"}])
    with pytest.raises(InvalidResponse):
        client.device_software_patches(8)
    with pytest.raises(ValueError):
        client.device_software_patches(-1)


def test_activities(rsps, make_client) -> None:
    page = {"lastActivityId": 400, "activities": [sample("webhook-condition-triggered.json")]}
    rsps.get(f"{API}/activities", json=page)
    client = make_client(page_size=5)  # clamped into the endpoint's 10..1000 range
    pages = list(
        client.activities(
            newer_than=100, df="org = 2", activity_class="DEVICE", activity_type="CONDITION", series_uid=UID
        ).pages()
    )
    assert pages[0].last_activity_id == 400
    assert pages[0].items[0]["device"]["id"] == 7
    assert query_of(rsps.calls[0].request) == {
        "newerThan": "100",
        "df": "org = 2",
        "class": "DEVICE",
        "type": "CONDITION",
        "seriesUid": UID,
        "pageSize": "10",
    }


def test_configure_webhook(rsps, client) -> None:
    rsps.put(f"{API}/webhook", status=204)
    client.configure_webhook(
        "https://psa.example.com/webhooks/ninjaone/abc",
        {"CONDITION": ["TRIGGERED", "RESET"], "SYSTEM": ("NODE_CREATED",)},
        {"X-Ninja-Secret": "hook-secret"},
        organization_ids=[2, 3],
    )
    assert json.loads(rsps.calls[0].request.body) == {
        "url": "https://psa.example.com/webhooks/ninjaone/abc",
        "activities": {"CONDITION": ["TRIGGERED", "RESET"], "SYSTEM": ["NODE_CREATED"]},
        "expand": ["device"],
        "headers": [{"name": "X-Ninja-Secret", "value": "hook-secret"}],
        "organizationIds": [2, 3],
    }
    assert "organizationIds" not in _sent_webhook(rsps, client)


def _sent_webhook(rsps, client) -> dict:
    client.configure_webhook("https://psa.example.com/h", {"CONDITION": ["TRIGGERED"]}, {}, expand=[])
    return json.loads(rsps.calls[-1].request.body)


def test_configure_webhook_forbidden(rsps, client) -> None:
    rsps.put(f"{API}/webhook", status=403, json={"resultCode": "FORBIDDEN", "incidentId": "i-1"})
    with pytest.raises(WebhookForbidden, match="system administrator") as info:
        client.configure_webhook("https://psa.example.com/h", {"CONDITION": ["TRIGGERED"]}, {"X": "y"})
    assert isinstance(info.value, ApiError)
    assert (info.value.status, info.value.incident_id) == (403, "i-1")


@pytest.mark.parametrize(
    ("url", "activities"),
    [("not a url", {"CONDITION": ["TRIGGERED"]}), ("https://psa.example.com/h", {"": ["TRIGGERED"]})],
)
def test_configure_webhook_rejects_bad_config_before_sending(rsps, client, url, activities) -> None:
    with pytest.raises(ValueError, match="invalid webhook configuration"):
        client.configure_webhook(url, activities, {})
    assert len(rsps.calls) == 0


def test_remove_webhook(rsps, client) -> None:
    rsps.delete(f"{API}/webhook", status=204)
    client.remove_webhook()
    rsps.replace(responses.DELETE, f"{API}/webhook", status=404)
    client.remove_webhook()  # already gone
    rsps.replace(responses.DELETE, f"{API}/webhook", status=403)
    with pytest.raises(WebhookForbidden):
        client.remove_webhook()


def test_revoke_tokens(rsps, client) -> None:
    rsps.post(REVOKE_URL, status=200)
    client.revoke_tokens()
    forms = [form_of(c.request) for c in rsps.calls]
    assert [(f["token"], f["token_type_hint"]) for f in forms] == [
        (REFRESH_TOKEN, "refresh_token"),
        (ACCESS_TOKEN, "access_token"),
    ]
    assert all(f["client_secret"] == CLIENT_SECRET for f in forms)


def test_revoke_tokens_without_tokens(rsps, make_client) -> None:
    make_client(token_store=InMemoryTokenStore()).revoke_tokens()
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("not json", "application/json"),
        ('{"id": 1}', "application/json"),
        ('[{"id": "x"}]', "application/json"),
    ],
)
def test_invalid_bodies_raise_invalid_response(rsps, client, body: str, content_type: str) -> None:
    rsps.get(f"{API}/alerts", body=body, content_type=content_type)
    with pytest.raises(InvalidResponse):
        client.alerts()


def test_invalid_device_in_a_page_names_the_field(rsps, client) -> None:
    rsps.get(f"{API}/devices", json=[{"id": 1}, {"id": 2, "offline": "perhaps"}])
    with pytest.raises(InvalidResponse) as info:
        list(client.devices())
    assert info.value.messages == {1: {"offline": ["Not a valid boolean."]}}


def test_client_repr_and_lifecycle(store) -> None:
    with NinjaOneClient(BASE + "/", CLIENT_ID, CLIENT_SECRET, store) as client:
        assert client.base_url == BASE
        assert CLIENT_SECRET not in repr(client)
        session = client._session
    with pytest.raises(ValueError):
        NinjaOneClient(BASE, CLIENT_ID, CLIENT_SECRET, store, page_size=0)
    given = requests.Session()
    NinjaOneClient(BASE, CLIENT_ID, CLIENT_SECRET, store, session=given).close()
    assert given.adapters  # a session we did not create is left open
    assert session is not given


def test_custom_field_and_logon_reports_load_their_rows(rsps, client) -> None:
    cursor = {"name": "c", "offset": 0, "count": 1}
    row = {"deviceId": 9, "fields": {"assetTag": "AT-9", "rackUnits": 2, "purchaseDate": 1_700_000_000_000}}
    rsps.get(f"{API}/queries/custom-fields", json={"cursor": cursor, "results": [row]})
    rsps.get(f"{API}/queries/logged-on-users", json={"cursor": cursor, "results": [
        {"deviceId": 9, "userName": "CORP\\j.smith", "logonTime": 1.7e9}]})  # fmt: skip
    rows = list(client.custom_fields(["assetTag", "rackUnits"], df="org in (1)"))
    assert rows == [
        {"deviceId": 9, "fields": {"assetTag": "AT-9", "rackUnits": 2, "purchaseDate": 1_700_000_000_000}}
    ]
    assert query_of(rsps.calls[0].request) == {
        "df": "org in (1)",
        "fields": "assetTag,rackUnits",
        "pageSize": "1000",
    }
    logon = list(client.logged_on_users())[0]
    assert logon["userName"] == "CORP\\j.smith" and logon["logonTime"].year == 2023
    with pytest.raises(ValueError, match="at least one"):
        client.custom_fields([])


def test_custom_field_report_with_the_wrong_shape_is_refused(rsps, client) -> None:
    rsps.get(f"{API}/queries/custom-fields", json={"results": [{"deviceId": "9", "fields": []}]})
    with pytest.raises(InvalidResponse):
        list(client.custom_fields(["assetTag"]))


def test_definitions_per_device_values_patch_and_last_logon(rsps, client) -> None:
    rsps.get(f"{API}/device-custom-fields", json=[
        {"name": "costCenter", "label": "Cost center", "type": "DROPDOWN", "apiPermission": "READ_WRITE",
         "content": {"values": [{"id": "u-1", "name": "Sales", "active": True}]}}])  # fmt: skip
    rsps.get(f"{API}/device/9/custom-fields", json={"costCenter": "u-1"})
    rsps.patch(
        f"{API}/device/9/custom-fields",
        status=204,
        match=[matchers.json_params_matcher({"costCenter": None})],
    )
    rsps.get(f"{API}/device/9/last-logged-on-user", json={"userName": "j", "logonTime": 1.7e9})
    [definition] = client.device_custom_field_definitions()
    assert definition["content"]["values"][0]["name"] == "Sales"
    assert client.device_custom_fields(9) == {"costCenter": "u-1"}
    client.update_device_custom_fields(9, {"costCenter": None})
    assert client.last_logged_on_user(9)["userName"] == "j"
    with pytest.raises(ValueError, match="at least one"):
        client.update_device_custom_fields(9, {})
