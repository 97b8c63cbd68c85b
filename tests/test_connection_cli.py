"""`flask ninjaone connect/status/orgs` end to end against the fake NinjaOne over real HTTP."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import Credential, Integration
from flask_ninjaone.state import get_state
from sample_host.database import db

DEMO_ID, DEMO_SECRET = "demo-client-id", "demo-client-secret"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed"]).exit_code == 0

    def invoke(*args: str):
        return runner.invoke(args=["ninjaone", *args], catch_exceptions=False)

    return invoke


def _acme_id() -> str:
    return get_state().host.find_tenant("acme").id


def _connect(cli, fake, *extra: str):
    return cli("connect", "--tenant", "acme", "--client-id", DEMO_ID, "--client-secret", DEMO_SECRET,
               "--base-url", fake.url, *extra)  # fmt: skip


def test_connect_status_orgs_round_trip(cli, ninjaone_fake):
    result = _connect(cli, ninjaone_fake)
    assert result.exit_code == 0, result.output
    assert "Connected acme: 3 organization(s)" in result.output

    info = json.loads(cli("status", "--tenant", "acme", "--json").output)
    assert info["status"] == "connected"
    assert info["auth_mode"] == "client_credentials"
    assert info["instance_url"] == ninjaone_fake.url
    assert info["organizations"] == {"total": 3, "mapped": 0, "unmapped": 3, "deleted": 0}
    for key in ("device_count", "linked_asset_count", "webhook", "last_sync"):
        assert key in info
    assert DEMO_SECRET not in json.dumps(info)

    orgs = json.loads(cli("orgs", "--tenant", "acme", "--json").output)
    fake_orgs = ninjaone_fake.state.organizations_page(None, 1000)
    assert sorted(o["id"] for o in orgs) == sorted(o["id"] for o in fake_orgs)
    assert all(o["state"] == "unmapped" and o["locations"] for o in orgs)
    assert ninjaone_fake.state.token_grant_counts().get("client_credentials") == 1

    # globex was not touched.
    globex = json.loads(cli("status", "--tenant", "globex", "--json").output)
    assert globex == {"tenant": globex["tenant"], "status": "disconnected", "configured": False}


def test_secrets_are_encrypted_and_never_printed(cli, ninjaone_fake):
    result = _connect(cli, ninjaone_fake)
    assert DEMO_SECRET not in result.output
    raw = " ".join(str(row) for row in db.session.execute(text("SELECT * FROM ninjaone_credentials")))
    assert DEMO_SECRET not in raw
    with tenant_scope(_acme_id()):
        credential = db.session.scalars(select(Credential)).one()
        assert credential.client_secret == DEMO_SECRET and credential.access_token not in raw


def test_wrong_secret_is_a_clear_error_and_leaves_status_error(cli, ninjaone_fake):
    result = cli("connect", "--tenant", "acme", "--client-id", DEMO_ID, "--client-secret", "wrong",
                 "--base-url", ninjaone_fake.url)  # fmt: skip
    assert result.exit_code != 0
    assert "refused" in result.output
    with tenant_scope(_acme_id()):
        assert db.session.scalars(select(Integration)).one().status == "error"


def test_unknown_client_id_says_wrong_region(cli, ninjaone_fake):
    result = cli("connect", "--tenant", "acme", "--client-id", "nope", "--client-secret", "x",
                 "--base-url", ninjaone_fake.url)  # fmt: skip
    assert result.exit_code != 0
    assert "region" in result.output.lower()


def test_bad_arguments(cli, ninjaone_fake):
    assert cli("status", "--tenant", "nosuch").exit_code != 0
    both = cli("connect", "--tenant", "acme", "--client-id", DEMO_ID, "--client-secret", "s",
               "--region", "eu", "--base-url", ninjaone_fake.url)  # fmt: skip
    assert both.exit_code != 0 and "exactly one" in both.output
    bad_url = cli("connect", "--tenant", "acme", "--client-id", DEMO_ID, "--client-secret", "s",
                  "--base-url", "ftp://example.com")  # fmt: skip
    assert bad_url.exit_code != 0
    assert cli("orgs", "--tenant", "acme").exit_code != 0  # not connected yet
