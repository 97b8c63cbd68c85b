"""The field map page, the asset panel's contact, alert tickets' contact and ``devices --json``."""

from __future__ import annotations

import json

from sqlalchemy import select

from flask_ninjaone.alerts.rules import AlertFacts
from flask_ninjaone.alerts.ticket_text import DeviceContext, ticket_description
from flask_ninjaone.models import DeviceAttributes, FieldMapping
from sample_host.database import db
from tests.support.custom_fields import link_contacts, map_fields
from tests.support.inventory import URL, refresh

ADMIN, VIEWER = "admin@acme.test", "viewer@acme.test"


def mappings(acme) -> list[tuple[str, str, bool]]:
    with acme.scope():
        db.session.expire_all()
        return [(r.field_name, r.attribute, r.two_way) for r in db.session.scalars(select(FieldMapping))]


def test_page_lists_fields_and_attributes_and_maps_one(acme, app):
    client = acme.login(app.test_client(), ADMIN)
    page = client.get(f"{URL}/fields/").get_data(as_text=True)
    assert "Custom fields → asset attributes" in page and "Last logged-on user → contact" in page
    assert "Asset tag (text)" in page and "Cost center (dropdown)" in page
    assert "Local admin password" in page  # listed as not mappable
    response = client.post(
        f"{URL}/fields/", data={"field_name": "assetTag", "attribute": "asset_tag", "two_way": "y"}
    )
    assert response.status_code == 302
    assert mappings(acme) == [("assetTag", "asset_tag", True)]
    page = client.get(f"{URL}/fields/").get_data(as_text=True)
    assert 'data-field="assetTag"' in page and "Two-way" in page


def test_bad_posts_say_why_and_save_nothing(acme, app):
    client = acme.login(app.test_client(), ADMIN)
    for data, why in (
        ({"field_name": "vanished", "attribute": "asset_tag"}, "no device custom field named"),
        ({"field_name": "rackUnits", "attribute": "asset_tag"}, "types must match"),
        ({"field_name": "assetTag", "attribute": "nope"}, "does not exist"),
        ({"field_name": "x" * 129, "attribute": "asset_tag"}, "128"),
        ({"field_name": "", "attribute": "asset_tag"}, "required"),
    ):
        page = client.post(f"{URL}/fields/", data=data, follow_redirects=True).get_data(as_text=True)
        assert why in page, (data, page[-2000:])
    assert mappings(acme) == []


def test_viewer_sees_the_map_without_forms(acme, app):
    map_fields(acme, {"assetTag": "asset_tag"})
    client = acme.login(app.test_client(), VIEWER)
    page = client.get(f"{URL}/fields/").get_data(as_text=True)
    assert 'data-field="assetTag"' in page and "Map field" not in page
    assert client.post(f"{URL}/fields/contacts", data={"link_contacts": "y"}).status_code == 403


def test_settings_and_organizations_link_to_it(acme, app):
    client = acme.login(app.test_client(), ADMIN)
    assert f"{URL}/fields/" in client.get(f"{URL}/").get_data(as_text=True)
    assert f"{URL}/fields/" in client.get(f"{URL}/organizations/").get_data(as_text=True)


def test_contact_settings_save_and_the_panel_shows_the_contact(acme, app):
    client = acme.login(app.test_client(), ADMIN)
    assert (
        client.post(f"{URL}/fields/contacts", data={"link_contacts": "y", "create_contacts": "y"}).status_code
        == 302
    )
    device = acme.devices()[0]
    acme.fake.state.custom_fields.set_logon(device.device_id, "CORP\\panel.user")
    refresh(acme)
    page = client.get(f"/assets/{device.host_asset_id}").get_data(as_text=True)
    assert "CORP\\panel.user" in page
    assert "data-contact>panel.user<" in page


def test_alert_ticket_names_the_contact_only_when_linked():
    facts = AlertFacts(severity="MAJOR")
    with_contact = ticket_description(
        facts, DeviceContext(last_user="CORP\\j", contact="Jane Doe"), priority="high"
    )
    assert "  Contact: Jane Doe" in with_contact
    assert "Contact:" not in ticket_description(facts, DeviceContext(last_user="CORP\\j"), priority="high")


def test_devices_json_carries_contact_and_custom_attributes(acme, app):
    map_fields(acme, {"assetTag": "asset_tag", "costCenter": "cost_center", "purchaseDate": "purchase_date"})
    link_contacts(acme, create=True)
    refresh(acme)
    result = app.test_cli_runner().invoke(args=["ninjaone", "devices", "--tenant", "acme", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["device_id"]: row for row in json.loads(result.output)}
    with acme.scope():
        stored = {r.device_id: r for r in db.session.scalars(select(DeviceAttributes))}
    device = next(d for d in acme.devices() if stored[d.device_id].contact_id)
    row = rows[device.device_id]
    assert row["contact"] == {
        "id": stored[device.device_id].contact_id,
        "name": stored[device.device_id].contact_name,
    }
    assert row["last_user"] == stored[device.device_id].logon_user
    values = acme.fake.state.custom_fields.values(device.device_id)
    if "assetTag" in values:
        assert row["custom_attributes"]["asset_tag"] == values["assetTag"][0]
    if "costCenter" in values:
        assert row["custom_attributes"]["cost_center"] in {
            "Sales",
            "Engineering",
            "Finance",
            "Operations",
            "Legal",
        }
    if "purchaseDate" in values:
        assert len(row["custom_attributes"]["purchase_date"]) == 10  # an ISO date
