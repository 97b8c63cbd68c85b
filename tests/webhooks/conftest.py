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


def receiver_path(tenant_id: str) -> str:
    """Give the tenant's integration the test secret; returns its receiver path."""
    with tenant_scope(tenant_id):
        integration = db.session.scalars(select(Integration)).one()
        integration.webhook_secret = SECRET
        db.session.commit()
        return f"/webhooks/ninjaone/{integration.public_id}"


@pytest.fixture
def connected(app, fake):
    """(tenant, integration id, receiver path) for acme, fully synced."""
    tenant, integration_id = connect_acme(app, fake)
    path = receiver_path(tenant.id)
    with tenant_scope(tenant.id):
        assert run_sync(integration_id).state == "succeeded"
    db.session.remove()
    return tenant, integration_id, path
