"""Fixtures of the security suite: the two-tenant world (see ``world.py``), fresh for every test.

The world is built once per session (SQLite: into a template file; PostgreSQL with
``NINJAONE_TEST_DATABASE_URL``: into the test database, then snapshotted row by row). Every test gets
it back exactly as built — a file copy on SQLite, a delete-and-reinsert on PostgreSQL — so tests may
change anything (disconnect, delete rules, run syncs) without affecting the next one. Requests run
with no app context pushed by the test, as in production: each gets its own ``g`` and session.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_ninjaone.models import metadata as ninjaone_metadata
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fake_ninjaone import inventory as fake_inventory
from flask_ninjaone.testing.world import WorldSnapshot
from sample_host.database import db
from tests.support.security_world import (
    DatabaseState,
    TenantWorld,
    WorldInfo,
    acme_fake_state,
    build_world,
    database_state,
    globex_fake_state,
    host_environment_keys,
    login,
    make_security_app,
    software_with_markers,
)
from tests.support.services import postgres_url, reset_postgres


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host reads DATABASE_URL, SECRET_KEY and NINJAONE_* from the environment; tests must not."""
    for key in host_environment_keys():
        monkeypatch.delenv(key)


def dispose(app: Flask) -> None:
    runner = app.extensions.get("ninjaone_inline_jobs")
    if runner is not None:  # a button's detached job ends before the database is restored under it
        runner.wait()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def security_fakes() -> Iterator[dict[str, FakeNinjaOne]]:
    """acme's and globex's NinjaOne instances, for the whole session (software titles marked)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(fake_inventory, "software", software_with_markers)
    try:
        with FakeNinjaOne(acme_fake_state()) as acme, FakeNinjaOne(globex_fake_state()) as globex:
            yield {"acme": acme, "globex": globex}
    finally:
        patch.undo()


@dataclass
class Template:
    """The built world: where it is and how to get it back (database and both fakes)."""

    info: WorldInfo
    url: str
    snapshot: WorldSnapshot


@pytest.fixture(scope="session")
def world_template(
    tmp_path_factory: pytest.TempPathFactory, security_fakes: dict[str, FakeNinjaOne]
) -> Template:
    if os.environ.get("NINJAONE_TEST_DATABASE_URL"):
        url = postgres_url()
        reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('security-build') / 'world.db'}"
    app = make_security_app(url, fake_urls_of(security_fakes))
    info = build_world(app, security_fakes)
    dispose(app)
    with app.app_context():
        snapshot = WorldSnapshot(db.engine, (db.metadata, ninjaone_metadata), security_fakes.values(),
                                 tmp_path_factory.mktemp("security-template"))  # fmt: skip
        db.engine.dispose()
    return Template(info, url, snapshot)


@pytest.fixture(scope="module")
def module_database(
    world_template: Template, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path | None]:
    """The database this module's apps use: a SQLite file of its own, or the shared PostgreSQL one."""
    if world_template.snapshot.file is None:
        return world_template.url, None
    path = tmp_path_factory.mktemp("security") / "world.db"
    shutil.copyfile(world_template.snapshot.file, path)
    return f"sqlite:///{path}", path


@pytest.fixture(scope="module")
def module_apps(module_database: tuple[str, Path | None]) -> Iterator[dict[str, Flask]]:
    """This module's apps by configuration (building an app costs more than restoring the database)."""
    apps: dict[str, Flask] = {}
    yield apps
    for app in apps.values():
        dispose(app)


def fake_urls_of(fakes: dict[str, FakeNinjaOne]) -> list[str]:
    """The tenants' fake NinjaOnes: the URLs the security world's operator allows."""
    return [fake.url for fake in fakes.values()]


@pytest.fixture(scope="module")
def module_app(
    module_apps: dict[str, Flask],
    module_database: tuple[str, Path | None],
    security_fakes: dict[str, FakeNinjaOne],
) -> Flask:
    app = module_apps[""] = make_security_app(module_database[0], fake_urls_of(security_fakes))
    return app


@dataclass
class World:
    """The restored world and ways to talk to it."""

    app: Flask
    info: WorldInfo
    fakes: dict[str, FakeNinjaOne]
    database_url: str
    apps: dict[str, Flask]

    @property
    def acme(self) -> TenantWorld:
        return self.info.acme

    @property
    def globex(self) -> TenantWorld:
        return self.info.globex

    def client(self, role: str = "admin", slug: str = "acme", app: Flask | None = None) -> FlaskClient:
        return login(app or self.app, role, slug)

    def make_app(self, **overrides: Any) -> Flask:
        """Another app (other configuration) on this test's database, kept for the module."""
        key = repr(sorted(overrides.items()))
        if key not in self.apps:
            fake_urls = fake_urls_of(self.fakes)
            self.apps[key] = make_security_app(self.database_url, fake_urls, **overrides)
        return self.apps[key]

    def state(self) -> DatabaseState:
        return database_state(self.app)


def _restore(template: Template, apps: dict[str, Flask]) -> None:
    """The database and both fakes as built (tables created first: another suite may have dropped the
    schema since)."""
    for app in apps.values():
        dispose(app)
    with apps[""].app_context():
        template.snapshot.restore(db.engine)
        db.session.remove()


@pytest.fixture
def world(
    world_template: Template,
    module_database: tuple[str, Path | None],
    module_app: Flask,
    module_apps: dict[str, Flask],
    security_fakes: dict[str, FakeNinjaOne],
) -> Iterator[World]:
    """The world as built, for this test alone (the fakes too: faults, tokens, webhook configurations)."""
    _restore(world_template, module_apps)
    yield World(module_app, world_template.info, security_fakes, module_database[0], module_apps)
    for app in module_apps.values():
        dispose(app)
