"""The software search reads rows by name from the list of names (``ninjaone_software_names``).

The list must hold every (name, publisher) pair of the software table, or the search would lose
rows: these tests pin it to the rows after a first refresh and after products come and go, and pin
every search kind's pages (first and later, broad and narrow) to what a scan of every row says.
They run on SQLite and, with ``NINJAONE_TEST_DATABASE_URL`` set, on PostgreSQL.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from flask_ninjaone.inventory.refresh import refresh_inventory
from flask_ninjaone.inventory.search import PAGE_SIZE, SoftwareQuery, iter_software, search_software
from flask_ninjaone.inventory.versions import VersionFilter
from flask_ninjaone.models import Device, Integration, OrganizationMapping, Software, SoftwareName
from flask_ninjaone.testing.fake_ninjaone import inventory as fake_inventory
from sample_host.database import db


def listed() -> set[tuple[str, str]]:
    return {tuple(row) for row in db.session.execute(select(SoftwareName.name_key, SoftwareName.publisher))}


def stored() -> set[tuple[str, str]]:
    return {tuple(row) for row in db.session.execute(select(Software.name_key, Software.publisher))}


def test_the_list_of_names_follows_the_software_rows(acme, monkeypatch):
    with acme.scope():
        assert listed() == stored() and len(listed()) > 50
    only = next(d for d in acme.devices() if acme.fake.state.device_software(d.device_id))
    gone = acme.fake.state.device_software(only.device_id)[0]
    original = fake_inventory.software

    def changed(seed, record):
        rows = [row for row in original(seed, record) if row["name"] != gone["name"]]
        if record["id"] == only.device_id:
            rows.append({"name": "Brand New Tool", "publisher": "New Co", "version": "1.0"})
        return rows

    monkeypatch.setattr(fake_inventory, "software", changed)
    with acme.scope():
        refresh_inventory(acme.integration_id)
        pairs = listed()
        assert pairs == stored()
        assert ("brand new tool", "New Co") in pairs
        assert gone["name"].lower() not in {name for name, _ in pairs}


#: Stands for the first mapped client of the world (its id is known only once the world is built).
FIRST_CLIENT = "first mapped client"

KINDS = [
    SoftwareQuery(name="google chrome", match="exact"),
    SoftwareQuery(name="micro", match="prefix"),
    SoftwareQuery(name="zz", match="prefix"),
    SoftwareQuery(name="chrome"),
    SoftwareQuery(name="e"),
    SoftwareQuery(name="%"),
    SoftwareQuery(publisher="microsoft"),
    SoftwareQuery(publisher="MICROSOFT", name="visual", match="contains"),
    SoftwareQuery(name="microsoft", match="prefix", publisher="ubuntu"),
    SoftwareQuery(name="micro", match="prefix", version=VersionFilter.parse(">= 10")),
    SoftwareQuery(version=VersionFilter.parse("< 3")),
    SoftwareQuery(client_id=FIRST_CLIENT),
    SoftwareQuery(name="o", client_id=FIRST_CLIENT, version=VersionFilter.parse(">= 2")),
]


#: The kinds that match nothing in this fleet (every other one must match something).
NO_MATCH = [
    SoftwareQuery(name="zz", match="prefix"),
    SoftwareQuery(name="%"),
    SoftwareQuery(name="microsoft", match="prefix", publisher="ubuntu"),
]


def with_client(query: SoftwareQuery) -> SoftwareQuery:
    """The query with :data:`FIRST_CLIENT` replaced by the id of the world's first mapped client."""
    if query.client_id != FIRST_CLIENT:
        return query
    clients = db.session.scalars(
        select(OrganizationMapping.host_client_id).where(OrganizationMapping.host_client_id.is_not(None))
    )
    return dataclasses.replace(query, client_id=min(clients))


def expected(query: SoftwareQuery) -> list[tuple[int, str, str]]:
    """Every live row the query matches, by a plain scan in Python (order left to the caller)."""
    mappings = db.session.execute(
        select(OrganizationMapping.organization_id, OrganizationMapping.host_client_id)
    )
    client_of = {organization: client for organization, client in mappings}
    live = {
        device_id
        for device_id, organization in db.session.execute(
            select(Device.device_id, Device.organization_id).where(Device.retired.is_(False))
        )
        if query.client_id is None or client_of.get(organization) == query.client_id
    }
    term = query.name.lower()
    rows = db.session.execute(select(Software.device_id, Software.name, Software.publisher, Software.version))
    found = []
    for device_id, name, publisher, version in rows:
        key = name.lower()
        by_name = {"exact": key == term, "prefix": key.startswith(term), "contains": term in key}[query.match]
        by_version = query.version is None or query.version.matches(version)
        if device_id in live and by_name and by_version and query.publisher.lower() in publisher.lower():
            found.append((device_id, name, version))
    return found


@pytest.mark.parametrize(
    "kind", KINDS, ids=lambda q: f"{q.match}:{q.name}:{q.publisher}:{q.version}:{bool(q.client_id)}"
)
def test_every_search_kind_pages_through_exactly_the_matching_rows(acme, kind):
    with acme.scope():
        integration = db.session.get(Integration, acme.integration_id)
        query = with_client(kind)
        rows = expected(query)
        assert bool(rows) is (kind not in NO_MATCH)
        streamed = [(hit.device_id, hit.name, hit.version) for hit in iter_software(integration, query)]
        assert sorted(streamed) == sorted(rows)
        paged: list[tuple[int, str, str]] = []
        page = 1
        while True:
            result = search_software(integration, query, page)
            assert len(result.hits) == min(PAGE_SIZE, len(rows) - len(paged))
            paged += [(hit.device_id, hit.name, hit.version) for hit in result.hits]
            assert result.total in ((None,) if query.version else (None, len(rows)))
            if not result.has_next or page == 4:
                break
            page += 1
        # The pages are the stream's order, cut in pages: the first names only may be read for them.
        assert paged == streamed[: len(paged)]
        assert len(paged) == min(len(rows), 4 * PAGE_SIZE)
