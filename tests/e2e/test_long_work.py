"""Feedback on long work in a real browser: "Refresh inventory now" is busy at once (buttons disabled,
the run shown queued where the button is), then shows the finished run with a link to it in the sync
history; the same on a phone for "Sync now", and for "Refresh this device now", "Sync selected" and
an alert rule's "Test" (which opens its results when done). The job is held while the page is
checked, so "at once" is what the page shows before any work started, not a race with a fast fake.

Set TEST_SCREENS_DIR=<directory> to keep screenshots of the busy and done states (1366 and 390 px)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.jobs import inline_runner
from flask_ninjaone.models import Device
from flask_ninjaone.state import get_state
from tests.support.browser import TIMEOUT, add_ticket_rule, connect_and_sync, login, synced_device

SCREENS = os.environ.get("TEST_SCREENS_DIR")
PREFIX = "/integrations/ninjaone"
SYNC_QUEUED = "Sync queued: waiting for a worker…"
SYNC_DONE = r"^Sync finished: \d+ devices"


def snap(page, name: str) -> None:
    """Keep a screenshot when asked to (the tests never depend on it)."""
    if SCREENS:
        Path(SCREENS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENS) / f"{name}.png"), full_page=False)


def busy_then_done(page, live, button: str, queued: str, finished: str, shot: str) -> None:
    """Click ``button`` with its job held: busy and queued at once; released: done, with the run's link."""
    job = page.locator("[data-ninjaone-job]").first  # one long action per page
    first = job.locator("button[type=submit]").first
    expect(first).to_have_text(button)
    status = job.locator("[data-ninjaone-job-status]")
    with inline_runner(live.app).held():
        first.click()
        expect(first).to_be_disabled()
        expect(first).to_have_attribute("aria-busy", "true")  # the spinner and "Syncing…"/"Refreshing…"
        expect(status).to_have_attribute("data-state", "queued")
        expect(status.locator("[data-job-text]")).to_have_text(queued)
        expect(status.get_by_role("link", name=re.compile(r"^View run #\d+$"))).to_be_visible()
        status.scroll_into_view_if_needed()
        snap(page, f"{shot}-busy")
    expect(status).to_have_attribute("data-state", "succeeded", timeout=TIMEOUT)
    expect(status.locator("[data-job-text]")).to_have_text(re.compile(finished))
    expect(first).to_be_enabled()
    expect(first).to_have_text(button)
    snap(page, f"{shot}-done")


def test_refresh_inventory_and_sync_now_show_busy_progress_and_the_run(browser, live, fake) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    connect_and_sync(page, live, fake)

    page.goto(live.url + "/integrations/ninjaone/compliance/")
    busy_then_done(page, live, "Refresh inventory now", "Inventory refresh queued: waiting for a worker…",
                   r"^Inventory refresh finished: \d+ devices", "inventory-1366")  # fmt: skip
    page.locator("[data-ninjaone-job-status]").get_by_role("link", name=re.compile(r"^View run #")).click()
    expect(page).to_have_url(re.compile(r"/sync/\?run=\d+#run-\d+$"))
    row = page.locator("tr[aria-current=true]")
    expect(row).to_have_attribute("data-state", "succeeded")
    expect(row.locator("td[data-label=Run]")).to_have_text("Inventory refresh")

    page.goto(live.url + "/integrations/ninjaone/sync/")
    busy_then_done(page, live, "Sync now", SYNC_QUEUED, SYNC_DONE, "sync-1366")
    # At once, while the full sync's follow-up inventory refresh may still run: a job of its own since
    # the sync's job ended, so this Sync now queues behind it instead of answering "already queued".
    page.goto(live.url + "/integrations/ninjaone/")  # the settings page's Sync now, same box
    busy_then_done(page, live, "Sync now", SYNC_QUEUED, SYNC_DONE, "settings-1366")

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.set_default_timeout(TIMEOUT)
    login(phone, live.url)
    phone.goto(live.url + "/integrations/ninjaone/sync/")
    busy_then_done(phone, live, "Sync now", SYNC_QUEUED, SYNC_DONE, "sync-390")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.goto(live.url + "/integrations/ninjaone/compliance/")
    busy_then_done(phone, live, "Refresh inventory now", "Inventory refresh queued: waiting for a worker…",
                   r"^Inventory refresh finished: \d+ devices", "inventory-390")  # fmt: skip
    phone.close()
    page.close()


def synced_asset(live) -> tuple[str, str]:
    """A synced device's host asset id and name."""
    with live.app.app_context():
        tenant = get_state().host.find_tenant("acme")
        with tenant_scope(tenant.id):
            row = (
                get_state()
                .db.session.execute(
                    select(Device.host_asset_id, Device.name)
                    .where(Device.retired.is_(False), Device.host_asset_id.is_not(None))
                    .order_by(Device.device_id)
                )
                .first()
            )
            get_state().db.session.remove()
    assert row, "a synced device with its asset"
    return str(row.host_asset_id), row.name


def test_device_refresh_sync_selected_and_rule_test_show_progress_and_results(browser, live, fake) -> None:
    """The other long actions use the same box: "Refresh this device now" on the asset page, "Sync
    selected" on the asset list, and "Test" of an alert rule (whose finished test opens its results),
    at 1366 and 390 px. Screenshots of each step when TEST_SCREENS_DIR is set."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    connect_and_sync(page, live, fake)
    inline_runner(live.app).wait()  # the follow-up inventory refresh, so the pages show a settled fleet
    snap(page, "walk-sync-1366")
    for name, path in (
        ("settings", "/integrations/ninjaone/"),
        ("mapping", "/integrations/ninjaone/organizations/"),
    ):
        page.goto(live.url + path)
        snap(page, f"walk-{name}-1366")

    asset_id, device_name = synced_asset(live)
    page.goto(f"{live.url}/assets/{asset_id}")
    panel = page.locator("#ninjaone-rmm")
    snap(page, "walk-asset-1366")
    with inline_runner(live.app).held():
        button = panel.locator("[data-ninjaone-job] button[type=submit]")
        expect(button).to_have_text("Refresh this device now")
        button.click()
        expect(button).to_be_disabled()
        status = panel.locator("[data-ninjaone-job-status]")
        expect(status).to_have_attribute("data-state", "queued")
        expect(status.locator("[data-job-text]")).to_have_text("Device refresh queued: waiting for a worker…")
        status.scroll_into_view_if_needed()
        snap(page, "device-refresh-busy-1366")
    expect(status).to_have_attribute("data-state", "succeeded", timeout=TIMEOUT)
    expect(status.locator("[data-job-text]")).to_have_text(re.compile(r"^Device refresh finished: 1 device"))
    expect(status.get_by_role("link", name=re.compile(r"^View run #\d+$"))).to_be_visible()
    snap(page, "device-refresh-done-1366")

    page.goto(f"{live.url}/assets/")
    boxes = page.locator("input[name=asset_ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    job = page.locator(".ninjaone-bulk [data-ninjaone-job]")
    sync_selected = job.locator("button[data-busy-text]")
    with inline_runner(live.app).held():
        sync_selected.click()
        status = job.locator("[data-ninjaone-job-status]")
        expect(status).to_have_attribute("data-state", "queued")
        expect(sync_selected).to_be_disabled()
        expect(sync_selected).to_have_text("Syncing…")
        snap(page, "sync-selected-busy-1366")
    expect(status).to_have_attribute("data-state", "succeeded", timeout=TIMEOUT)
    expect(status.locator("[data-job-text]")).to_have_text(
        re.compile(r"^Sync of the selected devices finished: 2 devices")
    )
    snap(page, "sync-selected-done-1366")

    # An alert to test rules against, then Rules → Test: busy at once, then its results page.
    device_id, _ = synced_device(live)
    fake.state.webhooks.synchronous = True
    fake.state.trigger_condition(device_id, severity="CRITICAL", message="Disk C: is 97% full")
    page.goto(live.url + "/integrations/ninjaone/alerts/")
    expect(page.get_by_text("Disk C: is 97% full").first).to_be_visible()
    snap(page, "walk-alerts-1366")
    add_ticket_rule(page, live)
    snap(page, "walk-rules-1366")
    page.get_by_role("link", name=re.compile(r"^Test ")).first.click()
    test_job = page.locator("[data-ninjaone-job]")
    run_test = test_job.locator("button[type=submit]")
    with inline_runner(live.app).held():
        run_test.click()
        status = test_job.locator("[data-ninjaone-job-status]")
        expect(status).to_have_attribute("data-state", "queued")
        expect(status.locator("[data-job-text]")).to_have_text("Test queued: waiting for a worker…")
        expect(run_test).to_be_disabled()
        expect(run_test).to_have_text("Testing…")
        snap(page, "rule-test-busy-1366")
    expect(page).to_have_url(re.compile(r"/rules/tests/\d+$"), timeout=TIMEOUT)  # its results open
    expect(page.locator("[data-job-text]")).to_have_text(
        "Test finished: 1 of 1 alert(s) would be handled by this rule."
    )
    expect(page.locator("[data-dry-run] tbody tr")).to_have_count(1)
    snap(page, "rule-test-done-1366")

    # The rule form's Test: the unsaved draft, its progress under the form, its results by the link.
    page.goto(live.url + "/integrations/ninjaone/rules/new")
    page.get_by_label("Name", exact=True).fill("Critical draft")
    page.get_by_role("button", name=re.compile("Test against recent alerts")).click()
    box = page.locator("[data-ninjaone-job-status]")
    expect(box).to_have_attribute("data-state", "succeeded", timeout=TIMEOUT)
    expect(page.get_by_label("Name", exact=True)).to_have_value("Critical draft")
    box.scroll_into_view_if_needed()
    snap(page, "rule-draft-done-1366")
    box.get_by_role("link", name=re.compile(r"^View results of test #\d+$")).click()
    expect(page.get_by_text("an unsaved draft")).to_be_visible()

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.set_default_timeout(TIMEOUT)
    login(phone, live.url)
    for name, path in (
        ("settings", "/integrations/ninjaone/"),
        ("mapping", "/integrations/ninjaone/organizations/"),
        ("sync", "/integrations/ninjaone/sync/"),
        ("alerts", "/integrations/ninjaone/alerts/"),
        ("rules", "/integrations/ninjaone/rules/"),
        ("asset", f"/assets/{asset_id}"),
        ("assets", "/assets/"),
    ):
        phone.goto(live.url + path)
        snap(phone, f"walk-{name}-390")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    phone.goto(live.url + "/integrations/ninjaone/rules/")
    phone.get_by_role("link", name=re.compile(r"^Test ")).first.click()
    phone.get_by_role("button", name="Test", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/rules/tests/\d+$"), timeout=TIMEOUT)
    expect(phone.locator("[data-dry-run] tbody tr")).to_have_count(1)
    snap(phone, "rule-test-done-390")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.goto(f"{live.url}/assets/{asset_id}")
    phone.locator("#ninjaone-rmm").get_by_role("button", name="Refresh this device now").click()
    status = phone.locator("#ninjaone-rmm [data-ninjaone-job-status]")
    expect(status).to_have_attribute("data-state", "succeeded", timeout=TIMEOUT)
    status.scroll_into_view_if_needed()
    snap(phone, "device-refresh-done-390")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.close()
    page.close()
