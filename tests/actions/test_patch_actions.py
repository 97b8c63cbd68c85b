"""Patch scan and apply patches (OS, software) from the panels and the CLI: confirmation, one action per
submission, refusals before any API call, NinjaOne's errors, and the outcome from the webhook."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from flask_ninjaone.actions.patching import patch as patch_request
from flask_ninjaone.actions.send import send_action
from flask_ninjaone.actions.start import start_action
from flask_ninjaone.host import UserRef
from flask_ninjaone.models import ActionState, Device, DeviceAction
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from sample_host.models import Ticket, TicketNote, ticket_assets
from tests.support.actions import actions, submission
from tests.support.inventory import URL

PATCH_ENDPOINTS = tuple(
    f"POST /v2/device/{{id}}/patch/{t}/{o}" for t in ("os", "software") for o in ("scan", "apply")
)
APPROVED = {"id": "0b7f3c56-9d1e-4f2a-8c3b-5e6d7f8a9b0c", "name": "2024-02 Cumulative Update",
            "severity": "CRITICAL", "status": "APPROVED", "type": "SECURITY_UPDATES"}  # fmt: skip


ADA = UserRef(id="1", name="Ada Park")


def patch_calls(acme) -> int:
    counts = acme.fake.state.request_counts()
    return sum(counts.get(endpoint, 0) for endpoint in PATCH_ENDPOINTS)


def patch(client, asset_id, **form):
    return client.post(f"{URL}/actions/assets/{asset_id}/patch", data=form)


@pytest.fixture
def windows(acme):
    return next(
        d for d in acme.devices() if d.agent_status == "online" and d.node_class == "WINDOWS_WORKSTATION"
    )


def _ticket_linking(acme, device) -> int:
    with acme.scope():
        ticket = db.session.scalars(select(Ticket).where(Ticket.tenant_id == int(acme.tenant.id))).first()
        db.session.execute(
            ticket_assets.insert().values(ticket_id=ticket.id, asset_id=int(device.host_asset_id))
        )
        db.session.commit()
        return ticket.id


def _notes(acme, ticket_id) -> list[str]:
    with acme.scope():
        return [
            n.body for n in db.session.scalars(select(TicketNote).where(TicketNote.ticket_id == ticket_id))
        ]


def test_os_scan_from_a_ticket_is_confirmed_by_webhook_and_noted(acme, app, windows, relay):
    ticket_id = _ticket_linking(acme, windows)
    client = acme.login(app.test_client(), "tech@acme.test")
    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert 'data-action="patch"' in page
    acme.fake.state.reset_counters()
    form = {"op": "scan", "target": "os", "ticket_id": str(ticket_id)}
    confirm = patch(client, windows.host_asset_id, **form)
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert f"Patch scan (OS) of <strong>{windows.name}</strong>" in text
    assert patch_calls(acme) == 0 and actions(acme) == []
    token = submission(text)
    assert patch(client, windows.host_asset_id, submission=token, **form).status_code == 303
    assert patch(client, windows.host_asset_id, submission=token, **form).status_code == 303  # double submit
    (action,) = actions(acme)
    assert (action.kind, action.parameters, action.state, action.api_calls) == (
        "patch_scan", {"target": "os"}, "sent", 1,
    )  # fmt: skip
    assert patch_calls(acme) == 1
    relay.deliver(client)
    (action,) = actions(acme)
    assert action.state == "confirmed" and action.result.startswith("Scan finished at")
    (note,) = [n for n in _notes(acme, ticket_id) if n.startswith("NinjaOne: Patch scan (OS)")]
    assert f"of {windows.name} requested by Tomás Reyes" in note and "confirmed — Scan finished at" in note


def test_apply_counts_installs_and_a_failed_install_fails_it(acme, app, windows, relay):
    acme.fake.state.set_device_inventory(windows.device_id, {"osPatches": [APPROVED]})
    client = acme.login(app.test_client(), "tech@acme.test")
    assert patch(client, windows.host_asset_id, op="apply", target="os", submission="a1").status_code == 303
    relay.deliver(client)
    (action,) = actions(acme)
    assert (action.kind, action.state) == ("patch_apply", "confirmed")
    assert action.result.endswith(": 1 installed.")
    software = {
        "id": "2d9f3c56-9d1e-4f2a-8c3b-5e6d7f8a9b0c",
        "productIdentifier": "3e0f3c56-9d1e-4f2a-8c3b-5e6d7f8a9b0c",
        "title": "Mozilla Firefox 123.0.1",
        "impact": "CRITICAL",
        "status": "APPROVED",
        "type": "PATCH",
    }
    acme.fake.state.set_device_inventory(windows.device_id, {"softwarePatches": [software]})
    acme.fake.state.device_actions.failing_patch_jobs.add(windows.device_id)
    assert (
        patch(client, windows.host_asset_id, op="apply", target="software", submission="a2").status_code
        == 303
    )
    relay.deliver(client)
    second = actions(acme)[1]
    assert (second.parameters, second.state) == ({"target": "software"}, "failed")
    assert "1 patch(es) failed to install, 0 installed" in second.result


def test_an_os_failure_report_found_in_the_inbox_by_the_job_fails_it(acme, app, windows, relay):
    """NinjaOne's report arrives before the job records 'sent': the job finds it in the inbox."""
    acme.fake.state.device_actions.failing_patch_jobs.add(windows.device_id)
    with acme.scope():
        device = db.session.get(Device, windows.id)
        action = start_action(db.session, device, patch_request("scan", "os"), key="f1", user=ADA).action
        assert action.state == ActionState.SENT  # the delivery is captured, not yet received
        action.state = ActionState.QUEUED  # replay the send as if the delivery had come in first
        action.next_attempt_at = None
        db.session.commit()
    client = acme.app.test_client()
    assert all(response.status_code < 300 for response in relay.deliver(client))
    acme.fake.state.device_actions.complete_patch_jobs = False  # the resend must not produce a new report
    with acme.scope():
        assert send_action(db.session, action.id) == ActionState.FAILED
        row = db.session.get(DeviceAction, action.id)
        assert row.result.startswith("NinjaOne reported the job failed at")


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"op": "install", "target": "os"}, "Patch operation must be scan or apply."),
        ({"op": "scan", "target": "firmware"}, "Patch target must be os or software."),
        ({"op": "scan", "target": "OS"}, "Patch target must be os or software."),
        ({"target": "os"}, "Patch operation must be scan or apply."),
    ],
)
def test_bad_input_is_400_without_a_call(acme, app, windows, form, message):
    client = acme.login(app.test_client(), "tech@acme.test")
    acme.fake.state.reset_counters()
    response = patch(client, windows.host_asset_id, submission="s", **form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert actions(acme) == [] and patch_calls(acme) == 0


def test_devices_that_cannot_patch_are_refused_without_a_call(acme, app):
    client = acme.login(app.test_client(), "tech@acme.test")
    acme.fake.state.reset_counters()
    mac = next(d for d in acme.devices() if d.node_class == "MAC" and d.agent_status == "online")
    software_choice = 'name="target" value="software"'
    assert software_choice not in client.get(f"/assets/{mac.host_asset_id}").get_data(as_text=True)
    windows = next(
        d for d in acme.devices() if d.node_class == "WINDOWS_SERVER" and d.agent_status == "online"
    )
    assert software_choice in client.get(f"/assets/{windows.host_asset_id}").get_data(as_text=True)
    response = patch(client, mac.host_asset_id, op="scan", target="software", submission="s")
    assert response.status_code == 409 and "third-party software on Windows" in response.get_data(
        as_text=True
    )
    agents = ("WINDOWS_WORKSTATION", "WINDOWS_SERVER", "MAC", "LINUX_SERVER", "LINUX_WORKSTATION")
    offline = next(d for d in acme.devices() if d.agent_status == "offline" and d.node_class in agents)
    response = patch(client, offline.host_asset_id, op="apply", target="os", submission="s")
    assert response.status_code == 409 and "cannot be asked to apply patches now" in response.get_data(
        as_text=True
    )
    agentless = next(d for d in acme.devices() if d.node_class not in agents and d.agent_status == "online")
    response = patch(client, agentless.host_asset_id, op="scan", target="os", submission="s")
    assert response.status_code == 409 and "has no NinjaOne agent" in response.get_data(as_text=True)
    assert actions(acme) == [] and patch_calls(acme) == 0


def test_viewer_other_tenant_unknown_asset_and_csrf(acme, app, windows):
    acme.fake.state.reset_counters()
    form = {"op": "scan", "target": "os", "submission": "s"}
    viewer = acme.login(app.test_client(), "viewer@acme.test")
    assert patch(viewer, windows.host_asset_id, **form).status_code == 403
    globex = acme.login(app.test_client(), "admin@globex.test", "globex")
    assert patch(globex, windows.host_asset_id, **form).status_code in (404, 409)
    tech = acme.login(app.test_client(), "tech@acme.test")
    assert patch(tech, "999999", **form).status_code == 404
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert (
            patch(acme.login(app.test_client(), "tech@acme.test"), windows.host_asset_id, **form).status_code
            == 400
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert actions(acme) == [] and patch_calls(acme) == 0


@pytest.mark.parametrize("status", [400, 500, 503])
def test_ninjaone_errors_fail_the_job_and_are_never_resent(acme, app, windows, status):
    path = f"/v2/device/{windows.device_id}/patch/os/apply"
    acme.fake.state.faults.inject(Fault(path=path, kind="server_error", method="POST", status=status))
    client = acme.login(app.test_client(), "tech@acme.test")
    acme.fake.state.reset_counters()
    assert patch(client, windows.host_asset_id, op="apply", target="os", submission="e").status_code == 303
    (action,) = actions(acme)
    assert action.state == "failed" and f"HTTP {status}" in action.result and action.api_calls == 1
    assert patch_calls(acme) == 1


def test_ninjaone_429_waits_to_retry_and_is_not_confirmed(acme, app, windows):
    path = f"/v2/device/{windows.device_id}/patch/os/scan"
    acme.fake.state.faults.inject(Fault(path=path, kind="rate_limit", method="POST", retry_after=600))
    client = acme.login(app.test_client(), "tech@acme.test")
    response = client.post(
        f"{URL}/actions/assets/{windows.host_asset_id}/patch",
        data={"op": "scan", "target": "os", "submission": "r"},
        headers={"Accept": "application/json"},
    )
    body = response.get_json()["action"]
    assert response.status_code == 202 and body["state"] == "queued"
    assert body["result"].startswith("Waiting to retry at") and body["api_calls"] == 1


def test_cli_patch_scan_and_apply(acme, app, windows):
    def cli(*args):
        return app.test_cli_runner().invoke(args=["ninjaone", "device", *args])

    base = ["--tenant", "acme", "--device", str(windows.device_id)]
    result = cli("patch-scan", *base, "--target", "software", "--key", "k1", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert (row["kind"], row["summary"], row["state"], row["api_calls"]) == (
        "patch_scan", "Patch scan (software)", "sent", 1,
    )  # fmt: skip
    assert (
        json.loads(cli("patch-scan", *base, "--target", "software", "--key", "k1", "--json").output)["id"]
        == row["id"]
    )
    result = cli("patch-apply", *base, "--target", "os")
    assert result.exit_code == 0 and "Apply patches (OS) of" in result.output
    assert cli("patch-apply", *base, "--target", "firmware").exit_code == 2
    assert cli("patch-apply", "--tenant", "acme", "--device", "999999", "--target", "os").exit_code == 1
    assert patch_calls(acme) == 2
