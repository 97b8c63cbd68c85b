from __future__ import annotations

import pytest

from flask_ninjaone.testing.fleets import Fleet
from tests.support.inventory import connected_world


@pytest.fixture
def ninjaone_fleet():
    return Fleet(devices=36, organizations=2, seed=11)


@pytest.fixture
def acme(app, fake, ninjaone_worlds):
    """acme connected to the fake, organizations mapped, one full sync (which refreshes inventory):
    built once per session, restored per test."""
    return connected_world(app, fake, ninjaone_worlds, "remote-acme")
