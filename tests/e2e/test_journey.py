"""A new MSP admin's first hour, in a real browser: log in, connect NinjaOne through OAuth, map
organizations, sync (busy at once, then its progress and a link to the run), see assets with RMM
badges, handle an alert that becomes a ticket, Remote Connect from that ticket, see the reset close
it, and disconnect."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import Device
from flask_ninjaone.state import get_state
from sample_host.models import Ticket
from tests.support.browser import (
    ADMIN_PAGES,
    TIMEOUT,
    add_ticket_rule,
    connect_and_sync,
    login,
    open_from_dashboard,
    synced_device,
)


def test_admin_journey(browser, live, fake):
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    connect_and_sync(page, live, fake)

    # Connected: every page opens from the dashboard's NinjaOne menu with its data, not the setup guide.
    for title, path in ADMIN_PAGES.items():
        open_from_dashboard(page, live.url, title)
        expect(page).to_have_url(re.compile(path))
        expect(page.locator("[data-ninjaone-empty]")).to_have_count(0)
    page.goto(live.url + "/")
    expect(page.locator("[data-ninjaone-widget]")).to_have_attribute("data-state", "connected")

    # Assets appear, with RMM badges.
    page.get_by_role("link", name="Assets", exact=True).click()
    with live.app.app_context():
        tenant = get_state().host.find_tenant("acme")
        with tenant_scope(tenant.id):
            synced = (
                get_state().db.session.scalars(select(Device.name).where(Device.retired.is_(False))).all()
            )
    assert synced, "the sync created devices"
    page.goto(f"{live.url}/assets/?q={synced[0]}")
    expect(page.get_by_text(synced[0]).first).to_be_visible()
    expect(page.locator(".ninjaone-agent-badge, [data-agent-status]").first).to_be_visible()

    # A condition triggers in NinjaOne → the webhook arrives → the alert shows and a ticket opens.
    add_ticket_rule(page, live)
    device_id, device_name = synced_device(live)
    fake.state.webhooks.synchronous = True
    fake.state.trigger_condition(device_id, severity="CRITICAL", message="Disk C: is 97% full")
    page.goto(live.url + "/integrations/ninjaone/alerts/")
    expect(page.get_by_text("Disk C: is 97% full").first).to_be_visible()
    page.get_by_role("link", name=re.compile("Disk C: is 97% full")).first.click()
    page.get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
    expect(
        page.get_by_text(re.compile(rf"\[NinjaOne Alert\].*{re.escape(device_name)}")).first
    ).to_be_visible()
    expect(page.get_by_text(device_name).first).to_be_visible()  # the asset is linked to the ticket
    ticket_url = page.url

    # Remote Connect from the ticket opens NinjaOne's dashboard for that device in a new tab.
    with page.context.expect_page() as new_tab:
        page.get_by_role("button", name="Remote Connect").first.click()
    dashboard = new_tab.value
    dashboard.wait_for_url(
        re.compile(rf"^{re.escape(fake.url)}/.*deviceDashboard/{device_id}/"), timeout=TIMEOUT
    )
    expect(dashboard.locator(f"[data-fake-device='{device_id}']")).to_be_visible()  # a page, not JSON
    expect(dashboard.get_by_text("Disk C: is 97% full")).to_be_visible()
    dashboard.close()

    # The condition resets in NinjaOne → the ticket closes (nobody worked it).
    [alert] = [a for a in fake.state.alerts() if a.get("deviceId") == device_id]
    fake.state.reset_alert(alert["uid"])
    page.goto(ticket_url)
    ticket_id = int(ticket_url.rstrip("/").rsplit("/", 1)[1])
    with live.app.app_context():
        assert get_state().db.session.get(Ticket, ticket_id).status == "closed"
        get_state().db.session.remove()
    expect(page.get_by_text(re.compile("closed", re.I)).first).to_be_visible()

    # Disconnect: confirm, and the webhook is gone from NinjaOne.
    page.goto(live.url + "/integrations/ninjaone/")
    page.get_by_text(re.compile("^Disconnect")).first.click()
    page.get_by_role("button", name=re.compile("Disconnect", re.I)).last.click()
    expect(page.locator("[data-status=disconnected]").first).to_be_visible()
    assert not any(fake.state.webhooks.configs().values()), "the webhook was removed in NinjaOne"
    page.goto(live.url + "/")  # the dashboard now shows the last known state, marked stale
    expect(page.locator("[data-ninjaone-widget]")).to_have_attribute("data-state", "disconnected")
    expect(page.locator("[data-ninjaone-widget]")).to_contain_text("last known state")
    page.close()
