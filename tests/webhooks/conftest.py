"""A sample host with acme connected to a fake NinjaOne, devices synced, and a webhook secret set."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import Integration
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.testing.fleets import Fleet
from sample_host.database import db
from tests.support.webhook_deliveries import receiver_path
from tests.support.world import acme_world, connect_acme


@pytest.fixture
def ninjaone_fleet():
    return Fleet(devices=40, organizations=2, seed=3)


def _connect_and_sync(app, fake) -> None:
    tenant, integration_id = connect_acme(app, fake)
    receiver_path(tenant.id)
    with tenant_scope(tenant.id):
        assert run_sync(integration_id).state == "succeeded"
    db.session.remove()


@pytest.fixture
def connected(app, fake, ninjaone_worlds):
    """(tenant, integration id, receiver path) for acme, fully synced, its webhook secret set: built
    once per session, restored (database and fake) per test."""
    tenant, integration_id = acme_world(fake, ninjaone_worlds, "webhooks-connected",
                                        lambda: _connect_and_sync(app, fake))  # fmt: skip
    with tenant_scope(tenant.id):
        public_id = db.session.scalars(select(Integration.public_id)).one()
    return tenant, integration_id, f"/webhooks/ninjaone/{public_id}"
