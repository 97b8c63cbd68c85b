"""Phone-width (375 px) screenshots of the main pages, each checked for horizontal overflow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import Alert, Device
from flask_ninjaone.state import get_state
from tests.support.browser import OVERFLOW, TIMEOUT, add_ticket_rule, connect_and_sync, login, synced_device

PAGES = [
    "/",
    "/settings/integrations",
    "/integrations/ninjaone/",
    "/integrations/ninjaone/organizations/",
    "/integrations/ninjaone/sync/",
    "/integrations/ninjaone/alerts/",
    "/integrations/ninjaone/inbox/",
    "/integrations/ninjaone/rules/",
    "/integrations/ninjaone/rules/new",
    "/assets/",
    "/tickets/",
]

#: The innermost elements sticking out on the right, to say what overflows, not just where.
CULPRITS = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.children.length === 0)
  .slice(0, 5)
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
            + ' ' + (e.textContent || '').trim().slice(0, 40))"""


@pytest.fixture
def connected_world(browser, live, fake):
    """A browser page logged in as acme's admin, connected, mapped, synced, with an alert ticket."""
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url)
    connect_and_sync(page, live, fake)
    add_ticket_rule(page, live)
    device_id, _ = synced_device(live)
    fake.state.webhooks.synchronous = True
    fake.state.trigger_condition(device_id, severity="MAJOR", message="A rather long alert message " * 4)
    yield page
    page.close()


def test_main_pages_fit_a_phone(connected_world, live, tmp_path):
    page = connected_world
    page.set_viewport_size({"width": 375, "height": 812})
    with live.app.app_context():
        tenant = get_state().host.find_tenant("acme")
        with tenant_scope(tenant.id):
            session = get_state().db.session
            asset_id = session.scalars(select(Device.host_asset_id).where(Device.retired.is_(False))).first()
            alert = session.scalars(select(Alert)).first()
            extra = [f"/assets/{asset_id}", f"/integrations/ninjaone/alerts/{alert.id}"]
            if alert.ticket_id:
                extra.append(f"/tickets/{alert.ticket_id}")
            session.remove()
    overflowing = {}
    for path in PAGES + extra:
        response = page.goto(live.url + path)
        assert response.ok, f"{path}: HTTP {response.status}"
        page.screenshot(
            path=str(tmp_path / (path.strip("/").replace("/", "_") or "home")) + ".png", full_page=True
        )
        excess = page.evaluate(OVERFLOW)
        if excess > 0:
            overflowing[path] = (excess, page.evaluate(CULPRITS))
    assert overflowing == {}, f"pages wider than a 375 px phone (px too wide): {overflowing}"
