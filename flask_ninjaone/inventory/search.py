"""Fleet-wide software search: "which devices have Chrome older than 120?".

The database narrows by name (contains / starts with / exact, on the lower-cased ``name_key``),
publisher and client; the version condition is then applied in Python with
:class:`~.versions.VersionFilter`, because dotted versions do not sort as text. Results stream
(``yield_per``), so a CSV of a whole fleet never sits in memory. Retired devices are left out.

Names first: the term and the publisher are matched against ``ninjaone_software_names`` (one row
per name and publisher, a few thousand where the software table holds one row per product and
device), and the software rows are then read by name through the name index. Matching every
software row was a full scan for "contains" and publisher searches (0.4-1 s for a bare ``count(*)``
on 584k rows), and sorting every match of a broad search ("starts with micro", 200k rows) cost more
than the page: a first page reads only the first matching names in order (:func:`_page_names`).
Both work alike on SQLite and PostgreSQL, with no database extension (``bench/software_search.py``).

Several instances (issue 22): each instance's matches are read exactly as for one (the name index
leads with the instance, so one ``integration_id IN (…)`` query could not walk it in name order and
would sort every match) and the per-instance streams, each already in page order, are merged in
Python (:func:`heapq.merge` reads only the prefix of each stream a page needs).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice, repeat
from typing import Any

from sqlalchemy import Row, Select, and_, func, select, text, tuple_

from ..models import Device, Integration, OrganizationMapping, Software, SoftwareName
from ..state import get_state
from .export import instance_cells, instance_header
from .versions import VersionFilter, VersionFilterError

MATCH_MODES = ("contains", "prefix", "exact")
MAX_TERM = 100
PAGE_SIZE = 50
#: Matches counted exactly; a broader search says "more than" instead of counting them all.
COUNT_CAP = 10_000
#: The most names a page reads by list (a bound ``IN``); a page needing more sorts every match.
MAX_PAGE_NAMES = 1024


@dataclass(frozen=True)
class SoftwareQuery:
    """Validated search parameters (see :meth:`from_args`)."""

    name: str = ""
    match: str = "contains"
    publisher: str = ""
    version: VersionFilter | None = None
    client_id: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.name or self.publisher or self.version or self.client_id)

    @classmethod
    def from_args(cls, args: Mapping[str, str], client_ids: set[str]) -> tuple[SoftwareQuery, list[str]]:
        """Parse query-string arguments; returns the query and the problems found (shown on the page)."""
        errors: list[str] = []
        name = " ".join((args.get("name") or "").split())
        publisher = " ".join((args.get("publisher") or "").split())
        if len(name) > MAX_TERM or len(publisher) > MAX_TERM:
            errors.append(f"Search terms are at most {MAX_TERM} characters.")
            name, publisher = name[:MAX_TERM], publisher[:MAX_TERM]
        match = args.get("match") or "contains"
        if match not in MATCH_MODES:
            errors.append("Choose how the name matches: contains, starts with or exact.")
            match = "contains"
        try:
            version = VersionFilter.parse(args.get("version") or "")
        except VersionFilterError as exc:
            errors.append(str(exc))
            version = None
        client_id = args.get("client") or None
        if client_id is not None and client_id not in client_ids:
            errors.append("Unknown client.")
            client_id = None
        return cls(name, match, publisher, version, client_id), errors

    def as_args(self) -> dict[str, str]:
        """The query string of this search (pagination and CSV links)."""
        args = {"name": self.name, "match": self.match, "publisher": self.publisher}
        if self.version:
            args["version"] = f"{self.version.operator}{self.version.version}"
        if self.client_id:
            args["client"] = self.client_id
        return {key: value for key, value in args.items() if value and not (key == "match" and not self.name)}


@dataclass(frozen=True)
class SoftwareHit:
    """One installed product on one device (of the instance ``integration_id``)."""

    integration_id: int
    device_id: int
    device_name: str
    host_asset_id: str | None
    client_id: str | None
    name: str
    publisher: str
    version: str
    installed_at: datetime | None
    first_seen: datetime | None


def _listed(integration: Integration, query: SoftwareQuery, *columns: Any) -> Select[Any]:
    """``columns`` of the listed (name, publisher) pairs the query's name and publisher terms match."""
    statement = select(*columns).where(SoftwareName.integration_id == integration.id)
    if query.name:
        statement = statement.where(_name_condition(SoftwareName.name_key, query))
    if query.publisher:
        statement = statement.where(SoftwareName.publisher.icontains(query.publisher, autoescape=True))
    return statement


def _names(integration: Integration, query: SoftwareQuery) -> Select[Any]:
    """The name keys the query's name and publisher terms match, from the list of names (unordered)."""
    return _listed(integration, query, SoftwareName.name_key).distinct()


def _name_condition(column: Any, query: SoftwareQuery) -> Any:
    term = query.name.lower()
    if query.match == "exact":
        return column == term
    if query.match == "prefix":
        return column.startswith(term, autoescape=True)
    return column.contains(term, autoescape=True)


def _matches(
    integration: Integration, query: SoftwareQuery, names: list[str] | None = None
) -> Select[*tuple[Any, ...]]:
    """The matching rows, unordered: software joined to its live device, narrowed by the query.

    Rows are read by name: those of ``names`` (a first page's first names), else of every name the
    list of names matches. A listed name matches the name term by construction, so rows are not
    tested again (a second test would also hide from the planner how many rows a name has); the
    publisher term is, through the row's (name, publisher) pair: a listed name may have rows of other
    publishers.
    """
    statement = (
        select(
            Software.device_id,
            Device.name.label("device_name"),
            Device.host_asset_id,
            Device.organization_id,
            Software.name,
            Software.publisher,
            Software.version,
            Software.installed_at,
            Software.first_seen,
            Software.name_key,
            Software.id.label("software_id"),
        )
        .join(
            Device,
            and_(
                Device.tenant_id == Software.tenant_id,
                Device.integration_id == Software.integration_id,
                Device.device_id == Software.device_id,
            ),
        )
        .where(Software.integration_id == integration.id, Device.retired.is_(False))
    )
    if names is not None:
        statement = statement.where(Software.name_key.in_(names))
    elif query.name or query.publisher:
        statement = statement.where(Software.name_key.in_(_names(integration, query)))
    if query.publisher:
        # The row's exact pair among the listed pairs that match: an ILIKE on every row of a broad
        # publisher was most of its capped count (50 of 83 ms for 10,001 "microsoft" rows).
        pairs = _listed(integration, query, SoftwareName.name_key, SoftwareName.publisher)
        statement = statement.where(tuple_(Software.name_key, Software.publisher).in_(pairs))
    if query.client_id is not None:
        organizations = select(OrganizationMapping.organization_id).where(
            OrganizationMapping.integration_id == integration.id,
            OrganizationMapping.host_client_id == query.client_id,
        )
        statement = statement.where(Device.organization_id.in_(organizations))
    return statement


def _statement(integration: Integration, query: SoftwareQuery, names: list[str] | None = None) -> Select[Any]:
    """The matches in name/version/device order.

    Rows of the given ``names`` (a page's first names) come straight from the name-ordered index: for
    one name, the first page is an index walk that stops after 51 rows. Otherwise the matches are found
    first and sorted afterwards: ``OFFSET 0`` keeps PostgreSQL from flattening the subquery. Flattened,
    a first page (``ORDER BY name_key ... LIMIT 51``) was planned as a walk of the tenant's whole name
    index in order, filtering every row and hoping to stop early — 2.4–4.4 s for "starts with google" or
    "contains chrome" on 584k rows, whose matches sit mid-alphabet, where finding the few thousand
    matches and sorting them takes tens of milliseconds (``bench/software_search.py``).
    """
    found = _matches(integration, query, names)
    matches = (found if names is not None else found.offset(0)).subquery("matches")
    # name_key and software_id stay in the rows: they are the page order, which merges instances.
    return select(*matches.c).order_by(
        matches.c.name_key, matches.c.version, matches.c.device_id, matches.c.software_id
    )


def _client_of(integration: Integration) -> dict[int, str]:
    rows = get_state().db.session.execute(
        select(OrganizationMapping.organization_id, OrganizationMapping.host_client_id).where(
            OrganizationMapping.integration_id == integration.id
        )
    )
    return {org: client for org, client in rows if client}


def _ordered_names(integration: Integration, query: SoftwareQuery) -> list[str]:
    """Every name the query's terms match (every listed name without terms), in page order."""
    return list(get_state().db.session.scalars(_names(integration, query).order_by(SoftwareName.name_key)))


def _name_chunks(integration: Integration, query: SoftwareQuery) -> Iterator[list[str] | None]:
    """The matching names in page order, 1, 4, 16, ... (at most :data:`MAX_PAGE_NAMES`) at a time, so
    a stream that stops early (a page with a version filter) reads the first names only; a single
    ``None`` (every match at once) for a search of one client, whose matches may be few among many
    rows of every name."""
    if query.client_id is not None:
        yield None
        return
    ordered = _ordered_names(integration, query)
    start, size = 0, 1
    while start < len(ordered):
        yield ordered[start : start + size]
        start += size
        size = min(size * 4, MAX_PAGE_NAMES)


def iter_software(integration: Integration, query: SoftwareQuery) -> Iterator[SoftwareHit]:
    """Every match, streamed in name/version/device order (chunk by chunk of names, see
    :func:`_name_chunks`: the chunks follow one another in that order)."""
    session = get_state().db.session
    if session.get_bind().dialect.name == "postgresql":
        # A streamed result is a server-side cursor, which PostgreSQL plans for the first 10 % of rows
        # (nested loops, no parallel scan): measured 5x slower here than planning for all of them.
        session.execute(text("SET LOCAL cursor_tuple_fraction = 1"))
    return _stream(integration, query, batch=2000)


def _stream(integration: Integration, query: SoftwareQuery, batch: int) -> Iterator[SoftwareHit]:
    """The matches in page order, fetched ``batch`` rows at a time: a page with a version filter
    fetches a page's worth (it often stops after the first 51 rows), an export thousands."""
    client_of = _client_of(integration)
    return (_hit(integration, row, client_of) for row in _rows(integration, query, batch))


def _rows(integration: Integration, query: SoftwareQuery, batch: int) -> Iterator[Row[Any]]:
    """The matching rows of :func:`_stream`, version filter applied."""
    session = get_state().db.session
    for names in _name_chunks(integration, query):
        rows = session.execute(_statement(integration, query, names).execution_options(yield_per=batch))
        for row in rows:
            if query.version is not None and not query.version.matches(row.version):
                continue
            yield row


def _hit(integration: Integration, row: Row[Any], client_of: Mapping[int, str]) -> SoftwareHit:
    return SoftwareHit(
        integration_id=integration.id,
        device_id=row.device_id,
        device_name=row.device_name,
        host_asset_id=row.host_asset_id,
        client_id=client_of.get(row.organization_id),
        name=row.name,
        publisher=row.publisher,
        version=row.version,
        installed_at=row.installed_at,
        first_seen=row.first_seen,
    )


def _merged(
    integrations: Sequence[Integration], streams: Sequence[Iterable[Row[Any]]]
) -> Iterator[SoftwareHit]:
    """The rows of each instance's stream (each in page order) as one stream in page order; equal keys
    follow the instances' order. Reads each stream only as far as the merged stream is read."""
    tagged = [zip(repeat(position), rows) for position, rows in enumerate(streams)]
    client_of = [_client_of(row) for row in integrations]
    merged = heapq.merge(
        *tagged,
        key=lambda item: (item[1].name_key, item[1].version, item[1].device_id, item[0], item[1].software_id),
    )
    for position, row in merged:
        yield _hit(integrations[position], row, client_of[position])


def iter_fleet_software(integrations: Sequence[Integration], query: SoftwareQuery) -> Iterator[SoftwareHit]:
    """:func:`iter_software` of several instances, merged in page order."""
    if len(integrations) == 1:
        return iter_software(integrations[0], query)
    iter_software(integrations[0], query)  # the PostgreSQL cursor setting, once per transaction
    return _merged(integrations, [_rows(row, query, batch=2000) for row in integrations])


@dataclass(frozen=True)
class SearchPage:
    hits: list[SoftwareHit]
    page: int
    has_next: bool
    total: int | None  # known when the database did all the filtering and matched <= COUNT_CAP rows
    devices: int | None


def _page_names(integration: Integration, query: SoftwareQuery, needed: int) -> list[str] | None:
    """The first matching names, in page order, whose rows reach the ``needed``-th match (all of
    them when fewer match); ``None`` when more than :data:`MAX_PAGE_NAMES` names are needed (then
    every match is sorted: so many names are thin ones).

    A page then reads the rows of these names only: the first page of "starts with micro" (200k
    matches over 50 names) walks one name's rows in index order and stops at 51. The names are tried
    1, 4, 16, ... at a time, each try a count that stops at ``needed``, so a run of thin names costs
    a few short counts.
    """
    session = get_state().db.session
    ordered = _ordered_names(integration, query)
    size = 1
    while size <= MAX_PAGE_NAMES:
        first = ordered[:size]
        if len(first) == len(ordered):
            return first
        reached = _matches(integration, query, first).with_only_columns(Software.id).limit(needed).subquery()
        if (session.scalar(select(func.count()).select_from(reached)) or 0) >= needed:
            return first
        size *= 4
    return None


def search_software(integration: Integration, query: SoftwareQuery, page: int = 1) -> SearchPage:
    """One page of matches. Without a version filter SQL pages and counts; with one, Python skips."""
    page = max(1, page)
    offset = (page - 1) * PAGE_SIZE
    session = get_state().db.session
    if query.version is None:
        total, devices = _count(integration, query)
        client_of = _client_of(integration)
        statement = _page_statement(integration, query, total, offset + PAGE_SIZE + 1)
        rows = session.execute(statement.offset(offset).limit(PAGE_SIZE + 1)).all()
        hits = [_hit(integration, row, client_of) for row in rows]
        return SearchPage(hits[:PAGE_SIZE], page, len(hits) > PAGE_SIZE, total, devices)
    window = list(islice(_stream(integration, query, batch=PAGE_SIZE + 1), offset, offset + PAGE_SIZE + 1))
    return SearchPage(window[:PAGE_SIZE], page, len(window) > PAGE_SIZE, None, None)


def search_fleet_software(
    integrations: Sequence[Integration], query: SoftwareQuery, page: int = 1
) -> SearchPage:
    """:func:`search_software` over several instances: each instance's first ``page`` pages are read
    as for one instance (an index walk per instance) and merged; the counts are the sums (a device id
    two instances share is two machines), unknown when any instance's count is."""
    if len(integrations) == 1:
        return search_software(integrations[0], query, page)
    page = max(1, page)
    offset = (page - 1) * PAGE_SIZE
    needed = offset + PAGE_SIZE + 1
    if query.version is not None:
        streams = [_rows(row, query, batch=PAGE_SIZE + 1) for row in integrations]
        window = list(islice(_merged(integrations, streams), offset, needed))
        return SearchPage(window[:PAGE_SIZE], page, len(window) > PAGE_SIZE, None, None)
    session = get_state().db.session
    counts = [_count(row, query) for row in integrations]
    total = devices = None
    if all(count is not None for count, _ in counts):  # none past the cap, so both are known
        total = sum(count or 0 for count, _ in counts)
        devices = sum(found or 0 for _, found in counts)
        if total > COUNT_CAP:
            total = devices = None
    firsts = [
        session.execute(_page_statement(row, query, count, needed).limit(needed)).all()
        for row, (count, _) in zip(integrations, counts, strict=True)
    ]
    window = list(islice(_merged(integrations, firsts), offset, needed))
    return SearchPage(window[:PAGE_SIZE], page, len(window) > PAGE_SIZE, total, devices)


def _page_statement(
    integration: Integration, query: SoftwareQuery, total: int | None, needed: int
) -> Select[Any]:
    """The statement of a page reaching the ``needed``-th match: the rows of the first names only
    (:func:`_page_names`), except for one client's few matches (counted: ``total``), which are quicker
    sorted than found name by name (most rows of every name belong to other clients)."""
    few_of_one_client = query.client_id is not None and total is not None
    names = None if few_of_one_client else _page_names(integration, query, needed)
    return _statement(integration, query, names)


def _count(integration: Integration, query: SoftwareQuery) -> tuple[int | None, int | None]:
    """(matches, devices) of one instance, both ``None`` past :data:`COUNT_CAP` matches: counting
    every match of a broad search costs more than the page itself."""
    matched = (
        _matches(integration, query).with_only_columns(Software.device_id).limit(COUNT_CAP + 1).subquery()
    )
    total, devices = (
        get_state()
        .db.session.execute(select(func.count(), func.count(func.distinct(matched.c.device_id))))
        .one()
    )
    return (None, None) if total > COUNT_CAP else (total, devices)


CSV_HEADER = (
    "Device",
    "NinjaOne device id",
    "Client",
    "Software",
    "Publisher",
    "Version",
    "Installed",
    "First seen",
)


def csv_header(instances: Mapping[int, str] | None = None) -> tuple[str, ...]:
    """:data:`CSV_HEADER`, after an Instance column when the rows come from several instances."""
    return tuple(instance_header(CSV_HEADER, instances))


def csv_rows(
    integrations: Sequence[Integration],
    query: SoftwareQuery,
    client_names: Mapping[str, str],
    instances: Mapping[int, str] | None = None,
) -> Iterator[tuple[Any, ...]]:
    """The rows of :func:`csv_header` (``instances``: id → name, for a tenant with several)."""
    for hit in iter_fleet_software(integrations, query):
        yield (
            *instance_cells(instances, hit.integration_id),
            hit.device_name,
            hit.device_id,
            client_names.get(hit.client_id or "", ""),
            hit.name,
            hit.publisher,
            hit.version,
            hit.installed_at,
            hit.first_seen,
        )
