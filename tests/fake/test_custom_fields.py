"""The fake's device custom fields and logged-on users: definitions, reports, PATCH rules, paging bounds."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.fake_api import FLEET_SIZE, Api


@pytest.fixture
def device(api: Api) -> int:
    """A Windows workstation of the seeded fleet."""
    return int(api.get("/v2/devices", pageSize=1, df="class = WINDOWS_WORKSTATION").json()[0]["id"])


def _definition(api: Api, name: str) -> dict[str, Any]:
    return next(d for d in api.get("/v2/device-custom-fields").json() if d["name"] == name)


def _walk(api: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    query = {"pageSize": 10, **params}
    while True:
        body = api.get(path, **query).json()
        rows += body["results"]
        if len(body["results"]) < query["pageSize"]:
            return rows
        query = {"pageSize": query["pageSize"], "cursor": body["cursor"]["name"]}


def test_definitions_carry_types_and_dropdown_options(api: Api) -> None:
    by_name = {d["name"]: d for d in api.get("/v2/device-custom-fields").json()}
    assert {"TEXT", "NUMERIC", "DATE", "CHECKBOX", "DROPDOWN"} <= {d["type"] for d in by_name.values()}
    options = by_name["costCenter"]["content"]["values"]
    assert [o["name"] for o in options][:2] == ["Sales", "Engineering"] and all(o["id"] for o in options)


def test_report_pages_with_a_cursor_and_filters_fields(api: Api) -> None:
    rows = _walk(api, "/v2/queries/custom-fields", fields="assetTag,diskEncrypted")
    assert 0 < len(rows) <= FLEET_SIZE
    assert len({row["deviceId"] for row in rows}) == len(rows)
    assert all(set(row["fields"]) <= {"assetTag", "diskEncrypted"} for row in rows)


def test_report_page_size_is_bounded_as_the_spec_says(api: Api) -> None:
    assert api.get("/v2/queries/custom-fields", pageSize=9).status_code == 400
    assert api.get("/v2/queries/logged-on-users", pageSize=10_001).status_code == 400
    assert len(api.get("/v2/queries/custom-fields").json()["results"]) <= 1000
    assert api.get("/v2/queries/custom-fields", pageSize=10_000).status_code == 200


def test_patch_writes_typed_values_and_reports_show_them(api: Api, device: int) -> None:
    option = _definition(api, "costCenter")["content"]["values"][2]["id"]
    body = {"assetTag": "NEW-1", "rackUnits": 4, "diskEncrypted": False, "purchaseDate": 1_700_000_000_000,
            "costCenter": option}  # fmt: skip
    assert api.request("PATCH", f"/v2/device/{device}/custom-fields", json=body).status_code == 204
    assert (
        api.get(f"/v2/device/{device}/custom-fields").json() | body
        == api.get(f"/v2/device/{device}/custom-fields").json()
    )
    detailed = _walk(api, "/v2/queries/custom-fields-detailed", df=f"id = {device}")
    fields = {field["name"]: field for field in detailed[0]["fields"]}
    assert fields["assetTag"]["value"] == "NEW-1" and fields["assetTag"]["updatedBy"]["source"] == "API"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"noSuchField": "x"}, "does not exist"),
        ({"rackUnits": "four"}, "must be an integer"),
        ({"diskEncrypted": "yes"}, "true or false"),
        ({"purchaseDate": "2024-01-01"}, "epoch milliseconds"),
        ({"costCenter": "Sales"}, "not one of the field's options"),
        ({"assetTag": "x" * 10_001}, "too long"),
        ({"localAdminPassword": "secret"}, "not writable"),
        ({"assetTag": "ok", "rackUnits": "bad"}, "must be an integer"),
    ],
)
def test_patch_refuses_bad_values_whole(api: Api, device: int, body: dict[str, Any], why: str) -> None:
    before = api.get(f"/v2/device/{device}/custom-fields").json()
    response = api.request("PATCH", f"/v2/device/{device}/custom-fields", json=body)
    assert response.status_code == 400 and why in response.json()["errorMessage"]
    assert api.get(f"/v2/device/{device}/custom-fields").json() == before


def test_patch_needs_management_scope_and_a_device(fake: Any, api: Api, device: int) -> None:
    reader = Api(fake.url, fake.state.oauth.issue_access_token(scopes=["monitoring"]))
    try:
        assert (
            reader.request("PATCH", f"/v2/device/{device}/custom-fields", json={"assetTag": "x"}).status_code
            == 403
        )
    finally:
        reader.close()
    assert api.request("PATCH", "/v2/device/999999/custom-fields", json={"assetTag": "x"}).status_code == 404


def test_a_removed_definition_vanishes_from_reports(api: Api, control: Api, device: int) -> None:
    assert control.request("DELETE", "/_fake/custom-fields/assetTag").status_code == 204
    assert all("assetTag" not in row["fields"] for row in _walk(api, "/v2/queries/custom-fields"))
    response = api.request("PATCH", f"/v2/device/{device}/custom-fields", json={"assetTag": "x"})
    assert response.status_code == 400


def test_logged_on_users_one_row_per_device_and_the_per_device_twin(
    api: Api, control: Api, device: int
) -> None:
    assert (
        control.request("PUT", f"/_fake/devices/{device}/logon", json={"userName": "CORP\\j.doe"}).status_code
        == 200
    )
    rows = _walk(api, "/v2/queries/logged-on-users")
    assert len({row["deviceId"] for row in rows}) == len(rows) > 0
    mine = next(row for row in rows if row["deviceId"] == device)
    assert mine["userName"] == "CORP\\j.doe"
    assert api.get(f"/v2/device/{device}/last-logged-on-user").json()["userName"] == "CORP\\j.doe"
    control.request("PUT", f"/_fake/devices/{device}/logon", json={"userName": None})
    assert all(row["deviceId"] != device for row in _walk(api, "/v2/queries/logged-on-users"))
