from __future__ import annotations

import pytest

from flask_ninjaone.testing.fleets import Fleet
from tests.support.inventory import connect_and_sync


@pytest.fixture
def ninjaone_fleet():
    return Fleet(devices=36, organizations=2, seed=11)


@pytest.fixture
def acme(app, fake):
    """acme connected to the fake, organizations mapped, one full sync (which refreshes inventory)."""
    return connect_and_sync(app, fake)
