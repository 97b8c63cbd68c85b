"""Paging: exact item counts at every page size, lazy fetching, cursor reuse, and loop detection."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import responses

from flask_ninjaone.client import Page, PagingError, iter_items, walk_activities, walk_after, walk_cursor
from tests.support.mocked_ninjaone import API, query_of, serve_entities


@pytest.mark.parametrize(
    ("page_size", "total"),
    [
        (1, 0),
        (1, 1),
        (1, 5),
        (100, 99),
        (100, 100),
        (100, 101),
        (100, 300),
        (1000, 999),
        (1000, 1000),
        (1000, 3000),
    ],
)
def test_devices_detailed_walk_yields_exactly_n(rsps, make_client, page_size: int, total: int) -> None:
    seen = serve_entities(rsps, "devices-detailed", total)
    client = make_client(page_size=page_size)
    ids = [device["id"] for device in client.devices_detailed(df="org = 12")]
    assert ids == list(range(1, total + 1))
    assert len(seen) == total // page_size + 1  # a short page ends the walk; a full last page needs one more
    assert seen[0] == {"pageSize": str(page_size), "df": "org = 12"}
    assert [int(q["after"]) for q in seen[1:]] == [page_size * i for i in range(1, len(seen))]


def test_walk_is_lazy_and_pages_are_numbered(rsps, make_client) -> None:
    seen = serve_entities(rsps, "devices", 25)
    pages = make_client(page_size=10).devices().pages()
    first = next(pages)
    assert isinstance(first, Page)
    assert (first.number, len(first.items)) == (1, 10)
    assert len(seen) == 1  # the next page is only fetched when asked for
    assert [(p.number, len(p.items)) for p in pages] == [(2, 10), (3, 5)]


def test_items_are_schema_loaded(rsps, make_client) -> None:
    serve_entities(rsps, "devices", 1)
    device = next(iter(make_client().devices()))
    assert device["lastContact"].year == 2025


def test_page_that_does_not_advance_raises(rsps, make_client) -> None:
    page = json.dumps([{"id": 1}, {"id": 2}])
    rsps.get(re.compile(rf"{API}/devices\b.*"), body=page, content_type="application/json")
    walk = iter(make_client(page_size=2).devices())
    assert [next(walk)["id"], next(walk)["id"]] == [1, 2]
    with pytest.raises(PagingError, match="did not advance"):
        next(walk)  # the server ignored after=2 and sent the same page: no duplicate is yielded


def test_walk_after_going_backwards_raises() -> None:
    pages = iter([[{"id": 5}, {"id": 6}], [{"id": 3}, {"id": 4}]])
    walk = walk_after(lambda query: next(pages), page_size=2)
    next(walk)
    with pytest.raises(PagingError):
        next(walk)


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_page_size_validated(bad: Any) -> None:
    with pytest.raises(ValueError):
        next(walk_after(lambda q: [], page_size=bad))
    with pytest.raises(ValueError):
        next(walk_cursor(lambda q: {"results": []}, page_size=bad))


def serve_query(rsps, name: str, total: int, *, cursor_name: str = "CURSOR-A") -> list[dict[str, str]]:
    """Serve a report of ``total`` rows whose cursor keeps the same name while its offset moves."""
    seen: list[dict[str, str]] = []

    def callback(request):
        query = query_of(request)
        seen.append(query)
        size = int(query["pageSize"])
        offset = 0 if "cursor" not in query else seen[-2]["_next"]
        rows = [{"deviceId": i, "alertCount": 0} for i in range(offset + 1, min(total, offset + size) + 1)]
        query["_next"] = offset + len(rows)
        body = {
            "cursor": {"name": cursor_name, "offset": offset, "count": len(rows), "expires": 1.9e9},
            "results": rows,
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    rsps.add_callback(responses.GET, re.compile(rf"{API}/queries/{name}\b.*"), callback=callback)
    return seen


@pytest.mark.parametrize(
    ("page_size", "total"), [(1, 0), (1, 4), (100, 100), (100, 250), (1000, 1000), (1000, 2001)]
)
def test_query_cursor_name_repeats_but_walk_completes(rsps, make_client, page_size: int, total: int) -> None:
    seen = serve_query(rsps, "device-health", total)
    rows = list(make_client(page_size=page_size).device_health())
    assert [row["deviceId"] for row in rows] == list(range(1, total + 1))
    assert len(seen) == total // page_size + 1
    assert "cursor" not in seen[0]
    assert all(q["cursor"] == "CURSOR-A" for q in seen[1:])


def test_query_pages_carry_their_cursor(rsps, make_client) -> None:
    serve_query(rsps, "software", 3)
    pages = list(make_client(page_size=2).software().pages())
    assert [p.cursor["offset"] for p in pages] == [0, 2]
    assert pages[0].cursor["expires"].year == 2030


def test_query_stops_without_cursor() -> None:
    calls: list[dict] = []

    def fetch(query: dict) -> dict:
        calls.append(query)
        return {"results": [{"deviceId": 1}, {"deviceId": 2}]}

    assert len(list(iter_items(walk_cursor(fetch, page_size=2)))) == 2
    assert len(calls) == 1


def test_query_cursor_stuck_raises() -> None:
    bodies = iter(
        [
            {"cursor": {"name": "c", "offset": 0}, "results": [{"deviceId": 1}]},
            {"cursor": {"name": "c", "offset": 0}, "results": [{"deviceId": 1}]},
        ]
    )
    walk = walk_cursor(lambda query: next(bodies), page_size=1)
    next(walk)
    with pytest.raises(PagingError, match="stayed at offset 0"):
        next(walk)


def test_query_new_cursor_name_is_progress() -> None:
    bodies = iter(
        [
            {"cursor": {"name": "c1", "offset": 0}, "results": [{"deviceId": 1}]},
            {"cursor": {"name": "c2", "offset": 0}, "results": [{"deviceId": 2}]},
            {"cursor": {"name": "c2", "offset": 1}, "results": []},
        ]
    )
    queries: list[dict] = []

    def fetch(query: dict) -> dict:
        queries.append(query)
        return next(bodies)

    assert [r["deviceId"] for r in iter_items(walk_cursor(fetch, page_size=1, params={"df": "online"}))] == [
        1,
        2,
    ]
    assert [q.get("cursor") for q in queries] == [None, "c1", "c2"]
    assert all(q["df"] == "online" for q in queries)


def activity_server(total: int, *, newest_first: bool = True, honour_window: bool = True):
    """A fake ``/v2/activities``: ids 1..total, filtered by the newerThan/olderThan window."""
    queries: list[dict] = []

    def fetch(query: dict) -> dict:
        queries.append(dict(query))
        low = query.get("newerThan", 0) if honour_window else 0
        high = query.get("olderThan", total + 1) if honour_window else total + 1
        ids = [i for i in range(1, total + 1) if low < i < high]
        ids = sorted(ids, reverse=newest_first)[: query["pageSize"]]
        return {"lastActivityId": total, "activities": [{"id": i} for i in ids]}

    return fetch, queries


@pytest.mark.parametrize(("page_size", "total"), [(10, 0), (10, 10), (10, 35), (1000, 2500)])
@pytest.mark.parametrize("newest_first", [True, False])
def test_activities_walk_whole_window(page_size: int, total: int, newest_first: bool) -> None:
    fetch, queries = activity_server(total, newest_first=newest_first)
    pages = list(walk_activities(fetch, page_size=page_size))
    ids = sorted(item["id"] for page in pages for item in page.items)
    assert ids == list(range(1, total + 1))
    assert len(queries) == total // page_size + 1
    assert all(page.last_activity_id == total for page in pages)


def test_activities_newer_than_catch_up() -> None:
    fetch, queries = activity_server(55)
    items = list(iter_items(walk_activities(fetch, page_size=10, newer_than=30)))
    assert sorted(item["id"] for item in items) == list(range(31, 56))
    assert all(q["newerThan"] == 30 for q in queries)
    assert [q.get("olderThan") for q in queries] == [None, 46, 36]


def test_activities_ignoring_the_window_raises() -> None:
    fetch, _ = activity_server(30, honour_window=False)
    walk = walk_activities(fetch, page_size=10)
    next(walk)
    with pytest.raises(PagingError, match="outside the requested window"):
        next(walk)


@pytest.mark.parametrize("bad", [9, 1001, 0])
def test_activity_page_size_range(bad: int) -> None:
    with pytest.raises(ValueError, match="between 10 and 1000|>= 10"):
        next(walk_activities(lambda q: {"activities": []}, page_size=bad))


def test_walk_after_every_small_total_and_page_size() -> None:
    for total in range(0, 40):
        for page_size in range(1, 13):
            queries: list[dict] = []

            def fetch(query: dict, total: int = total, queries: list = queries) -> list[dict]:
                queries.append(query)
                after = query.get("after", 0)
                return [{"id": i} for i in range(after + 1, min(total, after + query["pageSize"]) + 1)]

            ids = [item["id"] for item in iter_items(walk_after(fetch, page_size=page_size))]
            assert ids == list(range(1, total + 1)), (total, page_size)
            assert len(queries) == total // page_size + 1, (total, page_size)


@pytest.mark.parametrize("rename_every", [0, 1, 2, 3])
def test_walk_cursor_every_small_total_and_page_size(rename_every: int) -> None:
    """Whether the server keeps one cursor name or renames it now and then, every row comes back once."""
    for total in range(0, 40):
        for page_size in range(1, 13):
            state = {"offset": 0, "pages": 0}

            def fetch(query: dict, total: int = total, state: dict = state) -> dict:
                offset = state["offset"] if "cursor" in query else 0
                end = min(total, offset + query["pageSize"])
                rows = [{"deviceId": i} for i in range(offset + 1, end + 1)]
                state["offset"] = offset + len(rows)
                state["pages"] += 1
                name = f"c{state['pages'] // rename_every}" if rename_every else "c"
                return {"cursor": {"name": name, "offset": offset, "count": len(rows)}, "results": rows}

            rows = [row["deviceId"] for row in iter_items(walk_cursor(fetch, page_size=page_size))]
            assert rows == list(range(1, total + 1)), (total, page_size)


def test_cursor_that_jumps_past_a_page_raises_instead_of_losing_rows():
    bodies = iter(
        [
            {"cursor": {"name": "c", "offset": 0, "count": 2}, "results": [1, 2]},
            {"cursor": {"name": "c", "offset": 4, "count": 2}, "results": [5, 6]},  # rows 3-4 lost on a retry
        ]
    )
    walk = walk_cursor(lambda _query: next(bodies), page_size=2)
    assert next(walk).items == [1, 2]
    with pytest.raises(PagingError, match="skipped rows"):
        next(walk)
