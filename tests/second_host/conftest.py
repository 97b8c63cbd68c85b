"""The second host, built in either init order, migrated the way a host deploys: ``upgrade heads``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from tests.support.second_host.app import create_app
from tests.support.second_host.forms import csrf_token
from tests.support.second_host.models import Member, Workspace, db

PASSWORD = "correct horse"


@dataclass
class Host:
    app: Flask
    north: Workspace
    south: Workspace

    def sign_in(self, email: str) -> FlaskClient:
        """A test client signed in through the host's own form (CSRF token and all)."""
        client = self.app.test_client()
        token = csrf_token(client.get("/signin").get_data(as_text=True))
        response = client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client


@pytest.fixture(params=["ninjaone-first", "ninjaone-last"])
def host(request, database_url, ninjaone_encryption_key, tmp_path) -> Iterator[Host]:
    """The second host with real CSRF protection, migrated by ``flask db upgrade heads`` (which must
    find the extension's branch whichever extension was initialised first)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "second-host",
            "NINJAONE_ENCRYPTION_KEYS": ninjaone_encryption_key,
            "MIGRATIONS_DIR": str(tmp_path / "migrations"),
        },
        ninjaone_first=request.param == "ninjaone-first",
    )
    with app.app_context(), _loggers_kept():
        flask_migrate.init(directory=app.config["MIGRATIONS_DIR"])
        flask_migrate.upgrade(directory=app.config["MIGRATIONS_DIR"], revision="heads")
        db.create_all()
        north, south = _seed()
    # No app context stays pushed: requests made inside one would share its ``g`` (and with it
    # Flask-WTF's CSRF token and the signed-in member) across test clients. Tests push their own.
    yield Host(app, north, south)
    with app.app_context():
        db.engine.dispose()


@contextmanager
def _loggers_kept() -> Iterator[None]:
    """The ``env.py`` that ``flask db init`` writes calls ``fileConfig``, which disables every logger
    that exists (a deployment runs it in its own process). In the test process it would silence the
    extension's loggers for every later test, so their enabled state is put back."""
    loggers = [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    disabled = {logger: logger.disabled for logger in loggers}
    try:
        yield
    finally:
        for logger, was_disabled in disabled.items():
            logger.disabled = was_disabled


def _seed() -> tuple[Workspace, Workspace]:
    digest = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # fast: tests sign in a lot
    north = Workspace(handle="north", title="North IT")
    south = Workspace(handle="south", title="South IT")
    db.session.add_all([north, south])
    db.session.flush()
    for workspace in (north, south):
        for role in ("owner", "engineer", "auditor"):
            email = f"{role}@{workspace.handle}.test"
            name = f"{role.title()} of {workspace.title}"
            db.session.add(
                Member(
                    workspace_id=workspace.id, email=email, display_name=name, password_hash=digest, role=role
                )
            )
    db.session.commit()
    db.session.refresh(north)
    db.session.refresh(south)
    db.session.expunge_all()
    return north, south
