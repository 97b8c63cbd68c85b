"""Walk NinjaOne's three paging schemes, one page in memory at a time.

A sync must never hold the whole fleet: each walker is a generator that fetches a page only when the
previous one was consumed. Every walker refuses to loop: a page that does not advance raises
:class:`PagingError` before its items are yielded a second time.

The ``fetch`` callables receive the query parameters and return the already schema-loaded body, so ids
and cursors are known to have the right types here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import PagingError

Item = dict[str, Any]
Fetch = Callable[[dict[str, Any]], Any]

ACTIVITY_PAGE_SIZE_RANGE = (10, 1000)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of items. ``number`` counts from 1 (progress display); ``cursor`` is set for query reports,
    ``last_activity_id`` (the account's newest activity id, a polling high-water mark) for activities."""

    items: list[Item]
    number: int
    cursor: Item | None = None
    last_activity_id: int | None = None


class Paged:
    """A lazy paged result: iterate it for items, or call :meth:`pages` to work a page (batch) at a time.

    Nothing is requested before iteration starts, and every iteration walks again from the first page.
    """

    def __init__(self, walk: Callable[[], Iterator[Page]]) -> None:
        self._walk = walk

    def pages(self) -> Iterator[Page]:
        return self._walk()

    def __iter__(self) -> Iterator[Item]:
        return iter_items(self._walk())


def iter_items(pages: Iterable[Page]) -> Iterator[Item]:
    """Flatten pages into items, still one page in memory at a time."""
    for page in pages:
        yield from page.items


def _check_page_size(page_size: int, low: int = 1, high: int | None = None) -> None:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < low:
        raise ValueError(f"page_size must be an integer >= {low}")
    if high is not None and page_size > high:
        raise ValueError(f"page_size must be between {low} and {high}")


def walk_after(fetch: Fetch, *, page_size: int, params: Mapping[str, Any] | None = None) -> Iterator[Page]:
    """Entity lists (``/v2/devices``, ``/v2/organizations``...): ``pageSize`` + ``after=<last id>``.

    The body is a bare list with no total and no next link; the walk ends on a short or empty page.
    """
    _check_page_size(page_size)
    after: int | None = None
    number = 0
    while True:
        query = {**(params or {}), "pageSize": page_size}
        if after is not None:
            query["after"] = after
        items: list[Item] = fetch(query)
        if not items:
            return
        last = items[-1]["id"]
        if after is not None and last <= after:
            raise PagingError(f"page {number + 1} did not advance: its last id {last} is not after {after}")
        number += 1
        yield Page(items, number)
        if len(items) < page_size:
            return
        after = last


def walk_cursor(fetch: Fetch, *, page_size: int, params: Mapping[str, Any] | None = None) -> Iterator[Page]:
    """Query reports (``/v2/queries/*``): ``pageSize`` + ``cursor=<cursor.name>``.

    NinjaOne may send the same cursor name page after page while ``offset`` moves on: that is progress,
    not a loop. Only a page with the same name *and* no larger offset raises :class:`PagingError`. The walk
    ends on a short or empty page, or when no cursor comes back.
    """
    _check_page_size(page_size)
    cursor_name: str | None = None
    previous_offset: int | None = None
    number = 0
    while True:
        query = {**(params or {}), "pageSize": page_size}
        if cursor_name is not None:
            query["cursor"] = cursor_name
        body = fetch(query)
        results: list[Item] = body["results"]
        cursor: Item | None = body.get("cursor")
        if not results:
            return
        if cursor_name is not None and cursor and cursor.get("name") == cursor_name:
            offset = cursor.get("offset")
            if offset is None or previous_offset is None or offset <= previous_offset:
                raise PagingError(
                    f"page {number + 1} did not advance: cursor {cursor_name!r} stayed at offset {offset}"
                )
            if offset - previous_offset > page_size:
                # A retried request can find the server-side cursor already moved on: the rows of
                # the lost page would be missing without a trace. Fail the walk instead.
                raise PagingError(
                    f"page {number + 1} skipped rows: cursor {cursor_name!r} jumped from offset "
                    f"{previous_offset} to {offset} with pages of {page_size}"
                )
        number += 1
        yield Page(results, number, cursor=cursor)
        if len(results) < page_size or not cursor or not cursor.get("name"):
            return
        cursor_name = cursor["name"]
        previous_offset = cursor.get("offset")


def walk_activities(
    fetch: Fetch,
    *,
    page_size: int,
    newer_than: int | None = None,
    older_than: int | None = None,
    params: Mapping[str, Any] | None = None,
) -> Iterator[Page]:
    """Activities (``/v2/activities``): ``pageSize`` (10..1000) within a window of activity ids
    ``newerThan < id < olderThan`` (the parameter *names* are right; the spec's descriptions are swapped).

    Each full page narrows the window past the ids it returned: NinjaOne lists newest first, so normally
    ``olderThan`` moves down to the page's smallest id. Should a page come oldest first, ``newerThan``
    moves up to its largest id instead, so no activity is skipped either way (the order is inferred, not
    documented). A page holding ids outside the requested window raises :class:`PagingError`.
    """
    _check_page_size(page_size, *ACTIVITY_PAGE_SIZE_RANGE)
    lower, upper = newer_than, older_than
    number = 0
    while True:
        query = {**(params or {}), "pageSize": page_size}
        if lower is not None:
            query["newerThan"] = lower
        if upper is not None:
            query["olderThan"] = upper
        body = fetch(query)
        items: list[Item] = body["activities"]
        if not items:
            return
        ids = [item["id"] for item in items]
        if (lower is not None and min(ids) <= lower) or (upper is not None and max(ids) >= upper):
            raise PagingError(
                f"page {number + 1} did not advance: activity ids {min(ids)}..{max(ids)} are outside "
                f"the requested window newerThan={lower}, olderThan={upper}"
            )
        number += 1
        yield Page(items, number, last_activity_id=body.get("lastActivityId"))
        if len(items) < page_size:
            return
        if ids[0] < ids[-1]:
            lower = max(ids)
        else:
            upper = min(ids)
