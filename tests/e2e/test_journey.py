"""A new MSP admin's first hour, in a real browser: log in, connect NinjaOne through OAuth, map
organizations, sync (busy at once, then its progress and a link to the run), see assets with RMM
badges, handle an alert that becomes a ticket, Remote Connect from that ticket, see the reset close
it, and disconnect."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.jobs import inline_runner
from flask_ninjaone.models import Device
from flask_ninjaone.state import get_state
from sample_host.models import Ticket

TIMEOUT = 20_000


def login(page, base: str, email: str = "admin@acme.test") -> None:
    page.goto(base + "/login")
    page.get_by_label("Workspace").fill("acme")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    expect(page.get_by_role("link", name="Settings")).to_be_visible()


def connect_and_sync(page, live, fake) -> None:
    """Settings → Integrations → NinjaOne → credentials → Connect (OAuth) → map → Sync now."""
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_text("RMM & Endpoint Management")).to_be_visible()
    page.get_by_role("link", name=re.compile("Set up|Manage")).first.click()
    expect(page).to_have_url(re.compile(r"/integrations/ninjaone/$"))

    page.get_by_label("Client ID").fill("demo-client-id")
    page.get_by_label("Client Secret").fill("demo-client-secret")
    page.get_by_label("Custom URL").check()
    page.get_by_label("Custom instance URL").fill(fake.url)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("ending in", re.I))).to_be_visible()
    assert "demo-client-secret" not in page.content()

    page.get_by_role("button", name="Connect").click()  # → fake authorize (auto-consent) → callback
    expect(page).to_have_url(re.compile(r"/integrations/ninjaone/"), timeout=TIMEOUT)
    expect(page.locator("[data-status=connected], [data-status=syncing]").first).to_be_visible(
        timeout=TIMEOUT
    )
    assert fake.state.webhooks.configs(), "the webhook was registered in NinjaOne"

    page.goto(live.url + "/integrations/ninjaone/organizations/")
    expect(page.locator("tr[data-state=unmapped]")).to_have_count(4)
    # "Northwind Traders, Inc." (the fake) is acme's "Northwind Traders": confirm, then map.
    page.get_by_role("link", name=re.compile(r"Apply all suggestions \(1\)")).click()
    plan = page.locator("[data-ninjaone-plan] tbody tr")
    expect(plan).to_have_count(1)
    expect(plan.first).to_contain_text("Northwind Traders, Inc.")
    expect(plan.first).to_contain_text("Northwind Traders")
    page.get_by_role("button", name="Map 1 organization(s)").click()
    expect(page.get_by_text("Mapped 1 organization(s) to their suggested clients.")).to_be_visible()
    # The generated organizations have no client: the confirmation lists the clients it creates.
    page.get_by_role("link", name=re.compile(r"Create all missing clients \(3\)")).click()
    expect(page.locator("[data-ninjaone-new-clients] li")).to_have_count(3)
    page.get_by_role("button", name="Create the clients and map").click()
    expect(page.get_by_text(re.compile(r"Created the missing clients and mapped 3"))).to_be_visible()
    expect(page.locator("tr[data-state=mapped]")).to_have_count(4)

    page.goto(live.url + "/integrations/ninjaone/sync/")
    job = page.locator("[data-ninjaone-job]")
    status = job.locator("[data-ninjaone-job-status]")
    sync_now = job.locator("button[value=full]")
    with inline_runner(live.app).held():  # the job waits, so the page must show it at once, queued
        sync_now.click()
        expect(sync_now).to_be_disabled()
        expect(sync_now).to_have_text("Syncing…")
        expect(job.get_by_role("button", name="Sync changes only")).to_be_disabled()
        expect(status).to_have_attribute("data-state", "queued")
        expect(status.locator("[data-job-text]")).to_have_text("Sync queued: waiting for a worker…")
    expect(status).to_have_attribute("data-state", "succeeded", timeout=TIMEOUT)
    expect(status.locator("[data-job-text]")).to_have_text(re.compile(r"^Sync finished: \d+ devices"))
    expect(sync_now).to_be_enabled()
    expect(sync_now).to_have_text("Sync now")
    status.get_by_role("link", name=re.compile(r"^View run #\d+$")).click()
    expect(page).to_have_url(re.compile(r"/sync/\?run=\d+#run-\d+$"))
    expect(page.locator("tr[aria-current=true][data-state=succeeded]")).to_be_visible()


def add_ticket_rule(page, live) -> None:
    """Rules → new catch-all rule that opens a ticket and closes it when the alert resets."""
    page.goto(live.url + "/integrations/ninjaone/rules/new")
    page.get_by_label("Name", exact=True).fill("Every alert becomes a ticket")
    page.get_by_role("checkbox", name=re.compile("Catch-all")).check()
    page.get_by_role("radio", name="Create a ticket").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Every alert becomes a ticket").first).to_be_visible()


def synced_device(live) -> tuple[int, str]:
    with live.app.app_context():
        tenant = get_state().host.find_tenant("acme")
        with tenant_scope(tenant.id):
            row = (
                get_state()
                .db.session.execute(
                    select(Device.device_id, Device.name)
                    .where(
                        Device.retired.is_(False),
                        Device.agent_status == "online",
                        Device.asset_type == "server",
                    )
                    .order_by(Device.device_id)
                )
                .first()
            )
            get_state().db.session.remove()
    assert row, "a synced online server"
    return row.device_id, row.name


def test_admin_journey(browser, live, fake):
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    connect_and_sync(page, live, fake)

    # Connected: every page opens from the dashboard's NinjaOne menu with its data, not the setup guide.
    from .test_navigation import ADMIN_PAGES, open_from_dashboard

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
