"""Paging semantics of the fake: ``after`` + bare arrays, activities windows, query cursors."""

from __future__ import annotations

from typing import Any

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, seed_fleet
from tests.support.fake_api import FLEET_SIZE, Api

#: Device lists show APPROVED devices only unless ``df`` names the statuses.
EVERY_STATUS = "status in (APPROVED,PENDING,STAGED,DECOMMISSIONED)"


def walk(api: Api, path: str, page_size: int, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Follow ``after`` until a short page, as a correct client does; returns (items, requests made)."""
    items: list[dict[str, Any]] = []
    requests_made = 0
    after: int | None = None
    while True:
        query = {"pageSize": page_size, **params}
        if after is not None:
            query["after"] = after
        page = api.get(path, **query).json()
        requests_made += 1
        assert isinstance(page, list), "entity lists are bare JSON arrays"
        items += page
        if len(page) < page_size:
            return items, requests_made
        after = page[-1]["id"]


@pytest.mark.parametrize(("page_size", "devices"), [(1, 230), (100, 2345), (1000, 2345)])
def test_device_walk_returns_every_device_exactly_once(page_size: int, devices: int) -> None:
    with FakeNinjaOne() as fake:
        seed_fleet(fake.state, devices=devices, seed=11)
        api = Api(fake.url, fake.state.oauth.issue_access_token())
        for path in ("/v2/devices", "/v2/devices-detailed"):
            items, requests_made = walk(api, path, page_size, df=EVERY_STATUS)
            ids = [item["id"] for item in items]
            assert len(ids) == devices
            assert len(set(ids)) == devices
            assert ids == sorted(ids)
            assert requests_made == devices // page_size + 1
        api.close()


def test_ids_have_gaps_so_an_offset_is_not_an_id(api: Api) -> None:
    ids = [device["id"] for device in api.get("/v2/devices", pageSize=1000).json()]
    assert ids[-1] > len(ids), "seeded ids leave holes like deleted devices"


def test_default_page_size_is_100_and_1000_is_the_cap(fake: FakeNinjaOne) -> None:
    seed_fleet(fake.state, devices=1100, seed=1)
    api = Api(fake.url, fake.state.oauth.issue_access_token())
    assert len(api.get("/v2/devices", df=EVERY_STATUS).json()) == 100
    assert len(api.get("/v2/devices", pageSize=5000, df=EVERY_STATUS).json()) == 1000
    api.close()


@pytest.mark.parametrize("size", ["0", "-3", "ten"])
def test_bad_page_size_is_a_400(api: Api, size: str) -> None:
    response = api.get("/v2/devices", pageSize=size)
    assert response.status_code == 400
    assert response.json()["resultCode"] == "FAILURE"


def test_detailed_pages_add_hardware_blocks_that_the_base_list_omits(api: Api) -> None:
    base = api.get("/v2/devices", pageSize=1000, df="class = WINDOWS_SERVER").json()
    detailed = api.get("/v2/devices-detailed", pageSize=1000, df="class = WINDOWS_SERVER").json()
    assert [device["id"] for device in base] == [device["id"] for device in detailed]
    assert not any({"os", "system", "ipAddresses", "deviceType"} & set(device) for device in base)
    assert all(device["deviceType"] == "AgentDevice" for device in detailed)
    assert any("system" in device and "memory" in device for device in detailed)


def test_organization_devices_and_lists_page_with_after(api: Api) -> None:
    organizations, _ = walk(api, "/v2/organizations", 2)
    assert [org["id"] for org in organizations] == list(range(1, 7))
    locations, _ = walk(api, "/v2/locations", 1)
    assert len(locations) == len({loc["id"] for loc in locations}) >= 6
    total = 0
    for organization in organizations:
        devices, _ = walk(api, f"/v2/organization/{organization['id']}/devices", 7, df=EVERY_STATUS)
        assert {device["organizationId"] for device in devices} <= {organization["id"]}
        total += len(devices)
    assert total == FLEET_SIZE


def test_activities_walk_backwards_with_older_than_and_forwards_with_newer_than(api: Api) -> None:
    first = api.get("/v2/activities", pageSize=10).json()
    last_id = first["lastActivityId"]
    assert [activity["id"] for activity in first["activities"]] == list(range(last_id, last_id - 10, -1))
    backwards: list[int] = []
    older_than = None
    while True:
        params = {"pageSize": 50} | ({"olderThan": older_than} if older_than else {})
        page = api.get("/v2/activities", **params).json()["activities"]
        backwards += [activity["id"] for activity in page]
        if len(page) < 50:
            break
        older_than = page[-1]["id"]
    assert backwards == list(range(last_id, 0, -1))
    forwards: list[int] = []
    newer_than = 0
    while True:
        page = api.get("/v2/activities", pageSize=40, newerThan=newer_than).json()["activities"]
        ids = [activity["id"] for activity in page]
        assert ids == sorted(ids, reverse=True), "newest first, also when walking forwards"
        forwards += ids
        if len(page) < 40:
            break
        newer_than = ids[0]
    assert sorted(forwards) == list(range(1, last_id + 1))


@pytest.mark.parametrize("size", [5, 1001])
def test_activities_page_size_outside_10_to_1000_is_a_400(api: Api, size: int) -> None:
    assert api.get("/v2/activities", pageSize=size).status_code == 400


def test_activities_filters(api: Api, fake: FakeNinjaOne) -> None:
    device = api.get("/v2/devices", pageSize=1, df="class = WINDOWS_WORKSTATION").json()[0]
    triggered = fake.state.trigger_condition(device["id"])["alert"]
    body = api.get("/v2/activities", pageSize=100, seriesUid=triggered["uid"]).json()
    assert [activity["statusCode"] for activity in body["activities"]] == ["TRIGGERED"]
    by_type = api.get("/v2/activities", pageSize=1000, type="MONITOR").json()["activities"]
    assert by_type and {activity["statusCode"] for activity in by_type} == {"SYSTEM_REBOOTED"}
    in_org = api.get("/v2/activities", pageSize=1000, df=f"id = {device['id']}").json()["activities"]
    assert {activity["deviceId"] for activity in in_org} == {device["id"]}


def test_query_cursor_name_repeats_while_offset_advances(api: Api, fake: FakeNinjaOne) -> None:
    expected = sum(len(fake.state.device_software(device_id)) for device_id in _device_ids(api))
    first = api.get("/v2/queries/software", pageSize=500).json()
    name = first["cursor"]["name"]
    pages = [first]
    while len(pages[-1]["results"]) == 500:
        pages.append(api.get("/v2/queries/software", pageSize=500, cursor=name).json())
    assert len(pages) > 3
    assert {page["cursor"]["name"] for page in pages} == {name}
    assert [page["cursor"]["offset"] for page in pages] == [500 * index for index in range(len(pages))]
    assert [page["cursor"]["count"] for page in pages] == [len(page["results"]) for page in pages]
    assert sum(len(page["results"]) for page in pages) == expected
    assert all(isinstance(page["cursor"]["expires"], float) for page in pages)
    after_end = api.get("/v2/queries/software", pageSize=500, cursor=name).json()
    assert after_end["results"] == [] and after_end["cursor"]["name"] == name


def test_query_cursor_errors_and_filters(api: Api) -> None:
    assert api.get("/v2/queries/software", cursor="no-such-cursor").status_code == 400
    health = api.get("/v2/queries/device-health", pageSize=1000).json()
    assert api.get("/v2/queries/software", cursor=health["cursor"]["name"]).status_code == 400
    assert len(health["results"]) == FLEET_SIZE
    unhealthy = api.get("/v2/queries/device-health", pageSize=1000, health="UNHEALTHY").json()["results"]
    assert unhealthy and {row["healthStatus"] for row in unhealthy} == {"UNHEALTHY"}
    in_org = api.get("/v2/queries/device-health", pageSize=1000, df="org = 2").json()["results"]
    every_in_org = api.get("/v2/devices", pageSize=1000, df=f"org = 2 AND {EVERY_STATUS}").json()
    org_devices = {device["id"] for device in every_in_org}
    assert {row["deviceId"] for row in in_org} == org_devices
    installs = api.get("/v2/queries/os-patch-installs", pageSize=1000, status="FAILED").json()["results"]
    assert installs and all(row["status"] == "FAILED" and "installedAt" in row for row in installs)


def test_health_rows_count_active_alerts(api: Api, fake: FakeNinjaOne) -> None:
    device_id = api.get("/v2/devices", pageSize=1, df="class = WINDOWS_SERVER").json()[0]["id"]
    before = api.get("/v2/queries/device-health", df=f"id = {device_id}").json()["results"][0]["alertCount"]
    fake.state.trigger_condition(device_id, condition="disk")
    row = api.get("/v2/queries/device-health", df=f"id = {device_id}").json()["results"][0]
    assert row["alertCount"] == before + 1
    assert row["healthStatus"] == "UNHEALTHY"


def _device_ids(api: Api) -> list[int]:
    return [device["id"] for device in api.get("/v2/devices", pageSize=1000, df=EVERY_STATUS).json()]
