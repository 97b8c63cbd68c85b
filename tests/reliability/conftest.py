"""Reliability scenarios: each prints what it did and what it checked (run with -s to read them)."""

from __future__ import annotations

import pytest

import flask_ninjaone.sync.runner as runner
from flask_ninjaone.testing.fleets import Fleet
from tests.support.reliability import DEVICES, Report, connect_acme


@pytest.fixture
def report(request):
    scenario = Report(request.node.name)
    yield scenario
    scenario.print()


@pytest.fixture
def ninjaone_fleet():
    return Fleet(devices=DEVICES, organizations=4, seed=21)


@pytest.fixture(autouse=True)
def no_inventory_after_sync(monkeypatch):
    """These scenarios are about device sync; the inventory refresh that follows a full sync (inline
    without Redis) has its own tests and would only add minutes here."""
    if hasattr(runner, "_queue_inventory"):
        monkeypatch.setattr(runner, "_queue_inventory", lambda integration: None)


@pytest.fixture
def connected(app, fake):
    """acme connected (client credentials) to the fake, every organization mapped."""
    return connect_acme(app, fake)
