from __future__ import annotations

import pytest

from tests.inventory.support import connect_and_sync, running_fake


@pytest.fixture
def fake():
    with running_fake(devices=36, organizations=2) as server:
        yield server


@pytest.fixture
def acme(app, fake):
    """acme connected to the fake, organizations mapped, one full sync (which refreshes inventory)."""
    return connect_and_sync(app, fake)
