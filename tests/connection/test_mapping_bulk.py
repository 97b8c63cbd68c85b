"""The mapping page's bulk actions: "Apply all suggestions" and "Create all missing clients".

Each shows a confirmation listing exactly what will happen (which organization goes to which client,
which clients are created), then does it all or nothing; a list that changed meanwhile changes
nothing and says what changed. Another tenant's organizations and clients never appear.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from flask_ninjaone.connection.connect import connect_client_credentials
from flask_ninjaone.models import Integration, MappingState, OrganizationMapping
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.state import get_state
from sample_host.database import db
from sample_host.models import Client
from tests.support.connection_flow import tenant_db

PREFIX = "/integrations/ninjaone/organizations"


@pytest.fixture
def world(web_app, fake):
    """acme and globex both connected to one fake whose organizations include "Northwind Traders, Inc."
    (acme has the client "Northwind Traders") and "Initech LLC" (globex has "Initech"); nothing mapped."""
    fake.state.add_organization("Northwind Traders, Inc.")
    fake.state.add_organization("Initech LLC")
    for slug in ("acme", "globex"):
        with tenant_db(web_app, slug) as session:
            connect_client_credentials(
                session, client_id="demo-client-id", client_secret="demo-client-secret",
                region=None, custom_url=fake.url, actor=None,
            )  # fmt: skip
    return web_app


def states(app, slug: str = "acme") -> dict[str, tuple[str, str | None]]:
    """Organization name → (state, client name) of ``slug``'s mappings."""
    with tenant_db(app, slug) as session:
        clients = {c.id: c.name for c in get_state().host.list_clients(get_state().host.find_tenant(slug).id)}
        return {
            row.name: (row.state, clients.get(row.host_client_id or ""))
            for row in session.scalars(select(OrganizationMapping))
        }


def client_names(app, slug: str) -> set[str]:
    with app.app_context():
        tenant = get_state().host.find_tenant(slug)
        return {client.name for client in get_state().host.list_clients(tenant.id)}


def plan_field(page: str) -> str:
    return html.unescape(re.search(r'name="plan" type="hidden" value="([^"]*)"', page).group(1))


def plan_rows(page: str) -> list[tuple[str, str]]:
    table = page.split("data-ninjaone-plan>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'data-label="Organization">(.*?)</td>\s*<td data-label="Client">(.*?)</td>', table, re.S
    )
    return [
        (html.unescape(org), html.unescape(re.sub(r"<[^>]+>", "", client)).strip()) for org, client in rows
    ]


def test_the_page_offers_both_actions_with_their_counts(world, admin) -> None:
    page = admin.get(PREFIX + "/").get_data(as_text=True)
    assert "Apply all suggestions (1)…" in page and f'href="{PREFIX}/apply-suggestions"' in page
    assert "Create all missing clients (4)…" in page and f'href="{PREFIX}/create-clients"' in page


def test_apply_all_suggestions_lists_then_maps_exactly_that(world, admin) -> None:
    page = admin.get(PREFIX + "/apply-suggestions").get_data(as_text=True)
    assert plan_rows(page) == [("Northwind Traders, Inc.", "Northwind Traders")]
    assert "Clients that will be created" not in page and "Initech" not in page  # globex's
    # The confirm button turns busy at once (no second post while the bulk action runs).
    assert f'action="{PREFIX}/apply-suggestions" class="ninjaone-actions" data-ninjaone-busy' in page
    response = admin.post(PREFIX + "/apply-suggestions", data={"plan": plan_field(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith(PREFIX + "/")
    assert "Mapped 1 organization(s)" in admin.get(PREFIX + "/").get_data(as_text=True)
    after = states(world)
    assert after["Northwind Traders, Inc."] == (MappingState.MAPPED, "Northwind Traders")
    assert {state for name, (state, _) in after.items() if name != "Northwind Traders, Inc."} == {"unmapped"}
    assert {state for state, _ in states(world, "globex").values()} == {"unmapped"}


def test_create_all_missing_clients_lists_the_new_clients_then_creates_them(world, admin) -> None:
    before = client_names(world, "acme")
    page = admin.get(PREFIX + "/create-clients").get_data(as_text=True)
    expected = ["Acme Manufacturing Inc.", "Example Consulting", "Initech LLC", "Müller & Söhne GmbH"]
    assert plan_rows(page) == [(name, f"{name} new") for name in expected]
    new = page.split("data-ninjaone-new-clients>", 1)[1].split("</ul>", 1)[0]
    assert [html.unescape(n) for n in re.findall(r"<li>(.*?)</li>", new)] == expected
    assert "Northwind Traders, Inc." not in page  # it has a suggestion: left to the other action
    response = admin.post(PREFIX + "/create-clients", data={"plan": plan_field(page)})
    assert response.status_code == 302
    assert client_names(world, "acme") == before | set(expected)
    assert client_names(world, "globex") == {"Initech", "Vandelay Industries", "Wayne Property Group"}
    after = states(world)
    assert all(after[name] == (MappingState.MAPPED, name) for name in expected)
    assert after["Northwind Traders, Inc."] == (MappingState.UNMAPPED, None)


def test_a_stale_confirmation_changes_nothing_and_says_what_changed(world, admin) -> None:
    page = admin.get(PREFIX + "/create-clients").get_data(as_text=True)
    confirmed = plan_field(page)
    with tenant_db(world) as session:  # meanwhile, someone else maps one of the listed organizations
        integration = session.scalars(select(Integration)).one()
        row = session.scalars(
            select(OrganizationMapping).where(OrganizationMapping.name == "Example Consulting")
        ).one()
        client = db.session.scalars(select(Client).where(Client.name == "Tailspin Toys")).one()
        mapping.map_organization(session, integration, row.organization_id, str(client.id), auto_sync=True)
    before = client_names(world, "acme")
    response = admin.post(PREFIX + "/create-clients", data={"plan": confirmed})
    assert response.status_code == 302 and response.headers["Location"].endswith(PREFIX + "/create-clients")
    again = admin.get(PREFIX + "/create-clients").get_data(as_text=True)
    assert "Nothing was changed" in again and "Example Consulting was mapped meanwhile" in again
    assert [org for org, _ in plan_rows(again)] == [
        "Acme Manufacturing Inc.",
        "Initech LLC",
        "Müller & Söhne GmbH",
    ]
    assert client_names(world, "acme") == before
    assert [name for name, (state, _) in states(world).items() if state == "mapped"] == ["Example Consulting"]


@pytest.mark.parametrize("plan", ["", "not json", "[[1]]", '{"a": 1}', '[["1", null, "x"]]', "[]"])
def test_a_damaged_or_empty_plan_changes_nothing(world, admin, plan: str) -> None:
    response = admin.post(PREFIX + "/apply-suggestions", data={"plan": plan})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        PREFIX + "/apply-suggestions"
    )
    assert {state for state, _ in states(world).values()} == {"unmapped"}


def test_a_client_added_meanwhile_is_a_changed_list(world, admin) -> None:
    page = admin.get(PREFIX + "/apply-suggestions").get_data(as_text=True)
    with world.app_context():
        get_state().host.create_client(get_state().host.find_tenant("acme").id, "Example Consulting Ltd")
        db.session.commit()
    admin.post(PREFIX + "/apply-suggestions", data={"plan": plan_field(page)})
    again = admin.get(PREFIX + "/apply-suggestions").get_data(as_text=True)
    assert "Example Consulting was added" in again
    assert {state for state, _ in states(world).values()} == {"unmapped"}


def test_a_host_failure_part_way_leaves_nothing_behind(world, monkeypatch) -> None:
    adapter = type(get_state(world).host)
    real = adapter.create_client
    calls = []

    def fail_on_the_third(self, tenant_id: str, name: str):
        calls.append(name)
        if len(calls) == 3:
            raise RuntimeError("host database went away")
        return real(self, tenant_id, name)

    monkeypatch.setattr(adapter, "create_client", fail_on_the_third)
    before = client_names(world, "acme")
    with tenant_db(world) as session:
        integration = session.scalars(select(Integration)).one()
        plan = mapping.plan_missing_clients(session, integration)
        with pytest.raises(RuntimeError):
            mapping.apply_confirmed(session, integration, "missing_clients", mapping.encode_plan(plan))
    assert len(calls) == 3
    assert client_names(world, "acme") == before
    assert {state for state, _ in states(world).values()} == {"unmapped"}


def test_organizations_named_alike_share_one_new_client(world, admin, fake) -> None:
    with tenant_db(world) as session:
        integration = session.scalars(select(Integration)).one()
        row = session.scalars(
            select(OrganizationMapping).where(OrganizationMapping.name == "Example Consulting")
        ).one()
        session.add(OrganizationMapping(
            integration_id=integration.id, organization_id=row.organization_id + 1000,
            name="EXAMPLE CONSULTING, LLC", locations=[],
        ))  # fmt: skip
        session.commit()
    page = admin.get(PREFIX + "/create-clients").get_data(as_text=True)
    rows = dict(plan_rows(page))
    shared = rows["Example Consulting"].removesuffix(" new")
    assert rows["EXAMPLE CONSULTING, LLC"] == rows["Example Consulting"]
    assert shared in ("Example Consulting", "EXAMPLE CONSULTING, LLC")
    assert page.count(f"<li>{html.escape(shared)}</li>") == 1  # one client to be created
    admin.post(PREFIX + "/create-clients", data={"plan": plan_field(page)})
    after = states(world)
    assert after["EXAMPLE CONSULTING, LLC"] == after["Example Consulting"] == ("mapped", shared)


@pytest.mark.parametrize("role", ["viewer", "technician"])
def test_only_managers_see_or_use_the_bulk_actions(world, login, role: str) -> None:
    client = login(role)
    page = client.get(PREFIX + "/").get_data(as_text=True)
    assert "Apply all suggestions" not in page and "Create all missing clients" not in page
    for path in ("/apply-suggestions", "/create-clients"):
        assert client.get(PREFIX + path).status_code == 403
        assert client.post(PREFIX + path, data={"plan": "[]"}).status_code == 403
    assert {state for state, _ in states(world).values()} == {"unmapped"}


def test_nothing_to_do_says_so(world, admin) -> None:
    page = admin.get(PREFIX + "/create-clients").get_data(as_text=True)
    admin.post(PREFIX + "/create-clients", data={"plan": plan_field(page)})
    page = admin.get(PREFIX + "/create-clients").get_data(as_text=True)
    assert "There is nothing to do" in page and 'name="plan"' not in page


def test_creating_one_client_flashes_a_link_to_it(world, admin) -> None:
    """The "Create as new client" flash names the client it made and links the host's page of it."""
    with tenant_db(world, "acme") as session:
        row = session.scalars(
            select(OrganizationMapping).where(OrganizationMapping.name == "Initech LLC")
        ).one()
        organization_id = row.organization_id
    response = admin.post(f"{PREFIX}/{organization_id}/create-client")
    assert response.status_code == 302
    with world.app_context():
        tenant = get_state().host.find_tenant("acme")
        [client] = [c for c in get_state().host.list_clients(tenant.id) if c.name == "Initech LLC"]
    page = admin.get(PREFIX + "/").get_data(as_text=True)
    assert f'Created client <a href="/clients/{client.id}">Initech LLC</a> and mapped' in page
