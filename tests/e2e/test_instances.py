"""An MSP that bought another adds its second NinjaOne instance in a real browser (issue 22): connect
the first, "Add another NinjaOne instance", save and connect the second through OAuth, see both
listed, switch the page between them, rename one, and disconnect and remove the other."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import OVERFLOW, TIMEOUT, connect_and_sync, login, shoot


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

    page.get_by_label("Instance name").fill("Main EU")  # rename the instance shown: the first
    page.get_by_role("button", name="Rename", exact=True).click()
    expect(page.locator("[data-instance-name]")).to_have_text("Main EU")
    expect(instances.first).to_contain_text("Main EU")
    shoot(page, "settings-instances")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(OVERFLOW) == 0, "the instances list and their buttons fit a phone"
    page.set_viewport_size({"width": 1366, "height": 900})

    second = fake_b.url.split("://", 1)[1]
    page.get_by_role("link", name=second, exact=True).click()
    expect(facts).to_contain_text(fake_b.url)
    page.locator("summary", has_text="Disconnect and remove").click()
    expect(page.get_by_text("A connected instance is disconnected first")).to_be_visible()
    shoot(page, "settings-remove-confirm")
    page.get_by_role("button", name=f"Disconnect and remove {second}").click()
    expect(page.get_by_text(f"NinjaOne instance '{second}' removed")).to_be_visible()
    expect(instances).to_have_count(0)  # one instance left: the list is gone, the page shows Main EU
    expect(page.locator("[data-instance-name]")).to_have_text("Main EU")
