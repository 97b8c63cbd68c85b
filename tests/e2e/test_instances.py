"""An MSP that bought another adds its second NinjaOne instance in a real browser (issue 22): connect
the first, "Add another NinjaOne instance", save and connect the second through OAuth, see both
listed, and switch the page between them."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import TIMEOUT, connect_and_sync, login


def test_admin_adds_a_second_instance_beside_the_first(browser, live, fake, fake_b):
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    connect_and_sync(page, live, fake)
    page.goto(live.url + "/integrations/ninjaone/")
    expect(page.get_by_role("heading", name="NinjaOne instances")).to_have_count(0)  # one: today's page

    page.get_by_role("link", name="Add another NinjaOne instance").click()
    expect(page.get_by_text("Adding another NinjaOne instance")).to_be_visible()
    page.get_by_label("Client ID").fill("demo-client-id")
    page.get_by_label("Client Secret").fill("demo-client-secret")
    page.get_by_label("Custom URL").check()
    page.get_by_label("Custom instance URL").fill(fake_b.url)
    page.get_by_role("button", name="Save", exact=True).click()
    instances = page.locator(".ninjaone-instances tbody tr")
    expect(instances).to_have_count(2)
    page.get_by_role("button", name="Connect").click()  # → the second fake's consent → callback
    expect(page.locator("[data-status=connected], [data-status=syncing]").first).to_be_visible()
    assert fake_b.state.webhooks.configs(), "the second instance registered its own webhook"

    facts = page.locator(".ninjaone-facts")
    expect(facts).to_contain_text(fake_b.url)
    first = fake.url.split("://", 1)[1]
    page.get_by_role("link", name=first, exact=True).click()  # show the first instance again
    expect(facts).to_contain_text(fake.url)
    expect(instances.filter(has_text=re.compile("Connected", re.I))).to_have_count(2)
