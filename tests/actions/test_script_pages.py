"""Run script from the asset and ticket panels: the picker from the device's scripting options, the
confirmation naming device and script, refusals before any run, the outcome note from the webhook."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from sample_host.models import Ticket, TicketNote, ticket_assets
from tests.support.actions import actions, sign_in, submission
from tests.support.inventory import URL

RUNS = "POST /v2/device/{id}/script/run"
OPTIONS = "GET /v2/device/{id}/scripting/options"


def calls(acme) -> tuple[int, int]:
    counts = acme.fake.state.request_counts()
    return counts.get(OPTIONS, 0), counts.get(RUNS, 0)


def run_script(client, asset_id, **form):
    return client.post(f"{URL}/actions/assets/{asset_id}/script", data=form)


def link_ticket(acme, device) -> int:
    with acme.scope():
        ticket = db.session.scalars(select(Ticket).where(Ticket.tenant_id == int(acme.tenant.id))).first()
        db.session.execute(
            ticket_assets.insert().values(ticket_id=ticket.id, asset_id=int(device.host_asset_id))
        )
        db.session.commit()
        return ticket.id


def test_run_from_a_ticket_confirms_and_notes_the_exit_code(acme, app, device, relay):
    sign_in(acme)
    ticket_id = link_ticket(acme, device)
    client = acme.login(app.test_client(), "tech@acme.test")
    acme.fake.state.reset_counters()
    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert 'data-action="script"' in page and "Clear temp files (PowerShell)" in page
    assert '<option value="LOGGED_ON_USER">' in page and calls(acme) == (1, 0)  # one read per panel view
    form = {"script": "102", "parameters": "-Force", "run_as": "SYSTEM", "ticket_id": str(ticket_id)}
    confirm = run_script(client, device.host_asset_id, **form)
    text = confirm.get_data(as_text=True)
    assert (
        confirm.status_code == 200
        and f"Script &#39;Restart print spooler&#39; of <strong>{device.name}" in text
    )
    assert "Run as SYSTEM, parameters “-Force”" in text and actions(acme) == [] and calls(acme) == (2, 0)
    token = submission(text)
    assert run_script(client, device.host_asset_id, submission=token, **form).status_code == 303
    assert run_script(client, device.host_asset_id, submission=token, **form).status_code == 303
    (action,) = actions(acme)
    assert (action.state, action.api_calls, action.requested_by_name) == ("sent", 2, "Tomás Reyes")
    assert calls(acme) == (4, 1)  # the double submit read the options again but ran nothing
    relay.deliver(client)
    with acme.scope():
        notes = db.session.scalars(select(TicketNote.body).where(TicketNote.ticket_id == ticket_id)).all()
    (note,) = [body for body in notes if body.startswith("NinjaOne: Script 'Restart print spooler'")]
    assert "confirmed — Finished at" in note and "exit code 0; output: Restart print spooler: done" in note
    panel = client.get(f"/assets/{device.host_asset_id}").get_data(as_text=True)
    assert 'data-action-state="confirmed"' in panel


def test_client_credentials_panel_says_why_and_the_post_is_refused_without_an_api_call(acme, app, device):
    client = acme.login(app.test_client(), "tech@acme.test")
    acme.fake.state.reset_counters()
    panel = client.get(f"/assets/{device.host_asset_id}").get_data(as_text=True)
    assert "data-scripts-missing" in panel and "Connect, sign in to NinjaOne and approve access" in panel
    assert 'data-action="script"' not in panel
    response = run_script(client, device.host_asset_id, script="101", submission="s")
    assert response.status_code == 409 and "made by signing in" in response.get_data(as_text=True)
    assert calls(acme) == (0, 0) and actions(acme) == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"script": "201"}, "NinjaOne does not offer script 201 for this device."),
        ({"script": "101", "run_as": "root"}, "Run as must be one of"),
        ({"script": "101", "parameters": "--password=hunter2"}, "look like they carry a secret"),
        ({"script": ""}, "Choose a script."),
    ],
)
def test_bad_input_is_400_and_runs_nothing(acme, app, device, form, message):
    sign_in(acme)
    client = acme.login(app.test_client(), "tech@acme.test")
    response = run_script(client, device.host_asset_id, submission="s", **form)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body and "hunter2" not in body
    assert actions(acme) == [] and calls(acme)[1] == 0


def test_viewer_csrf_and_other_tenant(acme, app, device):
    sign_in(acme)
    viewer = acme.login(app.test_client(), "viewer@acme.test")
    assert run_script(viewer, device.host_asset_id, script="101", submission="s").status_code == 403
    assert 'data-action="script"' not in viewer.get(f"/assets/{device.host_asset_id}").get_data(as_text=True)
    globex = acme.login(app.test_client(), "admin@globex.test", "globex")
    assert run_script(globex, device.host_asset_id, script="101", submission="s").status_code in (404, 409)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        tech = acme.login(app.test_client(), "tech@acme.test")
        assert run_script(tech, device.host_asset_id, script="101", submission="s").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert actions(acme) == [] and calls(acme)[1] == 0


def test_ninjaone_5xx_on_the_options_refuses_with_nothing_recorded(acme, app, device):
    sign_in(acme)
    path = f"/v2/device/{device.device_id}/scripting/options"
    acme.fake.state.faults.inject(Fault(path=path, kind="server_error", method="GET", status=500, times=100))
    client = acme.login(app.test_client(), "tech@acme.test")
    panel = client.get(f"/assets/{device.host_asset_id}").get_data(as_text=True)
    assert "data-scripts-missing" in panel and "Could not read the device&#39;s scripts" in panel
    response = run_script(client, device.host_asset_id, script="101", submission="s")
    assert response.status_code == 502 and actions(acme) == [] and calls(acme)[1] == 0
