"""A sample host with acme connected to a fake NinjaOne, devices synced, and a webhook secret set."""

from __future__ import annotations

import pytest

from flask_ninjaone import tenant_scope
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.testing.fleets import Fleet
from sample_host.database import db
from tests.support.webhook_deliveries import receiver_path
from tests.support.world import connect_acme


@pytest.fixture
def ninjaone_fleet():
    return Fleet(devices=40, organizations=2, seed=3)


@pytest.fixture
def connected(app, fake):
    """(tenant, integration id, receiver path) for acme, fully synced."""
    tenant, integration_id = connect_acme(app, fake)
    path = receiver_path(tenant.id)
    with tenant_scope(tenant.id):
        assert run_sync(integration_id).state == "succeeded"
    db.session.remove()
    return tenant, integration_id, path
