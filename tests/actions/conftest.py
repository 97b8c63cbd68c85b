from __future__ import annotations

import pytest

from flask_ninjaone.testing.connect import connect_tenant
from flask_ninjaone.testing.fleets import Fleet
from flask_ninjaone.testing.relay import WebhookRelay
from tests.support.inventory import connected_world
from tests.support.passwords import cheap_passwords  # noqa: F401  (autouse here)


@pytest.fixture
def ninjaone_fleet():
    return Fleet(devices=36, organizations=2, seed=11)


def _connect(app, fake) -> None:
    assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    assert connect_tenant(fake.url, "acme").webhook_state == "active"


@pytest.fixture
def acme(app, fake, ninjaone_worlds):
    """acme connected to the fake with its webhook registered, organizations mapped, one full sync:
    built once per session, restored per test."""
    return connected_world(app, fake, ninjaone_worlds, "actions-acme", lambda: _connect(app, fake))


@pytest.fixture
def relay(acme):
    """The fake's webhooks, captured from now on and delivered into a test client on demand."""
    relay = WebhookRelay(acme.fake.state)
    relay.discard()
    return relay


@pytest.fixture
def device(acme):
    return next(
        d for d in acme.devices() if d.agent_status == "online" and d.node_class == "WINDOWS_WORKSTATION"
    )
