"""Raw report pages: the walk checks only what it groups by; rows are loaded later, as a page load would."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from marshmallow import ValidationError

from flask_ninjaone.client import InvalidResponse, load_report_rows, report_timestamps
from flask_ninjaone.client.report_rows import load_raw_page
from flask_ninjaone.client.schemas import QUERY_PAGE_SCHEMAS, QUERY_ROW_SCHEMAS
from flask_ninjaone.client.schemas.compiled import compile_loader
from flask_ninjaone.testing.fake_ninjaone import FakeState, seed_fleet
from flask_ninjaone.testing.fake_ninjaone.device_filter import DeviceFilter

ROW = {"deviceId": 7, "name": "Chrome", "size": 5, "timestamp": 1_700_000_000, "publisher": None}


def test_a_raw_page_keeps_rows_as_sent_and_loads_its_cursor():
    page = load_raw_page(
        "software", {"cursor": {"name": "c", "offset": 0, "expires": 1_700_000_000}, "results": [ROW]}
    )
    assert page["results"] == [ROW]  # nulls kept, timestamp still a number
    assert page["cursor"]["expires"] == datetime.fromtimestamp(1_700_000_000, UTC)


@pytest.mark.parametrize(
    "row",
    [
        {"name": "no id"},
        {"deviceId": "7"},
        {"deviceId": True},
        {"deviceId": 2**63},
        {"deviceId": None},
        "text",
    ],
)
def test_a_row_that_cannot_be_grouped_fails_with_the_full_loads_messages(row):
    body = {"results": [ROW, row]}
    with pytest.raises(ValidationError) as full:
        QUERY_PAGE_SCHEMAS["software"]().load(body)
    with pytest.raises(InvalidResponse, match="GET /v2/queries/software: NinjaOne's answer") as raw:
        load_raw_page("software", body)
    assert raw.value.messages == full.value.messages


def test_a_page_without_results_is_refused():
    with pytest.raises(InvalidResponse):
        load_raw_page("os-patches", {"cursor": {}})


def test_loading_rows_gives_what_a_page_load_gives_and_refuses_a_bad_row():
    expected = QUERY_PAGE_SCHEMAS["software"]().load({"results": [ROW]})["results"]
    assert load_report_rows("software", [ROW]) == expected
    with pytest.raises(InvalidResponse) as err:
        load_report_rows("software", [ROW, dict(ROW, size="big")])
    assert err.value.messages == {"results": {1: {"size": ["Not a valid integer."]}}}


def test_timestamps_alone_are_loaded_as_the_row_schema_loads_them():
    stamps = report_timestamps("os-patches", [ROW, {"deviceId": 7}, dict(ROW, timestamp="1700000000.5")])
    assert stamps == [
        datetime.fromtimestamp(1_700_000_000, UTC),
        None,
        datetime.fromtimestamp(1_700_000_000.5, UTC),
    ]
    with pytest.raises(InvalidResponse) as err:
        report_timestamps("os-patches", [ROW, dict(ROW, timestamp="yesterday")])
    assert list(err.value.messages["results"]) == [1]


@pytest.fixture(scope="module")
def fleet_state() -> FakeState:
    state = FakeState()
    seed_fleet(state, devices=60, organizations=3, seed=5)
    return state


@pytest.mark.parametrize("report", sorted(QUERY_ROW_SCHEMAS))
def test_every_report_row_the_fake_sends_loads_fast_to_marshmallows_result(report, fleet_state):
    """The compiled loader is the path a well-formed row takes (it never hands over), and the rows it
    makes are the ones marshmallow makes."""
    rows = json.loads(json.dumps(list(fleet_state.query_rows(report, DeviceFilter(), {}))))
    assert rows, report
    loader = compile_loader(QUERY_ROW_SCHEMAS[report]())
    assert loader is not None
    assert [loader(row) for row in rows] == QUERY_ROW_SCHEMAS[report](many=True).load(rows)
    assert load_report_rows(report, rows) == QUERY_ROW_SCHEMAS[report](many=True).load(rows)


def test_a_row_marshmallow_would_coerce_is_loaded_by_marshmallow():
    coerced = dict(
        ROW, isSystemComponent="yes"
    )  # marshmallow's Boolean takes "yes"; the compiled loader leaves it
    assert load_report_rows("software", [ROW, coerced]) == QUERY_ROW_SCHEMAS["software"](many=True).load(
        [ROW, coerced]
    )
