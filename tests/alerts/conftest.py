"""Fixtures for the alert tests: acme connected to a fake NinjaOne with its devices synced.

Building that world (seed, OAuth, organizations, sync) takes seconds, so it is built once per session
(per xdist worker) by the first test that needs it and restored for the others (the plugin's
``ninjaone_worlds``: a file copy on SQLite, the rows on PostgreSQL, and the fake NinjaOne's state with
it). One fake NinjaOne serves the whole session; every test starts with no active alert in it.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from flask import Flask

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fleets import Fleet
from flask_ninjaone.testing.world import Worlds
from sample_host import create_app
from sample_host.database import db
from tests.support.alerts_world import World, _config, restore_world


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host reads NINJAONE_* from the environment; a developer's settings must not leak in."""
    for key in list(os.environ):
        if key.startswith("NINJAONE_") and not key.startswith("NINJAONE_TEST_"):
            monkeypatch.delenv(key)


@pytest.fixture
def ninjaone_fleet() -> Fleet:
    return Fleet(devices=30, organizations=3, seed=11)


@pytest.fixture
def make_world_app(database_url: str, ninjaone_worlds: Worlds, fake: FakeNinjaOne):
    """Apps on this test's database (the first one restores the world into it)."""
    restored = False
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        nonlocal restored
        app = create_app(_config(database_url, fake.url, **overrides))
        if not restored:
            restore_world(app, ninjaone_worlds, fake)
            restored = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def world_app(make_world_app) -> Flask:
    """The sample host with the world, no app context pushed (requests get fresh sessions)."""
    return make_world_app()


@pytest.fixture
def world(world_app: Flask, fake: FakeNinjaOne) -> World:
    return World(world_app, fake)


@pytest.fixture
def catch_all(world: World) -> int:
    """A catch-all rule with the default actions (create tickets, close on reset)."""
    return world.add_rule("Catch-all", catch_all=True)
