"""In a real browser: a technician selects devices on the asset list, reboots them in bulk after typing
the count, and asks one device for a patch scan from its asset panel; the webhook confirms the scan."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from flask_ninjaone.models import Device, DeviceAction
from flask_ninjaone.state import get_state
from flask_ninjaone.tenancy import tenant_scope
from tests.support.browser import OVERFLOW, SHOTS, TIMEOUT, connect_and_sync, login, shoot


def devices(live, count: int, status: str = "online", classes=("WINDOWS_WORKSTATION", "WINDOWS_SERVER")):
    """(host asset id, name) of synced devices with that agent status and class."""
    with live.app.app_context(), tenant_scope(get_state().host.find_tenant("acme").id):
        session = get_state().db.session
        rows = session.execute(
            select(Device.host_asset_id, Device.name)
            .where(
                Device.retired.is_(False),
                Device.host_asset_id.is_not(None),
                Device.agent_status == status,
                Device.node_class.in_(classes),
            )
            .order_by(Device.device_id)
        ).all()
        session.remove()
    assert len(rows) >= count
    return [(str(row.host_asset_id), row.name) for row in rows[:count]]


def action_rows(live) -> list[tuple[str, str]]:
    with live.app.app_context(), tenant_scope(get_state().host.find_tenant("acme").id):
        session = get_state().db.session
        rows = session.execute(select(DeviceAction.kind, DeviceAction.state)).all()
        session.remove()
    return [(row.kind, row.state) for row in rows]


def test_bulk_reboot_with_typed_count_and_a_patch_scan_from_the_panel(browser, live, fake):
    live.app.config["NINJAONE_BULK_ACTION_CONFIRM_ABOVE"] = 2
    admin = browser.new_page()
    admin.set_default_timeout(TIMEOUT)
    login(admin, live.url)
    connect_and_sync(admin, live, fake)
    admin.close()
    fake.state.webhooks.synchronous = True
    chosen = devices(live, 3)

    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url, "tech@acme.test")
    (_, offline), (_, mac) = devices(live, 1, "offline")[0], devices(live, 1, classes=("MAC",))[0]
    page.goto(live.url + "/assets/")
    for name in (chosen[0][1], offline, mac):
        page.get_by_label(f"Select {name}", exact=True).check()
    page.locator("[data-bulk-action=patch_scan]").click()
    expect(page.locator("[data-bulk-skipped]")).to_contain_text(offline)
    page.get_by_label("Third-party software (Windows only)").check()
    page.get_by_role("button", name=re.compile("Yes: patch scan of")).click()
    expect(page.locator("[data-bulk-skipped]")).to_contain_text("third-party software on Windows")
    shoot(page, "bulk-patch-scan-skipped")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(OVERFLOW) <= 0, "the bulk page fits a phone"
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(live.url + "/assets/?agent=online")
    for _, name in chosen:
        page.get_by_label(f"Select {name}", exact=True).check()
    if SHOTS:  # the bar alone: the list is long
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.locator(".ninjaone-bulk").screenshot(path=f"{SHOTS}/asset-list-bulk-bar-{width}.png")
        page.set_viewport_size({"width": 1366, "height": 900})
    fake.state.reset_counters()
    page.locator("[data-bulk-action=reboot]").click()

    expect(page.locator("h1")).to_contain_text("Reboot · 3 devices")
    listed = page.locator("[data-bulk-devices]")
    for _, name in chosen:
        expect(listed).to_contain_text(name)
    shoot(page, "bulk-reboot-confirm")
    page.get_by_label(re.compile("Reason")).fill("patch night")
    page.locator("[data-bulk-typed]").fill("2")
    page.get_by_role("button", name="Yes: reboot of 3 devices").click()
    expect(page.locator("[data-action-error]")).to_contain_text("type 3 in the confirmation box")
    assert action_rows(live) == [("patch_scan", "confirmed")]  # the bulk scan above; no reboot yet
    shoot(page, "bulk-reboot-typed-wrong")
    page.locator("[data-bulk-typed]").fill("3")
    page.get_by_role("button", name="Yes: reboot of 3 devices").click()
    expect(page.locator("[data-bulk-started]")).to_contain_text("3 actions started")
    expect(page.locator("[data-bulk-results] tr[data-action-state]")).to_have_count(3)
    shoot(page, "bulk-reboot-started")
    assert fake.state.request_counts().get("POST /v2/device/{id}/reboot/{mode}") == 3

    asset_id, name = chosen[0]
    page.goto(f"{live.url}/assets/{asset_id}")
    actions = page.locator("[data-device-actions]").first
    actions.locator("summary").click()
    form = actions.locator("form[data-action=patch]")
    form.get_by_label("Third-party software").check()
    shoot(page, "asset-panel-patch")
    if SHOTS:  # the section alone: the full asset page is long
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            actions.screenshot(path=f"{SHOTS}/device-actions-section-{width}.png")
        page.set_viewport_size({"width": 1366, "height": 900})
    form.get_by_role("button", name="Patch scan…").click()
    expect(page.locator("[data-action-confirm]")).to_contain_text(f"Patch scan (software) of {name}")
    shoot(page, "patch-confirm")
    page.get_by_role(
        "button", name=re.compile(f"Yes: patch scan \\(software\\) of {re.escape(name)}")
    ).click()
    expect(page).to_have_url(re.compile(rf"/assets/{asset_id}"))
    for _ in range(20):  # the scan's COMPLETED webhook is processed as it arrives
        if action_rows(live).count(("patch_scan", "confirmed")) == 2:
            break
        page.wait_for_timeout(250)
    assert action_rows(live).count(("patch_scan", "confirmed")) == 2
    page.reload()
    page.locator("[data-device-actions] summary").first.click()
    expect(page.locator("[data-recent-actions]").first).to_contain_text("Scan finished at")
    shoot(page, "asset-panel-after-scan")
