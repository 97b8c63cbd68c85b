"""A small but real PSA (tickets, assets, clients) that hosts flask-ninjaone the way any PSA would.

Run it with ``flask --app sample_host run`` after ``flask --app sample_host db upgrade heads`` and
``flask --app sample_host seed``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, send_from_directory
from flask.typing import ResponseReturnValue
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from flask_ninjaone import NinjaOne
from flask_ninjaone import include_object as ninjaone_include_object

from . import auth
from .adapter import SampleHostAdapter
from .config import load_config
from .database import db
from .seed import seed_command
from .templating import register_template_helpers
from .views import register_blueprints

#: The host's Alembic repository lives at the repository root, next to (not inside) the package.
MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: environment config, then ``test_config`` on top, then the extensions.

    The database comes first (the extension uses its session); Flask-Migrate gets the extension's
    ``include_object`` (so autogenerating a host revision never picks up ``ninjaone_*`` tables).
    Flask-Migrate and CSRF protection may come before or after the extension, which finds them
    either way (to add its revisions and exempt its webhook receiver).
    """
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(os.environ, app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)

    db.init_app(app)
    Migrate(app, db, directory=MIGRATIONS_DIR, include_object=ninjaone_include_object)
    CSRFProtect(app)
    NinjaOne(app, host=SampleHostAdapter())

    app.register_blueprint(auth.bp)
    register_blueprints(app)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    register_template_helpers(app)
    app.cli.add_command(seed_command)
    return app


def _favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico on pages that name no icon (JSON, files): the same SVG as the
    layout's ``<link rel="icon">``, instead of a 404 in every log."""
    return send_from_directory(current_app.static_folder or "static", "favicon.svg", mimetype="image/svg+xml")
