"""Browser journeys shared by the e2e tests: sign in, connect and sync, add a rule, walk the pages."""

from __future__ import annotations

import os
import re

from playwright.sync_api import expect
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.jobs import inline_runner
from flask_ninjaone.models import Device
from flask_ninjaone.state import get_state

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


ADMIN_PAGES = {
    "Alerts": r"/integrations/ninjaone/alerts/$",
    "Rules": r"/integrations/ninjaone/rules/$",
    "Maintenance windows": r"/integrations/ninjaone/rules/maintenance$",
    "Compliance": r"/integrations/ninjaone/compliance/$",
    "Software search": r"/integrations/ninjaone/compliance/software$",
    "Warranties": r"/integrations/ninjaone/reports/warranties$",
    "Billing counts": r"/integrations/ninjaone/reports/billing$",
    "Organizations": r"/integrations/ninjaone/organizations/$",
    "Sync": r"/integrations/ninjaone/sync/$",
    "Device actions": r"/integrations/ninjaone/actions/audit/$",
    "Remote access log": r"/integrations/ninjaone/remote/audit$",
    "Webhook inbox": r"/integrations/ninjaone/inbox/$",
    "Settings": r"/integrations/ninjaone/$",
}


def open_from_dashboard(page, base: str, title: str) -> None:
    """Two clicks from the dashboard: the NinjaOne menu, then the entry."""
    page.goto(base + "/")
    page.locator("summary.ninjaone-nav__toggle").click()
    page.locator(".ninjaone-nav__list").get_by_role("link", name=title, exact=True).click()


#: How far the page is wider than the window (0 when it fits).
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
SHOTS = os.environ.get("NINJAONE_TEST_SCREENSHOTS")


def shoot(page, name: str, desktop: int = 1366) -> None:
    """Screenshots at desktop (``desktop`` px) and phone widths when NINJAONE_TEST_SCREENSHOTS names a
    directory."""
    if SHOTS:
        for width, height in ((desktop, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})
