"""Fixtures for the sample host's tests: a seeded SQLite database per test, fast.

The schema is built and seeded once per session (``db.create_all()`` + the real ``seed`` command) and
each test gets its own copy of that file, so tests can write freely and still start in milliseconds.
``test_migrations.py`` covers the real Alembic path separately.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_ninjaone.models import metadata
from sample_host.database import db
from sample_host.seed import seed_command
from tests.support.host_app import build_app, user_id


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app reads DATABASE_URL, SECRET_KEY and NINJAONE_* from the environment; tests must not."""
    for key in list(os.environ):
        if key in ("DATABASE_URL", "SECRET_KEY") or key.startswith("NINJAONE_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    app = build_app(path)
    with app.app_context():
        db.create_all()
        metadata.create_all(db.engine)  # the extension's tables: host pages show its panels and cards
    result = app.test_cli_runner().invoke(seed_command)
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()
    return path


@pytest.fixture
def database(seeded_database: Path, tmp_path: Path) -> Path:
    path = tmp_path / "host.db"
    shutil.copyfile(seeded_database, path)
    return path


@pytest.fixture
def app(database: Path) -> Iterator[Flask]:
    app = build_app(database)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login_as(app: Flask, client: FlaskClient) -> Callable[..., FlaskClient]:
    """Log ``client`` in by writing the session directly: the login form itself (and its deliberately
    slow password hashing) is covered in ``test_auth.py``."""

    def login(email: str, tenant_slug: str = "acme") -> FlaskClient:
        uid = user_id(app, email, tenant_slug)
        with client.session_transaction() as session:
            session["user_id"] = uid
        return client

    return login
