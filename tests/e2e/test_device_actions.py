"""A technician reboots a device from a ticket in a real browser, confirms on a page that names the
device, and sees the outcome note arrive by NinjaOne's webhook."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from flask_ninjaone.models import Device, DeviceAction
from flask_ninjaone.state import get_state
from flask_ninjaone.tenancy import tenant_scope
from tests.support.browser import TIMEOUT, add_ticket_rule, connect_and_sync, login, shoot


#: Set to a folder to keep screenshots of the pages this test visits (desktop and phone).
def agent_server(live) -> tuple[int, str]:
    """An online Windows server (an agent device: it can be rebooted)."""
    with live.app.app_context(), tenant_scope(get_state().host.find_tenant("acme").id):
        session = get_state().db.session
        row = session.execute(
            select(Device.device_id, Device.name)
            .where(
                Device.retired.is_(False),
                Device.agent_status == "online",
                Device.node_class == "WINDOWS_SERVER",
            )
            .order_by(Device.device_id)
        ).first()
        session.remove()
    assert row, "a synced online Windows server"
    return row.device_id, row.name


def test_technician_reboots_from_a_ticket_and_the_note_arrives(browser, live, fake):
    admin = browser.new_page()
    admin.set_default_timeout(TIMEOUT)
    login(admin, live.url)
    connect_and_sync(admin, live, fake)
    add_ticket_rule(admin, live)
    device_id, device_name = agent_server(live)
    fake.state.webhooks.synchronous = True
    fake.state.trigger_condition(device_id, severity="MAJOR", message="Service stopped responding")
    admin.close()

    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url, "tech@acme.test")
    page.goto(live.url + "/integrations/ninjaone/alerts/")
    page.get_by_role("link", name=re.compile("Service stopped responding")).first.click()
    page.get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
    ticket_url = page.url

    actions = page.locator("[data-device-actions]").first
    actions.locator("summary").click()
    shoot(page, "ticket-device-actions")
    reboot = actions.locator("form[data-action=reboot]")
    reboot.get_by_label("Reason").fill("service hung")
    reboot.get_by_role("button", name="Reboot…").click()

    confirm = page.locator("[data-action-confirm]")
    expect(confirm).to_contain_text(f"Normal reboot of {device_name}")
    expect(confirm).to_contain_text("service hung")
    shoot(page, "reboot-confirm")
    assert fake.state.request_counts().get("POST /v2/device/{id}/reboot/{mode}", 0) == 0
    page.get_by_role("button", name=re.compile(f"Yes: normal reboot of {re.escape(device_name)}")).click()

    expect(page).to_have_url(ticket_url)
    note = page.get_by_text(
        re.compile(rf"NinjaOne: Normal reboot of {re.escape(device_name)} requested by Tomás Reyes")
    )
    for _ in range(20):  # the SYSTEM_REBOOTED webhook is processed as it arrives; reload until its note shows
        if note.count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(note.first).to_contain_text("confirmed — Rebooted; back online at")
    page.locator("[data-device-actions] summary").first.click()
    expect(page.locator("[data-recent-actions] [data-action-state=confirmed]").first).to_be_visible()
    shoot(page, "ticket-after-reboot")
    assert fake.state.request_counts()["POST /v2/device/{id}/reboot/{mode}"] == 1
    with live.app.app_context(), tenant_scope(get_state().host.find_tenant("acme").id):
        (action,) = get_state().db.session.scalars(select(DeviceAction)).all()
        assert (action.state, action.api_calls, action.device_id) == ("confirmed", 1, device_id)
        get_state().db.session.remove()

    # The audit, two clicks from anywhere: the NinjaOne menu, then Device actions.
    page.locator("summary.ninjaone-nav__toggle").click()
    page.locator(".ninjaone-nav__list").get_by_role("link", name="Device actions", exact=True).click()
    row = page.locator("[data-audit-table] tr[data-action-kind=reboot]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(device_name)
    expect(row).to_contain_text("Tomás Reyes")
    expect(row.locator("td[data-label='API calls']")).to_have_text("1")
    expect(row.locator("[data-action-parameters]")).to_contain_text("service hung")
    expect(row.locator("[data-ticket-label]")).to_be_visible()
    shoot(page, "action-audit")
    page.get_by_label("From", exact=True).fill("2000-01-01")
    page.get_by_label("To", exact=True).fill("1999-12-31")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("[data-filter-error]")).to_contain_text("ends before it starts")
    expect(page.locator("[data-audit-table]")).to_have_count(0)
    shoot(page, "action-audit-bad-filter")
    page.close()


def test_technician_runs_a_script_from_a_ticket_and_the_exit_code_note_arrives(browser, live, fake):
    admin = browser.new_page()
    admin.set_default_timeout(TIMEOUT)
    login(admin, live.url)
    connect_and_sync(admin, live, fake)  # Connect on the settings page signs in: scripts are offered
    add_ticket_rule(admin, live)
    device_id, device_name = agent_server(live)
    fake.state.webhooks.synchronous = True
    fake.state.trigger_condition(device_id, severity="MAJOR", message="Spooler stuck")
    admin.close()

    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, live.url, "tech@acme.test")
    page.goto(live.url + "/integrations/ninjaone/alerts/")
    page.get_by_role("link", name=re.compile("Spooler stuck")).first.click()
    page.get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
    ticket_url = page.url

    actions = page.locator("[data-device-actions]").first
    actions.locator("summary").click()
    form = actions.locator("form[data-action=script]")
    form.get_by_label("Script").select_option(label="Restart print spooler (PowerShell)")
    form.get_by_label("Parameters").fill("-Force")
    form.get_by_label("Run as").select_option("LOGGED_ON_USER")
    shoot(page, "ticket-run-script")
    form.get_by_role("button", name="Run script…").click()

    confirm = page.locator("[data-action-confirm]")
    expect(confirm).to_contain_text(f"Script 'Restart print spooler' of {device_name}")
    expect(confirm).to_contain_text("Run as LOGGED_ON_USER, parameters “-Force”")
    shoot(page, "script-confirm")
    assert fake.state.request_counts().get("POST /v2/device/{id}/script/run", 0) == 0
    page.get_by_role("button", name=re.compile("Yes: script 'Restart print spooler' of")).click()

    expect(page).to_have_url(ticket_url)
    note = page.get_by_text(
        re.compile(r"NinjaOne: Script 'Restart print spooler' of .* requested by Tomás Reyes")
    )
    for _ in range(20):  # the COMPLETED webhook is processed as it arrives; reload until its note shows
        if note.count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(note.first).to_contain_text("confirmed — Finished at")
    expect(note.first).to_contain_text("exit code 0")
    shoot(page, "ticket-after-script")
    assert fake.state.request_counts()["POST /v2/device/{id}/script/run"] == 1
    page.close()
