"""Shared fixtures: the sample host app on SQLite (default) or PostgreSQL, and real services.

Services come from environment variables so the same suite runs on a laptop (nothing set: SQLite,
jobs inline, service tests skipped) and in CI (``NINJAONE_TEST_DATABASE_URL``,
``NINJAONE_TEST_REDIS_URL`` and ``NINJAONE_TEST_REQUIRE_SERVICES=1``, which turns every such skip
into a failure so CI can never go green by skipping).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from redis import Redis

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fleets import FakePool, Fleet
from sample_host import create_app
from sample_host.database import db
from tests.support.commits import skip_fsync_on_sqlite, stop_skipping_fsync
from tests.support.passwords import cheap_passwords  # noqa: F401  (autouse for the whole suite)
from tests.support.routing import restore_rule_class, share_compiled_rules
from tests.support.schema import (
    SCHEMA_FIXTURES,
    copy_template,
    create_schema,
    empty_postgres_schema,
    sqlite_template,
)
from tests.support.services import postgres_url, redis_url, reset_postgres
from tests.support.templates import restore_jinja_options, share_compiled_templates
from tests.support.workers import kill


@pytest.fixture
def fake(ninjaone_fake):
    """The test's fake NinjaOne: the plugin's session server, reset for this test. A directory chooses
    the fleet it holds by overriding ``ninjaone_fleet`` (``Fleet(devices=..., organizations=...)``)."""
    return ninjaone_fake


#: The second NinjaOne's fleet: another fleet under the same ids as the first (orgs 1-3, devices from 1).
SECOND_FLEET = Fleet(devices=40, organizations=3, seed=2, synchronous_webhooks=True)


@pytest.fixture
def fake_b(ninjaone_fakes: FakePool) -> FakeNinjaOne:
    """A second, independent NinjaOne, for a tenant that moves to another instance or connects a second
    one beside the first: the session's server of ``SECOND_FLEET``, reset for this test (so a world
    that names its URL can be restored, as for ``fake``)."""
    return ninjaone_fakes.fake(SECOND_FLEET)


@pytest.fixture(scope="session")
def encryption_key() -> str:
    """One key for the session: a restored world (``ninjaone_worlds``) holds secrets encrypted with it."""
    return Fernet.generate_key().decode()


@pytest.fixture(scope="session", autouse=True)
def _commits_without_fsync() -> Iterator[None]:
    """SQLite commits without waiting for the disk (``tests/support/commits.py``)."""
    skip_fsync_on_sqlite()
    yield
    stop_skipping_fsync()


@pytest.fixture(scope="session", autouse=True)
def _templates_compiled_once() -> Iterator[None]:
    """Every app of the process renders from one bytecode cache (``tests/support/templates.py``)."""
    previous = share_compiled_templates()
    yield
    restore_jinja_options(previous)


@pytest.fixture(scope="session", autouse=True)
def _url_rules_compiled_once() -> Iterator[None]:
    """Every app of the process reuses the URL builders of its rules (``tests/support/routing.py``)."""
    previous = share_compiled_rules()
    yield
    restore_rule_class(previous)


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the host's and the extension's tables, empty, built once per session."""
    return sqlite_template(tmp_path_factory.mktemp("schema") / "template.db")


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """PostgreSQL when the suite is pointed at it, else a SQLite file; empty, or with both schemas
    already created (and empty) for the tests whose fixtures build on them (``tests/support/schema.py``)."""
    with_schema = not SCHEMA_FIXTURES.isdisjoint(request.fixturenames)
    if os.environ.get("NINJAONE_TEST_DATABASE_URL"):
        url = postgres_url()
        if with_schema:
            empty_postgres_schema(url)
        else:
            reset_postgres(url)
        return url
    if with_schema:
        return copy_template(request.getfixturevalue("schema_template"), tmp_path / "test.db")
    return f"sqlite:///{tmp_path / 'test.db'}"


#: Fixtures that are a fake NinjaOne (``.url``): a test's app lists the URL of each one the test uses.
FAKE_FIXTURES = ("ninjaone_fake", "fake", "fake_b", "globex_fake")


def fake_urls(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The URLs of the fake NinjaOnes this test uses, for ``NINJAONE_ALLOWED_BASE_URLS``: tenants may
    only choose URLs the operator listed, and the test suite is the operator of its fakes."""
    names = [name for name in FAKE_FIXTURES if name in request.fixturenames]
    return tuple(dict.fromkeys(request.getfixturevalue(name).url for name in names))


@pytest.fixture
def make_app(database_url, encryption_key, tmp_path, request):
    """Build a sample-host app with the extension; keyword arguments override its config. The fake
    NinjaOne of the test (if any) is listed in ``NINJAONE_ALLOWED_BASE_URLS``."""

    def build(**overrides) -> Flask:
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "NINJAONE_ENCRYPTION_KEYS": encryption_key,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-secret-key",
            "NINJAONE_ALLOWED_BASE_URLS": fake_urls(request),
        }
        config.update(overrides)
        built = create_app(config)
        apps.append(built)
        return built

    apps: list[Flask] = []
    yield build
    # Close every pool the test's apps opened: an app kept alive by a session-scoped world or server
    # would otherwise keep its idle connections, and four workers exhaust PostgreSQL's 100 clients.
    for built in apps:
        with built.app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    """The sample host with its schema and ours created, inside an app context."""
    application = make_app()
    with application.app_context():
        create_schema(db.engine)  # a no-op on the ready-made schema, kept for fixtures that start empty
        yield application
        runner = application.extensions.get("ninjaone_inline_jobs")
        if runner is not None:  # a page's detached job must not outlive the test's database
            runner.wait()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def redis_service() -> str:
    """URL of a real, emptied Redis (skips locally, fails in CI when unset)."""
    url = redis_url()
    Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def workers() -> Iterator[list]:
    """Worker processes (``tests.support.workers.start_worker``) a test started; all are SIGKILLed at
    the end, whatever happened."""
    started: list = []
    yield started
    for process in started:
        kill(process)
