"""Findability and truthful states in a real browser: every extension page is reached by clicking
from the host's dashboard (the NinjaOne menu, then the page), a tenant that never connected is
guided on each of them, and a viewer sees the 403 page inside the host's layout."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import ADMIN_PAGES, TIMEOUT, login, open_from_dashboard

#: Pages that show NinjaOne data: before the first connect they guide the admin to the settings.
GUIDED = {
    "Alerts", "Compliance", "Software search", "Warranties", "Billing counts", "Organizations", "Sync",
    "Device actions", "Remote access log", "Webhook inbox",
}  # fmt: skip


def test_every_page_is_two_clicks_from_the_dashboard_and_guides_a_new_tenant(browser, live) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    widget = page.locator("[data-ninjaone-widget]")
    expect(widget).to_contain_text("Not connected")
    expect(widget.get_by_role("link", name="Set up NinjaOne")).to_be_visible()
    for title, path in ADMIN_PAGES.items():
        open_from_dashboard(page, live.url, title)
        expect(page).to_have_url(re.compile(path))
        expect(page.locator("header.topbar")).to_be_visible()  # inside the host's layout
        if title in GUIDED:
            expect(page.locator("[data-ninjaone-empty=not_connected]")).to_be_visible()
            page.get_by_role("link", name="Open the NinjaOne settings").click()
            expect(page).to_have_url(re.compile(ADMIN_PAGES["Settings"]))
    expect(page.locator("[data-status=not_connected]").first).to_have_text("Not connected")
    page.close()


def test_a_viewer_sees_only_their_pages_and_the_403_page_in_the_layout(browser, live) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url, email="viewer@acme.test")
    page.locator("summary.ninjaone-nav__toggle").click()
    menu = page.locator(".ninjaone-nav__list")
    expect(menu.get_by_role("link", name="Alerts", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="Rules", exact=True)).to_have_count(0)
    page.goto(live.url + "/integrations/ninjaone/rules/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("ninjaone.manage")).to_be_visible()
    expect(page.locator("header.topbar")).to_be_visible()
    page.locator("[data-ninjaone-error] .ninjaone-nav__list").get_by_role("link", name="Alerts").click()
    expect(page).to_have_url(re.compile(ADMIN_PAGES["Alerts"]))
    page.close()


def test_the_menu_closes_on_an_outside_click_and_on_escape_and_works_from_the_keyboard(browser, live) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    page.wait_for_load_state("load")  # nav.js has run: its outside-click handler is in place
    menu = page.locator("details.ninjaone-nav--menu")
    toggle = page.locator("summary.ninjaone-nav__toggle")
    entries = page.locator(".ninjaone-nav__list")
    expect(page.locator("script[src$='ninjaone/nav.js']")).to_have_count(1)

    toggle.click()
    expect(entries).to_be_visible()
    page.locator("main").click(position={"x": 5, "y": 5})  # outside the menu
    expect(entries).to_be_hidden()
    expect(menu).not_to_have_attribute("open", "")

    toggle.click()
    expect(entries).to_be_visible()
    page.keyboard.press("Escape")
    expect(entries).to_be_hidden()
    expect(toggle).to_be_focused()  # focus returns to the toggle

    # Keyboard only: Tab reaches the toggle, Enter opens, arrows move, Enter follows the link.
    page.goto(live.url + "/")
    for _ in range(12):
        page.keyboard.press("Tab")
        if toggle.evaluate("element => element === document.activeElement"):
            break
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(entries).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(entries.get_by_role("link", name="Alerts", exact=True)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(entries.get_by_role("link", name="Settings", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(ADMIN_PAGES["Settings"]))

    # Tabbing past the last entry closes the menu.
    toggle.click()
    entries.get_by_role("link", name="Settings", exact=True).focus()
    page.keyboard.press("Tab")
    expect(entries).to_be_hidden()
    page.close()
