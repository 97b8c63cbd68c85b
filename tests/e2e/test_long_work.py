"""Feedback on long work in a real browser: "Refresh inventory now" is busy at once (buttons disabled,
the run shown queued where the button is), then shows the finished run with a link to it in the sync
history; the same on a phone for "Sync now". The job is held while the page is checked, so "at once"
is what the page shows before any work started, not a race with a fast fake.

Set TEST_SCREENS_DIR=<directory> to keep screenshots of the busy and done states (1366 and 390 px)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from flask_ninjaone.jobs import inline_runner
from tests.support.browser import TIMEOUT, connect_and_sync, login

SCREENS = os.environ.get("TEST_SCREENS_DIR")
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
    # Without Redis the full sync's follow-up inventory refresh still runs in that job after the page
    # said "finished"; a Sync now meanwhile rightly answers "already queued". Let it end first.
    inline_runner(live.app).wait()
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
