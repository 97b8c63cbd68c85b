"""Fixtures of the sync tests: a seeded fake NinjaOne over real HTTP, and acme connected to it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet
from sample_host.database import db
from sample_host.models import Asset
from tests.support.world import connect_acme


@pytest.fixture
def fake():
    state = FakeState()
    seed_fleet(state, devices=120, organizations=4, seed=7)
    with FakeNinjaOne(state) as server:
        yield server


@pytest.fixture
def acme(app, fake):
    """acme connected to the fake with every organization mapped (clients created as needed)."""
    tenant, integration_id = connect_acme(app, fake)
    with tenant_scope(tenant.id):
        yield tenant, integration_id


def fake_devices(fake, *, statuses=("APPROVED",)) -> list[dict]:
    """The fake's devices of these approval statuses, straight from its state."""
    return [d for d in fake.state.devices_page(None, 100000) if d.get("approvalStatus") in statuses]


def ninja_assets(tenant_id: str, status: str = "active") -> list[Asset]:
    """The tenant's NinjaOne assets in the sample host with this status."""
    return list(
        db.session.scalars(
            select(Asset).where(
                Asset.tenant_id == int(tenant_id), Asset.external_source == "ninjaone", Asset.status == status
            )
        )
    )
