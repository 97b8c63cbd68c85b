"""The rule form's searchable multi-selects in a real browser (multiselect.js): typing filters the
list, a click picks or unpicks without Ctrl, picked values show as removable chips, and what the
form posts is the plain <select multiple> it enhances."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from flask_ninjaone.models import AlertRule
from flask_ninjaone.tenancy import tenant_scope
from sample_host.database import db
from sample_host.models import Tenant
from tests.support.browser import TIMEOUT, login


def test_searchable_multi_select_picks_filters_and_posts(browser, live) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    page.goto(live.url + "/integrations/ninjaone/rules/new")
    page.get_by_label("Name", exact=True).fill("Picked in a browser")
    severities = page.locator("select#severities")
    page.get_by_label("Filter Severities").fill("crit")
    expect(severities.locator("option[value=CRITICAL]")).to_be_visible()
    expect(severities.locator("option[value=MINOR]")).to_be_hidden()
    severities.locator("option[value=CRITICAL]").click()
    page.get_by_label("Filter Severities").fill("")
    severities.locator("option[value=MAJOR]").click()  # no Ctrl: both stay picked
    severities.locator("option[value=MINOR]").click()
    chips = page.locator(".ninjaone-multiselect__chips").first
    expect(chips.get_by_role("button")).to_have_count(3)
    chips.get_by_role("button", name="Remove Minor").click()
    expect(chips.get_by_role("button")).to_have_count(2)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Picked in a browser").first).to_be_visible()
    with live.app.app_context():
        tenant_id = str(db.session.scalar(select(Tenant.id).where(Tenant.slug == "acme")))
        with tenant_scope(tenant_id):
            rule = db.session.scalars(select(AlertRule).where(AlertRule.name == "Picked in a browser")).one()
            assert sorted(rule.conditions["severities"]) == ["CRITICAL", "MAJOR"]
        db.session.remove()
    page.close()
