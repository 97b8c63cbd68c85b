"""The software search's "starts with" mode finds exactly the names that start with the term.

The term is matched against the list of names (``ninjaone_software_names``, migration 0018; before it,
a ``text_pattern_ops`` range on the software rows); these tests pin the rows it returns to what a
plain ``startswith`` over every row says, with the terms that ``LIKE`` or a byte-wise range could get
wrong: LIKE wildcards, the escape character, letters beyond ASCII, a term that is a whole name.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flask_ninjaone.inventory.search import PAGE_SIZE, SoftwareQuery, iter_software, search_software
from flask_ninjaone.inventory.software_names import add_names
from flask_ninjaone.models import Integration, Software
from sample_host.database import db

TRICKY = [
    "100% Secure VPN",
    "100_percent tool",
    "100 Percent Other",
    "a/b tools",
    "a\\b tools",
    "Über Editor",
    "über editor pro",
    "Zoom",
    "zoom workplace",
    "Ωmega backup",
]


@pytest.fixture
def fleet(acme):
    """acme's synced fleet plus a few products with awkward names on its first device."""
    device = acme.devices()[0]
    with acme.scope():
        integration = db.session.get(Integration, acme.integration_id)
        for number, name in enumerate(TRICKY):
            db.session.add(
                Software(tenant_id=acme.tenant.id, integration_id=integration.id, device_id=device.device_id,
                         name=name, name_key=name.lower(), publisher="Test", version=f"1.{number}")
            )  # fmt: skip
        add_names(db.session, acme.tenant.id, integration.id, [(name.lower(), "Test") for name in TRICKY])
        db.session.commit()
    return acme


def _expected(term: str) -> list[tuple[int, str, str]]:
    rows = db.session.execute(select(Software.device_id, Software.name_key, Software.version)).all()
    return sorted((d, n, v) for d, n, v in rows if n.startswith(term.lower()))


TERMS = ["100%", "100_", "100", "a/b", "a\\b", "über", "ÜBER E", "zoom", "zoom workplace", "ω", "google", "x"]


def test_prefix_search_returns_exactly_the_names_starting_with_the_term(fleet):
    with fleet.scope():
        integration = db.session.get(Integration, fleet.integration_id)
        for term in TERMS:
            query = SoftwareQuery(name=term, match="prefix")
            found = [
                (hit.device_id, hit.name.lower(), hit.version) for hit in iter_software(integration, query)
            ]
            assert sorted(found) == _expected(term), term
            page = search_software(integration, query)
            assert len(page.hits) == min(PAGE_SIZE, len(found)), term
            assert page.total in (None, len(found)), term
            assert all(hit.name.lower().startswith(term.lower()) for hit in page.hits), term
        # LIKE wildcards in a term are plain characters
        names = {hit.name for hit in iter_software(integration, SoftwareQuery(name="100%", match="prefix"))}
        assert names == {"100% Secure VPN"}
        names = {hit.name for hit in iter_software(integration, SoftwareQuery(name="100_", match="prefix"))}
        assert names == {"100_percent tool"}
