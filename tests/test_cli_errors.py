"""`flask ninjaone` commands end with a one-line error and a non-zero exit when NinjaOne fails.

Each command runs against the fake NinjaOne over real HTTP in three states the client reports as
typed errors: the refresh token was revoked (``ReconnectRequired``), the token endpoint answers 500
(``ApiError``) and the API keeps answering 429 (``RateLimited``). ``catch_exceptions=False`` lets an
unhandled exception fail the test, and one run in a real ``flask`` process shows what an operator sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.connection.connect import complete_connection, save_credentials
from flask_ninjaone.models import Integration
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.state import get_state
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from tests.support.oauth_flow import CLIENT_ID, CLIENT_SECRET, authorization_code_tokens

ROOT = Path(__file__).resolve().parents[1]


def _reconnect_required(fake) -> None:
    fake.state.oauth.revoke_refresh_tokens()
    fake.state.oauth.expire_access_tokens()


def _token_endpoint_down(fake) -> None:
    fake.state.oauth.expire_access_tokens()
    fake.state.faults.inject(Fault(path="/ws/oauth/token", kind="server_error", times=1000))


def _throttled(fake) -> None:
    fake.state.faults.inject(Fault(path="/v2/*", kind="rate_limit", retry_after=30, times=1000))


#: state → (how to put the fake into it, what the one-line message must say)
STATES = {
    "reconnect_required": (_reconnect_required, "reconnect"),
    "token_endpoint_500": (_token_endpoint_down, "HTTP 500"),
    "rate_limited": (_throttled, "429"),
}
COMMANDS = {
    "orgs": ["orgs", "--tenant", "acme"],
    "rotate-webhook-secret": [
        "rotate-webhook-secret",
        "--tenant",
        "acme",
        "--public-url",
        "https://psa.test",
    ],
    "inventory": ["inventory", "--tenant", "acme"],
    "inventory --device": ["inventory", "--tenant", "acme", "--device", "1"],
    "sync --wait": ["sync", "--tenant", "acme", "--full", "--wait"],
}


@pytest.fixture
def acme(app, ninjaone_fake):
    """acme connected through the authorization-code flow (so it holds a refresh token), orgs mapped."""
    app.config["NINJAONE_HTTP_MAX_RETRIES"] = 0  # a throttled request fails at once instead of waiting
    assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    tenant = get_state().host.find_tenant("acme")
    with tenant_scope(tenant.id):
        integration = save_credentials(db.session, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                       region=None, custom_url=ninjaone_fake.url).integration  # fmt: skip
        complete_connection(db.session, integration, authorization_code_tokens(ninjaone_fake.url), actor=None)
        mapping.apply_suggestions(db.session, integration, create_missing=True)
    db.session.remove()
    return tenant


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("state", STATES)
def test_commands_end_with_one_line_error_and_nonzero_exit(app, acme, ninjaone_fake, state, command):
    put_into_state, expected = STATES[state]
    put_into_state(ninjaone_fake)
    result = app.test_cli_runner().invoke(args=["ninjaone", *COMMANDS[command]], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    error = result.stderr.strip()
    assert error.startswith("Error: ") and "\n" not in error, result.output
    assert expected.lower() in error.lower()
    if (state, command) == ("rate_limited", "orgs"):
        assert error.endswith("; try again in 30 s")  # NinjaOne's Retry-After
    if state == "reconnect_required":
        db.session.expire_all()  # the command ran in this test's app context, hence in its session
        with tenant_scope(acme.id):
            assert db.session.scalars(select(Integration)).one().status == "reconnect_required"


def test_a_real_flask_process_prints_no_traceback(app, acme, ninjaone_fake, database_url, encryption_key):
    _reconnect_required(ninjaone_fake)
    env = {**os.environ, "DATABASE_URL": database_url, "NINJAONE_ENCRYPTION_KEYS": encryption_key,
           "NINJAONE_ALLOWED_BASE_URLS": ninjaone_fake.url, "PYTHONPATH": str(ROOT)}  # fmt: skip
    command = ["flask", "--app", "sample_host:create_app", "ninjaone", "orgs", "--tenant", "acme"]
    result = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    # Before the error, Python's last-resort log handler may print the client's own warning (a host
    # that configures logging routes it elsewhere); the command's outcome is its last line.
    lines = result.stderr.strip().splitlines()
    assert [line for line in lines if line.startswith("Error:")] == lines[-1:]
    assert lines[-1].startswith("Error: NinjaOne rejected the stored credentials; reconnect required")
