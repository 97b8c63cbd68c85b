"""The locations → sites and device types pages: what they show, what their forms change, and what
they refuse (another tenant's ids, unknown sites and roles, a viewer's post)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from flask_ninjaone.connection.connect import connect_client_credentials
from flask_ninjaone.models import DeviceTypeRule, Integration, LocationSite, MappingState, OrganizationMapping
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.testing.fake_ninjaone.node_roles import role_id_for
from sample_host.models import Site
from tests.support.connection_flow import tenant_db

PREFIX = "/integrations/ninjaone"


@pytest.fixture
def world(web_app, fake):
    """acme and globex connected to one fake; acme's organizations mapped (clients created), and
    "Northwind Traders, Inc." with a "Warehouse" location mapped onto acme's "Northwind Traders"."""
    org = fake.state.add_organization("Northwind Traders, Inc.")
    fake.state.add_location(org["id"], "Warehouse")
    fake.state.add_location(org["id"], "Harbour depot")
    for slug in ("acme", "globex"):
        with tenant_db(web_app, slug) as session:
            connect_client_credentials(
                session, client_id="demo-client-id", client_secret="demo-client-secret",
                region=None, custom_url=fake.url, actor=None,
            )  # fmt: skip
            if slug == "acme":
                integration = session.scalars(select(Integration)).one()
                mapping.apply_suggestions(session, integration, create_missing=True)
    return web_app, org["id"]


def _locations(app, organization_id: int, slug: str = "acme") -> dict[str, int]:
    with tenant_db(app, slug) as session:
        row = session.scalars(
            select(OrganizationMapping).where(OrganizationMapping.organization_id == organization_id)
        ).one()
        return {location["name"]: location["id"] for location in row.locations}


def _site_rows(app, slug: str = "acme") -> dict[int, str]:
    with tenant_db(app, slug) as session:
        return {row.location_id: row.host_site_id for row in session.scalars(select(LocationSite))}


def _flashes(client) -> str:
    return html.unescape(client.get(PREFIX + "/organizations/").get_data(as_text=True))


def test_the_mapping_page_links_each_mapped_organization_to_its_sites(world, admin) -> None:
    _app, organization_id = world
    page = admin.get(PREFIX + "/organizations/").get_data(as_text=True)
    assert f'href="{PREFIX}/organizations/{organization_id}/sites" data-ninjaone-sites' in page
    assert f'href="{PREFIX}/device-types/"' in page
    assert f'href="{PREFIX}/device-types/"' in admin.get(PREFIX + "/").get_data(as_text=True)


def test_the_sites_page_suggests_by_name_and_maps_and_creates(world, admin) -> None:
    app, organization_id = world
    locations = _locations(app, organization_id)
    url = f"{PREFIX}/organizations/{organization_id}/sites"
    page = html.unescape(admin.get(url).get_data(as_text=True))
    warehouse_row = page.split(f'data-location="{locations["Warehouse"]}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="ninjaone-mapping__suggestion">Warehouse<' in warehouse_row  # acme's seeded site
    with tenant_db(app) as session:
        warehouse = session.scalar(select(Site.id).where(Site.name == "Warehouse"))
    response = admin.post(
        f"{url}/{locations['Warehouse']}", data={f"loc{locations['Warehouse']}-site_id": warehouse}
    )
    assert response.status_code == 302
    response = admin.post(f"{url}/{locations['Harbour depot']}/create-site")
    assert response.status_code == 302
    rows = _site_rows(app)
    assert rows[locations["Warehouse"]] == str(warehouse)
    with tenant_db(app) as session:
        created = session.scalar(select(Site).where(Site.id == int(rows[locations["Harbour depot"]])))
        # The client had a "Harbour Depot" already: create_site returns it rather than a twin.
        assert created is not None and created.name == "Harbour Depot"
    # Unmapping: the empty choice.
    admin.post(f"{url}/{locations['Warehouse']}", data={f"loc{locations['Warehouse']}-site_id": ""})
    assert locations["Warehouse"] not in _site_rows(app)


def test_bad_site_posts_change_nothing(world, admin, login) -> None:
    app, organization_id = world
    locations = _locations(app, organization_id)
    url = f"{PREFIX}/organizations/{organization_id}/sites"
    field = f"loc{locations['Warehouse']}-site_id"
    for bad in ("999999", "x" * 65, "not-a-site"):
        assert admin.post(f"{url}/{locations['Warehouse']}", data={field: bad}).status_code == 302
    assert "That site does not exist" in _flashes(admin)
    # A location of another organization, an organization of no connection: 404.
    other = next(
        loc for org, locs in _all_locations(app).items() if org != organization_id for loc in locs.values()
    )
    assert admin.post(f"{url}/{other}", data={f"loc{other}-site_id": ""}).status_code == 404
    assert admin.get(f"{PREFIX}/organizations/987654/sites").status_code == 404
    assert admin.post(f"{PREFIX}/organizations/987654/sites/{other}/create-site").status_code == 404
    # A viewer may look but not change.
    viewer = login("viewer")
    assert viewer.get(url).status_code == 200 and "Create site" not in viewer.get(url).get_data(as_text=True)
    assert viewer.post(f"{url}/{locations['Warehouse']}/create-site").status_code == 403
    assert _site_rows(app) == {}


def _all_locations(app) -> dict[int, dict[str, int]]:
    with tenant_db(app) as session:
        return {
            row.organization_id: {loc["name"]: loc["id"] for loc in row.locations}
            for row in session.scalars(select(OrganizationMapping))
        }


def test_an_unmapped_organization_sends_you_back_to_map_it(world, admin) -> None:
    app, organization_id = world
    with tenant_db(app) as session:
        integration = session.scalars(select(Integration)).one()
        mapping.map_organization(session, integration, organization_id, None, auto_sync=True)
        assert session.scalars(select(OrganizationMapping.state)).all().count(MappingState.UNMAPPED) == 1
    response = admin.get(f"{PREFIX}/organizations/{organization_id}/sites")
    assert response.status_code == 302
    assert "to a client first" in _flashes(admin)


def _rules(app) -> list[tuple[int, str, str, str]]:
    with tenant_db(app) as session:
        return [
            (r.organization_id, r.match_kind, r.match_value, r.host_asset_type)
            for r in session.scalars(select(DeviceTypeRule).order_by(DeviceTypeRule.id))
        ]


def test_the_device_types_page_lists_roles_and_saves_and_removes_rules(world, admin) -> None:
    app, organization_id = world
    url = f"{PREFIX}/device-types/"
    page = html.unescape(admin.get(url).get_data(as_text=True))
    assert f'data-role="{role_id_for("WINDOWS_SERVER")}"' in page and "Windows Server" in page
    assert (
        '<option value="class:NMS_FIREWALL">' in page and '<option value="firewall">Firewall</option>' in page
    )
    role = role_id_for("WINDOWS_SERVER")
    admin.post(url, data={"organization_id": "0", "match": f"role:{role}", "host_asset_type": "firewall"})
    admin.post(
        url, data={"organization_id": organization_id, "match": "class:MAC", "host_asset_type": "laptop"}
    )
    # Saving the same scope and match again changes its type instead of adding a rule.
    admin.post(url, data={"organization_id": "0", "match": f"role:{role}", "host_asset_type": "server"})
    assert _rules(app) == [(0, "role", str(role), "server"), (organization_id, "class", "MAC", "laptop")]
    page = html.unescape(admin.get(url).get_data(as_text=True))
    assert "Role: Windows Server" in page and "Class: MAC" in page and "Northwind Traders, Inc." in page
    with tenant_db(app) as session:
        rule_id = session.scalar(select(DeviceTypeRule.id).where(DeviceTypeRule.match_kind == "class"))
    assert admin.post(f"{PREFIX}/device-types/{rule_id}/delete").status_code == 302
    assert _rules(app) == [(0, "role", str(role), "server")]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"organization_id": "0", "match": "role:424242", "host_asset_type": "server"},
            "lists no node role 424242",
        ),
        (
            {"organization_id": "0", "match": "class:TOASTER", "host_asset_type": "server"},
            "not a NinjaOne node class",
        ),
        (
            {"organization_id": "0", "match": "class:MAC", "host_asset_type": "spaceship"},
            "not one of this application",
        ),
        (
            {"organization_id": "987654", "match": "class:MAC", "host_asset_type": "laptop"},
            "No NinjaOne organization",
        ),
        (
            {"organization_id": "-1", "match": "class:MAC", "host_asset_type": "laptop"},
            "Number must be at least 0",
        ),
        (
            {"organization_id": "0", "match": "class:" + "M" * 74, "host_asset_type": "laptop"},
            "not a NinjaOne node class",
        ),
        (
            {"organization_id": "0", "match": "class:" + "M" * 75, "host_asset_type": "laptop"},
            "longer than 80",
        ),
        ({"organization_id": "0", "match": "class:MAC", "host_asset_type": "l" * 65}, "longer than 64"),
        (
            {"organization_id": "0", "match": "colour:red", "host_asset_type": "laptop"},
            "a node role or a node class",
        ),
    ],
)
def test_bad_rules_are_refused_with_why(world, admin, form, message) -> None:
    app, _ = world
    assert admin.post(f"{PREFIX}/device-types/", data=form).status_code == 302
    assert message in html.unescape(admin.get(f"{PREFIX}/device-types/").get_data(as_text=True))
    assert _rules(app) == []


def test_another_tenants_rule_is_a_404_and_a_viewer_cannot_post(world, admin, login) -> None:
    app, _ = world
    url = f"{PREFIX}/device-types/"
    admin.post(url, data={"organization_id": "0", "match": "class:MAC", "host_asset_type": "laptop"})
    with tenant_db(app) as session:
        rule_id = session.scalar(select(DeviceTypeRule.id))
    globex = login("admin", tenant="globex")
    assert globex.post(f"{url}{rule_id}/delete").status_code == 404
    assert "Class: MAC" not in globex.get(url).get_data(as_text=True)
    viewer = login("viewer")
    assert (
        viewer.post(
            url, data={"organization_id": "0", "match": "class:MAC", "host_asset_type": "server"}
        ).status_code
        == 403
    )
    assert "Save rule" not in viewer.get(url).get_data(as_text=True)
    assert _rules(app) == [(0, "class", "MAC", "laptop")]
    assert re.search(r"No rules yet", globex.get(url).get_data(as_text=True))
