"""A minimal host app used by the migration tests, run from an installed wheel in a subprocess.

It owns one table of its own (``widgets``) so the tests can prove our migrations and the host's
live side by side and that removing ours leaves the host's alone. Its adapter is never called by
these tests, so every method refuses loudly.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from flask_ninjaone import HostAdapter, NinjaOne, include_object

db = SQLAlchemy()


class Widget(db.Model):  # type: ignore[name-defined]
    __tablename__ = "widgets"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)


def _refuse(name: str):
    def method(self, *args, **kwargs):
        raise AssertionError(f"adapter method {name} must not be called by migrations")

    return method


#: Satisfies the ABC; the migration tests never reach the adapter.
UnusedAdapter = type(
    "UnusedAdapter", (HostAdapter,), {name: _refuse(name) for name in HostAdapter.__abstractmethods__}
)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config["NINJAONE_ENCRYPTION_KEYS"] = os.environ["NINJAONE_ENCRYPTION_KEYS"]
    db.init_app(app)
    migrate = Migrate(directory=os.environ["MIGRATIONS_DIR"], include_object=include_object)
    if os.environ.get("INIT_ORDER") == "ninjaone-first":  # the order must not matter
        NinjaOne(app, host=UnusedAdapter())
        migrate.init_app(app, db)
    else:
        migrate.init_app(app, db)
        NinjaOne(app, host=UnusedAdapter())
    return app
