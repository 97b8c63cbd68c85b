"""Fixtures of the sync tests: a seeded fake NinjaOne over real HTTP, and acme connected to it."""

from __future__ import annotations

import pytest

from flask_ninjaone import tenant_scope
from flask_ninjaone.client.schemas import devices
from flask_ninjaone.testing.fleets import Fleet
from tests.support.world import connect_acme


@pytest.fixture
def ninjaone_fleet():
    return Fleet(devices=120, organizations=4, seed=7)


@pytest.fixture
def acme(app, fake):
    """acme connected to the fake with every organization mapped (clients created as needed)."""
    tenant, integration_id = connect_acme(app, fake)
    with tenant_scope(tenant.id):
        yield tenant, integration_id


@pytest.fixture
def device_loads(monkeypatch):
    """How many devices the client schema-loads (the work a skipped device saves)."""
    loads = []
    original = devices.DeviceSchema._shape_of

    def counted(item):
        loads.append(item.get("id") if isinstance(item, dict) else None)
        return original(item)

    monkeypatch.setattr(devices.DeviceSchema, "_shape_of", staticmethod(counted))
    return loads
