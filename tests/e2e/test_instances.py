"""An MSP that bought another adds its second NinjaOne instance in a real browser (issue 22): connect
the first, "Add another NinjaOne instance", save and connect the second through OAuth, see both
listed, switch the page between them, rename one, and disconnect and remove the other; an asset
of the second instance's device says so."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import Device, Integration
from flask_ninjaone.state import get_state
from tests.support.adoption import same_serial_in_beta
from tests.support.browser import OVERFLOW, TIMEOUT, connect_and_sync, login, shoot
from tests.support.connection_flow import tenant_db
from tests.support.instance_cli import Cli, cli_runner, connect, ok


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


def _connect_both(live, fake, fake_b, first: str, second: str) -> Cli:
    """Both fakes connected to acme as ``first`` and ``second``, mapped and synced; the CLI runner."""
    cli = cli_runner(live.app)
    ok(connect(cli, fake.url, "--name", first))
    ok(connect(cli, fake_b.url, "--add", "--name", second))
    for name in (first, second):
        ok(cli("map", "--tenant", "acme", "--instance", name, "--all", "--create-missing-clients"))
        ok(cli("sync", "--tenant", "acme", "--instance", name, "--full", "--wait"))
    return cli


def test_an_asset_of_the_second_instance_names_it_on_its_page(browser, live, fake, fake_b):
    _connect_both(live, fake, fake_b, "Main office", "Acquired MSP")
    with live.app.app_context():
        tenant = get_state().host.find_tenant("acme")
        with tenant_scope(tenant.id):
            session = get_state().db.session
            beta = session.scalars(select(Integration.id).where(Integration.name == "Acquired MSP")).one()
            device = session.scalars(
                select(Device).where(Device.integration_id == beta, Device.host_asset_id.is_not(None))
            ).first()
            asset_id, device_name = device.host_asset_id, device.name
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    page.goto(f"{live.url}/assets/{asset_id}")
    panel = page.locator("#ninjaone-rmm")
    expect(panel).to_contain_text(device_name)
    expect(panel.locator("[data-instance='Acquired MSP']")).to_be_visible()
    shoot(page, "assets-instance-panel", desktop=1280)
    page.set_viewport_size({"width": 390, "height": 844})
    expect(panel.locator("[data-instance='Acquired MSP']")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0, "the asset page with its instance badge fits a phone"


def test_an_asset_both_instances_feed_shows_a_section_per_device(browser, live, fake, fake_b):
    cli = _connect_both(live, fake, fake_b, "alpha", "beta")
    created, alpha_device = same_serial_in_beta(live.app, fake_b)
    fake_b.state.update_device(created["id"], {"offline": False})
    ok(cli("sync", "--tenant", "acme", "--instance", "beta", "--full", "--wait"))
    answer = ("adoption", "answer", "--tenant", "acme", "--instance", "beta", "--device", str(created["id"]))
    ok(cli(*answer, "link"))
    ok(cli("sync", "--tenant", "acme", "--instance", "beta", "--full", "--wait"))
    with tenant_db(live.app) as session:
        beta_name = session.scalars(
            select(Device.name).where(
                Device.host_asset_id == alpha_device.host_asset_id, Device.device_id == created["id"]
            )
        ).one()

    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    page.goto(f"{live.url}/assets/{alpha_device.host_asset_id}")
    sections = page.locator("[data-device-section]")
    expect(sections).to_have_count(2)
    expect(sections.first).to_contain_text(alpha_device.name)
    expect(sections.last).to_contain_text(beta_name)
    for section, name in ((sections.first, "alpha"), (sections.last, "beta")):
        expect(section.locator(f"[data-instance='{name}']")).to_be_visible()
        expect(section.get_by_role("button", name="Remote Connect")).to_be_visible()
    shoot(page, "assets-shared-panel", desktop=1280)
    page.set_viewport_size({"width": 390, "height": 844})
    expect(sections.last.get_by_role("button", name="Remote Connect")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0, "two device sections fit a phone"
