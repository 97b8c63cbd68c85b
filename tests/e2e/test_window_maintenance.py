"""An administrator adds a maintenance window that also puts its device in maintenance in NinjaOne;
the asset panel then shows NinjaOne's maintenance state, learnt from the NODE_UPDATED webhook."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from flask_ninjaone.models import Device
from flask_ninjaone.state import get_state
from flask_ninjaone.tenancy import tenant_scope
from tests.support.browser import TIMEOUT, connect_and_sync, login, shoot


def workstation(live) -> tuple[int, str]:
    with live.app.app_context(), tenant_scope(get_state().host.find_tenant("acme").id):
        session = get_state().db.session
        row = session.execute(
            select(Device.device_id, Device.host_asset_id)
            .where(Device.retired.is_(False), Device.host_asset_id.is_not(None))
            .order_by(Device.device_id)
        ).first()
        session.remove()
    assert row, "a synced device with an asset"
    return row.device_id, str(row.host_asset_id)


def test_a_window_puts_the_device_in_maintenance_in_ninjaone_and_the_panel_shows_it(browser, live, fake):
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    connect_and_sync(page, live, fake)
    device_id, asset_id = workstation(live)
    fake.state.webhooks.synchronous = True

    page.goto(live.url + "/integrations/ninjaone/rules/maintenance")
    now = datetime.now(UTC)
    end = (now + timedelta(hours=3)).replace(second=0, microsecond=0)
    page.get_by_label("Name").fill("Server move")
    page.get_by_label("Device id").fill(str(device_id))
    page.get_by_label("Starts").fill((now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill(end.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Also put the devices in maintenance in NinjaOne").check()
    page.get_by_role("button", name="Add window").click()
    expect(page.locator("[data-window-ninjaone]")).to_have_text("Also in NinjaOne")
    assert fake.state.device(device_id)["maintenance"]["status"] == "IN_MAINTENANCE"

    page.goto(f"{live.url}/assets/{asset_id}")
    state = page.locator("[data-ninjaone-maintenance=IN_MAINTENANCE]")
    for _ in range(20):  # the NODE_UPDATED webhook is processed as it arrives
        if state.count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(state).to_contain_text(f"In maintenance until {end:%Y-%m-%d %H:%M}")
    expect(state).to_contain_text("(set in NinjaOne)")
    shoot(page, "asset-panel-maintenance")

    page.goto(live.url + "/integrations/ninjaone/actions/audit/?kind=maintenance_start")
    row = page.locator("[data-audit-table] tr[data-action-kind=maintenance_start]")
    expect(row).to_contain_text("Maintenance window")
    expect(row).to_contain_text("Server move")
    expect(row.locator("[data-action-state]").or_(row)).to_contain_text(re.compile("Confirmed|confirmed"))
    shoot(page, "action-audit-window")
    page.close()
