"""A technician reviews a client: warranties ending this year, and billing counts beside last month's
end (a month-end snapshot taken as the scheduler's job would), on a desktop and a phone."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import expect

from flask_ninjaone.connection.connect import tenant_integration
from flask_ninjaone.inventory import billing
from flask_ninjaone.state import get_state
from flask_ninjaone.tasks.inventory import billing_snapshot
from flask_ninjaone.tenancy import tenant_scope
from tests.support.browser import TIMEOUT, connect_and_sync, login, shoot


def take_last_month(live) -> None:
    with live.app.app_context(), tenant_scope(get_state().host.find_tenant("acme").id):
        integration = tenant_integration(get_state().db.session)
        assert integration is not None
        month = billing.snapshot_due(integration, datetime.now(UTC))
        assert month is not None
        billing_snapshot(integration.id, month)
        get_state().db.session.remove()


def test_the_warranty_and_billing_pages(browser, live, fake):
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    connect_and_sync(page, live, fake)
    take_last_month(live)
    page.goto(live.url + "/integrations/ninjaone/reports/warranties?days=365")
    expect(page.locator("h1")).to_have_text("Warranties ending")
    expect(page.locator("tr[data-device]").first).to_be_visible()
    shoot(page, "warranties")
    page.goto(live.url + "/integrations/ninjaone/reports/warranties?days=9999")
    expect(page.get_by_role("alert")).to_contain_text("from 1 to 3650")
    page.goto(live.url + "/integrations/ninjaone/reports/billing")
    expect(page.locator("[data-billing-rule]")).to_contain_text("not counted")
    expect(page.locator(".ninjaone-billing__table tbody tr").first).to_be_visible()
    shoot(page, "billing")
