"""The field map in a browser: map a field two-way, link contacts, refresh, read the asset panel;
screenshots at 1366 and 390 px (saved in the test's tmp_path), neither wider than the window."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.inventory.refresh import refresh_inventory
from flask_ninjaone.models import Device, Integration
from flask_ninjaone.state import get_state
from tests.support.browser import OVERFLOW, TIMEOUT, connect_and_sync, login

FIELDS = "/integrations/ninjaone/fields/"


def _refresh_and_pick(live, fake) -> str:
    """Log a user on to a synced device, refresh the inventory; the device's host asset id."""
    with live.app.app_context():
        tenant = get_state().host.find_tenant("acme")
        with tenant_scope(tenant.id):
            session = get_state().db.session
            device_id, asset_id = session.execute(
                select(Device.device_id, Device.host_asset_id)
                .where(Device.retired.is_(False), Device.host_asset_id.is_not(None))
                .where(Device.node_class == "WINDOWS_WORKSTATION")
                .order_by(Device.device_id)
            ).first()
            fake.state.custom_fields.set_logon(device_id, "NORTHWIND\\m.jensen")
            fake.state.custom_fields.write(device_id, {"assetTag": "NW-SRV-0042"}, api=False)
            run = refresh_inventory(session.scalars(select(Integration.id)).one())
            assert run.state == "succeeded", run.error
            session.remove()
            return str(asset_id)


def test_map_a_field_link_contacts_and_see_them_on_the_asset(browser, live, fake, tmp_path):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    connect_and_sync(page, live, fake)
    page.goto(live.url + "/integrations/ninjaone/organizations/")
    page.get_by_role("link", name="Custom fields and contacts →").click()
    expect(page.get_by_role("heading", name="Fields and contacts")).to_be_visible()
    for field, attribute, two_way in (("assetTag", "asset_tag", True), ("costCenter", "cost_center", False)):
        page.get_by_label("NinjaOne field").select_option(field)
        page.get_by_label("Asset attribute").select_option(attribute)
        if two_way:
            page.get_by_label("Two-way").check()
        page.get_by_role("button", name="Map field").click()
        expect(page.locator(f"tr[data-field={field}]")).to_be_visible()
    page.get_by_label("Link each device's last logged-on user to a contact").check()
    page.get_by_label("Create a contact when none matches").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Contact settings saved")).to_be_visible()
    page.screenshot(path=str(tmp_path / "field-map-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=str(tmp_path / "field-map-390.png"), full_page=True)

    asset_id = _refresh_and_pick(live, fake)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live.url}/assets/{asset_id}")
    expect(page.locator("[data-last-user]")).to_contain_text("NORTHWIND\\m.jensen")
    expect(page.locator("[data-contact]")).to_contain_text("m.jensen")
    expect(page.get_by_text("asset_tag")).to_be_visible()
    page.locator("#ninjaone-rmm").screenshot(path=str(tmp_path / "asset-panel-1366.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate(OVERFLOW) <= 0
    page.locator("#ninjaone-rmm").screenshot(path=str(tmp_path / "asset-panel-390.png"))
    page.close()
