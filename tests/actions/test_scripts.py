"""Script runs (``flask ninjaone device script`` and the send job): only on a signed-in connection,
only what the device's scripting options offer, finished from NinjaOne's ``SCRIPTING`` / ``COMPLETED``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from flask_ninjaone.actions import inputs
from flask_ninjaone.actions.scripts import scripting_options
from flask_ninjaone.actions.send import send_action
from flask_ninjaone.actions.start import managed_device, start_action, usable
from flask_ninjaone.connection.instances import instance_for
from flask_ninjaone.models import ActionState, Credential, DeviceAction
from flask_ninjaone.testing.connect import connect_tenant
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from tests.support.actions import sign_in

RUNS = "POST /v2/device/{id}/script/run"
OPTIONS = "GET /v2/device/{id}/scripting/options"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["ninjaone", *args])


@pytest.fixture
def device(acme):
    return next(d for d in acme.devices() if d.agent_status == "online" and d.node_class == "WINDOWS_SERVER")


def script_calls(fake) -> tuple[int, int]:
    counts = fake.state.request_counts()
    return counts.get(OPTIONS, 0), counts.get(RUNS, 0)


def run(app, device, *args):
    return cli(app, "device", "script", "--tenant", "acme", "--device", str(device.device_id), *args)


def test_script_run_is_sent_then_finished_by_the_completed_webhook(acme, app, device, relay):
    sign_in(acme)
    result = run(app, device, "--script", "101", "--param", "-Days", "--param", "7", "--key", "t1", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert (row["kind"], row["state"], row["summary"], row["api_calls"]) == (
        "script", "sent", "Script 'Clear temp files'", 2,
    )  # fmt: skip
    assert row["parameters"] == {
        "type": "SCRIPT", "id": 101, "name": "Clear temp files", "parameters": "-Days 7", "run_as": "SYSTEM",
    }  # fmt: skip
    assert script_calls(acme.fake) == (1, 1)
    client = acme.app.test_client()
    assert {response.status_code for response in relay.deliver(client)} == {202}
    listed = json.loads(cli(app, "actions", "--tenant", "acme", "--json").output)
    assert listed[0]["state"] == "confirmed"
    assert listed[0]["result"].endswith("with exit code 0; output: Clear temp files: done")
    again = json.loads(run(app, device, "--script", "101", "--key", "t1", "--json").output)
    assert again["id"] == row["id"] and script_calls(acme.fake) == (2, 1)  # options read, nothing re-run


def test_built_in_action_and_run_as_choice(acme, app, device):
    sign_in(acme)
    uid = "4a0e9f9c-3b3e-4f0c-9d7e-2f3c5a8b1e01"
    result = run(app, device, "--script", uid, "--param", "Spooler", "--run-as", "LOGGED_ON_USER", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert row["parameters"]["uid"] == uid and row["parameters"]["run_as"] == "LOGGED_ON_USER"
    assert row["state"] == "sent"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--script", "201"], "NinjaOne does not offer script 201 for this device."),
        (["--script", "rm -rf"], "must be a script id (a number) or an action uid"),
        (["--script", "101", "--run-as", "root"], "Run as must be one of: SYSTEM, LOGGED_ON_USER."),
        (["--script", "101", "--param", "-Password", "--param", "hunter2"], "look like they carry a secret"),
        (["--script", "101", "--param", "a\nb"], "must be on one line"),
        (["--script", "101", "--param", "x" * 1001], "too long (at most 1000 characters)"),
    ],
)
def test_bad_input_changes_nothing(acme, app, device, args, message):
    sign_in(acme)
    result = run(app, device, *args)
    assert result.exit_code != 0 and message in result.output, result.output
    assert cli(app, "actions", "--tenant", "acme").output.strip() == "No actions."
    assert script_calls(acme.fake) == (1, 0)  # the options were read to check; nothing run
    assert "hunter2" not in result.output


def test_client_credentials_connection_is_refused_without_an_api_call(acme, app, device):
    result = run(app, device, "--script", "101")
    assert result.exit_code != 0 and "Scripts need a NinjaOne connection made by signing in" in result.output
    assert "Connect, sign in to NinjaOne and approve access" in result.output
    assert script_calls(acme.fake) == (0, 0)


def test_offline_agent_and_other_tenants_device_make_no_api_call(acme, app):
    sign_in(acme)
    offline = next(
        d for d in acme.devices() if d.agent_status == "offline" and d.node_class.startswith("WIN")
    )
    result = run(app, offline, "--script", "101")
    assert result.exit_code != 0 and "cannot be asked to run a script now" in result.output
    with app.app_context():
        globex = connect_tenant(acme.fake.url, "globex", sync=False)
    sign_in(acme, globex.tenant.id)
    other = cli(
        app, "device", "script", "--tenant", "globex", "--device", str(offline.device_id), "--script", "101"
    )
    assert other.exit_code != 0 and "No such asset" in other.output
    assert script_calls(acme.fake) == (0, 0)


def test_5xx_on_the_run_fails_and_is_not_resent(acme, app, device):
    sign_in(acme)
    path = f"/v2/device/{device.device_id}/script/run"
    acme.fake.state.faults.inject(Fault(path=path, kind="server_error", method="POST", status=503))
    row = json.loads(run(app, device, "--script", "101", "--json").output)
    assert row["state"] == "failed" and "the script may or may not have reached the device" in row["result"]
    assert script_calls(acme.fake) == (1, 1)


def test_429_on_the_run_waits_for_a_retry_never_confirmed(acme, app, device):
    sign_in(acme)
    path = f"/v2/device/{device.device_id}/script/run"
    acme.fake.state.faults.inject(Fault(path=path, kind="rate_limit", method="POST", retry_after=600))
    row = json.loads(run(app, device, "--script", "101", "--json").output)
    assert (row["state"], row["attempts"]) == ("queued", 1) and row["result"].startswith("Waiting to retry")


def test_429_on_the_options_is_refused_with_nothing_recorded(acme, app, device):
    sign_in(acme)
    path = f"/v2/device/{device.device_id}/scripting/options"
    acme.fake.state.faults.inject(Fault(path=path, kind="rate_limit", method="GET", retry_after=600))
    result = run(app, device, "--script", "101")
    assert result.exit_code != 0 and "throttling" in result.output
    assert cli(app, "actions", "--tenant", "acme").output.strip() == "No actions."


def test_user_context_refused_at_send_fails_with_how_to_reconnect(acme, app, device):
    """A connection that claims sign-in but whose token NinjaOne refuses: failed, never confirmed."""
    sign_in(acme)
    with acme.scope():
        credential = db.session.scalars(select(Credential)).one()
        credential.access_token = acme.fake.state.oauth.issue_access_token(user_context=False)
        db.session.commit()
    row = json.loads(run(app, device, "--script", "101", "--json").output)
    assert row["state"] == "failed" and row["result"].startswith("Scripts need a NinjaOne connection")


def test_nonzero_exit_code_fails_the_action_with_the_output(acme, app, device, relay):
    sign_in(acme)
    acme.fake.state.device_actions.script_results[101] = (
        3,
        "Access to C:\\Temp\\x.log is denied\n" + "z" * 900,
    )
    row = json.loads(run(app, device, "--script", "101", "--json").output)
    assert row["state"] == "sent"
    relay.deliver(acme.app.test_client())
    (listed,) = json.loads(cli(app, "actions", "--tenant", "acme", "--json").output)
    assert (
        listed["state"] == "failed"
        and "with exit code 3; output: Access to C:\\Temp\\x.log is denied" in listed["result"]
    )
    assert len(listed["result"]) <= 500


def test_completion_received_before_sent_is_finished_by_the_job(acme, app, device, relay):
    """Webhooks processed inline can record COMPLETED before the job commits 'sent': the job finds it."""
    sign_in(acme)
    with acme.scope():
        session = db.session
        integration = usable(instance_for(session, None))
        row = managed_device(session, integration, device_id=device.device_id)
        options, _ = scripting_options(integration, row.device_id)
        request = inputs.script("101", [], None, options)
        action = start_action(session, row, request, key="race", user=None).action
        assert action.state == ActionState.SENT
        action.state, action.sent_at = ActionState.QUEUED, None  # replay as if the delivery came first
        db.session.commit()
        action_id = action.id
    relay.deliver(acme.app.test_client())
    acme.fake.state.device_actions.script_results[101] = (9, "a second run must not be what finishes it")
    runs_before = acme.fake.state.request_counts().get(RUNS, 0)
    with acme.scope():
        assert send_action(db.session, action_id) == ActionState.CONFIRMED
        assert db.session.get(DeviceAction, action_id).result.endswith(
            "exit code 0; output: Clear temp files: done"
        )
    assert acme.fake.state.request_counts().get(RUNS, 0) == runs_before + 1
