"""Fixtures for the connection tests: a seeded sample host per test (copied from one seeded file, so each
test starts in milliseconds), the fake NinjaOne over real HTTP, and logged-in test clients.

Requests run with no app context pushed by the test (Flask would otherwise reuse it, sharing ``g`` and the
database session between requests); assertions open their own short app context with :func:`tenant_db`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fleets import Fleet
from flask_ninjaone.testing.world import Worlds
from sample_host import create_app
from sample_host.database import db
from tests.support.connection_flow import user_id
from tests.support.instance_cli import Cli, cli_runner, connect, ok
from tests.support.schema import SeededDatabase, metadatas, seeded_database

SEED_KEY = "yAqzLo2d2eW7pHsXDMqCcqhEjmGZBhxgM2IGr7pQMhs="


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host reads NINJAONE_* from the environment; a developer's settings must not leak in."""
    for key in list(os.environ):
        if key.startswith("NINJAONE_") and not key.startswith("NINJAONE_TEST_"):
            monkeypatch.delenv(key)


@pytest.fixture
def enabled_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-enable loggers that Alembic's ``fileConfig`` disabled when an earlier test ran migrations,
    so tests that search the captured logs really see them."""
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.startswith(("flask_ninjaone", "urllib3", "werkzeug")):
            monkeypatch.setattr(logger, "disabled", False)


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> SeededDatabase:
    """The seeded host (acme and globex), once per session (``tests/support/schema.py``)."""

    def build(url: str) -> Flask:
        config = {"TESTING": True, "SECRET_KEY": "seed", "SQLALCHEMY_DATABASE_URI": url}
        return create_app({**config, "NINJAONE_ENCRYPTION_KEYS": SEED_KEY})

    return seeded_database(build, tmp_path_factory.mktemp("connection"))


@pytest.fixture
def database_url(seeded: SeededDatabase, tmp_path: Path) -> str:
    """Overrides the root fixture: the seeded database, fresh for this test."""
    return seeded.fresh_copy(tmp_path)


@pytest.fixture
def web_app(make_app) -> Iterator[Flask]:
    """The sample host with the extension, seeded (acme and globex), with no app context pushed."""
    app = make_app()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def ninjaone_fleet() -> Fleet:
    """The plugin's fleet (40 devices, 3 organizations, the demo API client); deliveries synchronous."""
    return Fleet(synchronous_webhooks=True)


ROLE_EMAIL = {"admin": "admin@{}.test", "technician": "tech@{}.test", "viewer": "viewer@{}.test"}


@pytest.fixture
def login(web_app: Flask) -> Callable[..., FlaskClient]:
    """``login("admin")`` → a test client whose session is that acme user's (``tenant="globex"`` too).

    Writes the session directly; the login form itself is exercised by the full-flow test.
    """

    def log_in(role: str = "admin", tenant: str = "acme", client: FlaskClient | None = None) -> FlaskClient:
        client = client or web_app.test_client()
        uid = user_id(web_app, ROLE_EMAIL[role].format(tenant), tenant)
        with client.session_transaction() as session:
            session["user_id"] = uid
        return client

    return log_in


@pytest.fixture
def admin(login) -> FlaskClient:
    return login("admin")


@pytest.fixture
def cli(web_app: Flask) -> Cli:
    """``cli("status", "--tenant", "acme")`` runs ``flask ninjaone status …`` on the test's host."""
    return cli_runner(web_app)


@pytest.fixture
def two_instances(
    web_app: Flask, cli: Cli, fake: FakeNinjaOne, fake_b: FakeNinjaOne, ninjaone_worlds: Worlds
) -> dict[str, FakeNinjaOne]:
    """acme connected to ``fake`` as "alpha" and to ``fake_b`` as "beta" (added beside it), every
    organization of each mapped and each synced; the webhooks are registered (a public URL is set).
    Both fakes number their organizations and devices from 1, so their ids overlap. Built once per
    session (two OAuth connections, four maps and syncs: ~3 s) and restored for each test, the two
    fakes' states with it."""
    web_app.config["NINJAONE_PUBLIC_BASE_URL"] = "http://localhost"

    def build() -> None:
        ok(connect(cli, fake.url, "--name", "alpha"))
        added = ok(connect(cli, fake_b.url, "--add", "--name", "beta"))
        assert "instance 'beta'" in added.output
        for name in ("alpha", "beta"):
            ok(cli("map", "--tenant", "acme", "--instance", name, "--all", "--create-missing-clients"))
            ok(cli("sync", "--tenant", "acme", "--instance", name, "--full", "--wait"))

    world = f"two-instances {fake.url} {fake_b.url}"  # a module may give ``fake`` a fleet of its own
    with web_app.app_context():  # rows are read through the app's column types (secrets decrypted)
        ninjaone_worlds.restore_or_build(world, db.engine, build, metadatas=metadatas(), fakes=[fake, fake_b])
    return {"alpha": fake, "beta": fake_b}
