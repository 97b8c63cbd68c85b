"""Reboot and maintenance mode from the asset and ticket panels: permissions, tenants, confirmation,
idempotency, refusals before any API call, the job's states, and confirmation by webhook."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from flask_ninjaone.models import ActionState, Credential
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from sample_host.models import Ticket, TicketNote, ticket_assets
from tests.support.actions import actions, submission
from tests.support.inventory import URL

ACTION_ENDPOINTS = ("POST /v2/device/{id}/reboot/{mode}", "PUT /v2/device/{id}/maintenance",
                    "DELETE /v2/device/{id}/maintenance")  # fmt: skip


def api_actions(acme) -> int:
    counts = acme.fake.state.request_counts()
    return sum(counts.get(endpoint, 0) for endpoint in ACTION_ENDPOINTS)


def reboot(client, asset_id, **form):
    return client.post(f"{URL}/actions/assets/{asset_id}/reboot", data=form)


def test_technician_confirms_and_reboots_then_the_webhook_confirms(acme, app, device, relay):
    client = acme.login(app.test_client(), "tech@acme.test")
    acme.fake.state.reset_counters()
    first = reboot(client, device.host_asset_id, mode="NORMAL", reason="patch day")
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert f"Normal reboot of <strong>{device.name}</strong>" in page and "patch day" in page
    assert api_actions(acme) == 0 and actions(acme) == []
    token = submission(page)
    done = reboot(client, device.host_asset_id, mode="NORMAL", reason="patch day", submission=token)
    assert done.status_code == 303
    (action,) = actions(acme)
    assert (action.state, action.kind, action.parameters) == (
        "sent",
        "reboot",
        {"mode": "NORMAL", "reason": "patch day"},
    )
    assert (action.requested_by_name, action.device_id, action.api_calls) == (
        "Tomás Reyes",
        device.device_id,
        1,
    )
    # the same confirmation sent again: one action, no second API call
    again = reboot(client, device.host_asset_id, mode="NORMAL", reason="patch day", submission=token)
    assert again.status_code == 303 and len(actions(acme)) == 1 and api_actions(acme) == 1
    responses = relay.deliver(client)
    assert responses and all(response.status_code < 300 for response in responses)
    (action,) = actions(acme)
    assert action.state == ActionState.CONFIRMED and action.result.startswith("Rebooted; back online at")
    panel = client.get(f"/assets/{device.host_asset_id}").get_data(as_text=True)
    assert 'data-action-state="confirmed"' in panel


def test_reboot_from_a_ticket_writes_the_outcome_note(acme, app, device, relay):
    with acme.scope():
        ticket = db.session.scalars(select(Ticket).where(Ticket.tenant_id == int(acme.tenant.id))).first()
        db.session.execute(
            ticket_assets.insert().values(ticket_id=ticket.id, asset_id=int(device.host_asset_id))
        )
        db.session.commit()
        ticket_id = ticket.id
    client = acme.login(app.test_client(), "tech@acme.test")
    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "data-device-actions" in page
    form = {"mode": "FORCED", "ticket_id": str(ticket_id)}
    token = submission(reboot(client, device.host_asset_id, **form).get_data(as_text=True))
    assert reboot(client, device.host_asset_id, submission=token, **form).status_code == 303
    relay.deliver(client)
    with acme.scope():
        notes = [
            note.body
            for note in db.session.scalars(select(TicketNote).where(TicketNote.ticket_id == ticket_id))
        ]
    (note,) = [body for body in notes if body.startswith("NinjaOne: Forced reboot")]
    assert (
        f"of {device.name} requested by Tomás Reyes" in note
        and "confirmed — Rebooted; back online at" in note
    )
    # a ticket that does not link the asset: 404, nothing recorded
    other = {"mode": "NORMAL", "ticket_id": "999999", "submission": "x1"}
    assert reboot(client, device.host_asset_id, **other).status_code == 404
    assert len(actions(acme)) == 1


@pytest.mark.parametrize(("email", "status"), [("viewer@acme.test", 403), ("admin@acme.test", 303)])
def test_permission(acme, app, device, email, status):
    client = acme.login(app.test_client(), email)
    assert reboot(client, device.host_asset_id, mode="NORMAL", submission="s1").status_code == status
    assert len(actions(acme)) == (1 if status == 303 else 0)


def test_other_tenant_and_unknown_assets_are_404_without_an_api_call(acme, app, device):
    acme.fake.state.reset_counters()
    globex = acme.login(app.test_client(), "admin@globex.test", "globex")
    assert reboot(globex, device.host_asset_id, mode="NORMAL", submission="s").status_code in (404, 409)
    tech = acme.login(app.test_client(), "tech@acme.test")
    assert reboot(tech, "999999", mode="NORMAL", submission="s").status_code == 404
    assert reboot(tech, "x" * 65, mode="NORMAL", submission="s").status_code == 404
    assert api_actions(acme) == 0 and actions(acme) == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"mode": "SOFT"}, "Reboot mode must be NORMAL or FORCED."),
        ({"mode": "normal"}, "Reboot mode must be NORMAL or FORCED."),
        ({"mode": "NORMAL", "reason": "x" * 201}, "The reason is too long"),
    ],
)
def test_reboot_bad_input(acme, app, device, form, message):
    client = acme.login(app.test_client(), "tech@acme.test")
    response = reboot(client, device.host_asset_id, submission="s", **form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert actions(acme) == [] and api_actions(acme) == 0


def test_csrf_is_required(acme, app, device):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = acme.login(app.test_client(), "tech@acme.test")
        assert reboot(client, device.host_asset_id, mode="NORMAL", submission="s").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert actions(acme) == []


def test_offline_and_agentless_devices_are_refused_without_an_api_call(acme, app):
    client = acme.login(app.test_client(), "tech@acme.test")
    agents = ("WINDOWS_WORKSTATION", "WINDOWS_SERVER", "MAC", "LINUX_SERVER", "LINUX_WORKSTATION")
    offline = next(d for d in acme.devices() if d.agent_status == "offline" and d.node_class in agents)
    response = reboot(client, offline.host_asset_id, mode="NORMAL", submission="s")
    assert response.status_code == 409 and "its agent cannot be rebooted now" in response.get_data(
        as_text=True
    )
    agentless = next(d for d in acme.devices() if d.node_class not in agents and d.agent_status == "online")
    response = reboot(client, agentless.host_asset_id, mode="NORMAL", submission="s")
    assert response.status_code == 409 and "has no NinjaOne agent" in response.get_data(as_text=True)
    assert actions(acme) == [] and api_actions(acme) == 0


def test_connection_without_management_scope_is_refused(acme, app, device):
    with acme.scope():
        credential = db.session.scalars(select(Credential)).one()
        credential.scope = "monitoring"
        db.session.commit()
    client = acme.login(app.test_client(), "tech@acme.test")
    response = reboot(client, device.host_asset_id, mode="NORMAL", submission="s")
    assert response.status_code == 409 and "lacks the 'management' scope" in html.unescape(
        response.get_data(as_text=True)
    )
    assert actions(acme) == [] and api_actions(acme) == 0


def test_ninjaone_5xx_on_reboot_fails_and_is_not_resent(acme, app, device):
    path = f"/v2/device/{device.device_id}/reboot/NORMAL"
    acme.fake.state.faults.inject(Fault(path=path, kind="server_error", method="POST", status=503))
    client = acme.login(app.test_client(), "tech@acme.test")
    assert reboot(client, device.host_asset_id, mode="NORMAL", submission="s").status_code == 303
    (action,) = actions(acme)
    assert action.state == "failed" and "HTTP 503" in action.result and action.api_calls == 1


def test_ninjaone_429_is_retried_and_never_confirmed_on_failure(acme, app, device):
    path = f"/v2/device/{device.device_id}/reboot/NORMAL"
    acme.fake.state.faults.inject(Fault(path=path, kind="rate_limit", method="POST", retry_after=600))
    client = acme.login(app.test_client(), "tech@acme.test")
    url = f"{URL}/actions/assets/{device.host_asset_id}/reboot"
    response = client.post(
        url, data={"mode": "NORMAL", "submission": "s"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 202
    body = response.get_json()["action"]
    assert body["state"] == "queued" and body["result"].startswith("Waiting to retry at")
    assert body["attempts"] == 1 and body["api_calls"] == 1


SOON = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


def maintenance(client, asset_id, **form):
    return client.post(
        f"{URL}/actions/assets/{asset_id}/maintenance", data=form, headers={"Accept": "application/json"}
    )


def test_maintenance_start_and_end_are_confirmed_by_reading_the_device(acme, app, device):
    client = acme.login(app.test_client(), "tech@acme.test")
    acme.fake.state.reset_counters()
    end = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    form = {
        "end": end.strftime("%Y-%m-%dT%H:%M"),
        "features": ["ALERTS", "PATCHING"],
        "reason": "disk swap",
        "submission": "m1",
    }
    body = maintenance(client, device.host_asset_id, **form).get_json()["action"]
    assert (body["state"], body["result"]) == ("confirmed", f"In maintenance until {end:%Y-%m-%d %H:%M} UTC.")
    assert body["api_calls"] == 2
    assert acme.fake.state.device(device.device_id)["maintenance"]["reasonMessage"] == "disk swap"
    body = maintenance(client, device.host_asset_id, op="end", submission="m2").get_json()["action"]
    assert (body["state"], body["api_calls"]) == ("confirmed", 2)
    assert "maintenance" not in acme.fake.state.device(device.device_id)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"end": "2001-01-01T10:00"}, "in the past"),
        ({"end": "2099-01-01T10:00", "start": "2099-01-02T10:00"}, "must be after its start"),
        ({"end": "soon"}, "not a date and time"),
        ({}, "The end time is required."),
        ({"end": SOON, "features": ["SLEEP"]}, "Choose what to suppress"),
        ({"end": "2099-01-01T10:00"}, "at most 30 days"),
    ],
)
def test_maintenance_bad_input(acme, app, device, form, message):
    client = acme.login(app.test_client(), "tech@acme.test")
    response = maintenance(client, device.host_asset_id, submission="m", **form)
    assert response.status_code == 400 and message in response.get_json()["message"]
    assert actions(acme) == [] and api_actions(acme) == 0
