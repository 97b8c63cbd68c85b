"""A sample host with acme connected to a fake NinjaOne, devices synced, and a webhook secret set."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import Integration
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet
from sample_host.database import db
from tests.support.world import connect_acme

SECRET = "test-webhook-secret-value-0123456789"


@pytest.fixture
def fake():
    state = FakeState()
    seed_fleet(state, devices=40, organizations=2, seed=3)
    with FakeNinjaOne(state) as server:
        yield server


@pytest.fixture
def connected(app, fake):
    """(tenant, integration id, receiver path) for acme, fully synced."""
    tenant, integration_id = connect_acme(app, fake)
    with tenant_scope(tenant.id):
        integration = db.session.scalars(select(Integration)).one()
        integration.webhook_secret = SECRET
        db.session.commit()
        assert run_sync(integration.id).state == "succeeded"
        path = f"/webhooks/ninjaone/{integration.public_id}"
        integration_id = integration.id
    db.session.remove()
    return tenant, integration_id, path
