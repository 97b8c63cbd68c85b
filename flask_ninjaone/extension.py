"""The Flask extension object: wiring only (config, key ring, blueprints, CLI, migrations)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic.config import Config as AlembicConfig
from cryptography.fernet import MultiFernet
from flask import Flask, appcontext_pushed, request

# Importing ``tasks`` registers the built-in tasks, here in the composition root, so every app and
# worker has them while ``jobs`` and the domain only name them (``jobs`` never imports ``tasks``).
from . import tasks, tenancy  # noqa: F401
from .blueprints import register_blueprints
from .cli import ninjaone_cli
from .config import ConfigError, apply_defaults, setting
from .connection import base_urls
from .crypto import build_fernet
from .host import HostAdapter
from .migrations_support import MIGRATIONS_DIR
from .state import NinjaOneState

#: The webhook receiver's blueprint: it authenticates itself, so Flask-WTF's CSRF check must skip it.
RECEIVER_BLUEPRINT = "ninjaone_webhooks"
log = logging.getLogger(__name__)


class NinjaOne:
    """NinjaOne RMM integration for a Flask PSA.

    Usage::

        db = SQLAlchemy(); db.init_app(app)
        Migrate(app, db, include_object=flask_ninjaone.include_object)
        NinjaOne(app, host=MyHostAdapter())

    Flask-SQLAlchemy must be initialised first: the extension uses the host's session and engine.
    """

    def __init__(self, app: Flask | None = None, *, host: HostAdapter | None = None) -> None:
        self.host = host
        if app is not None:
            self.init_app(app, host=host)

    def init_app(self, app: Flask, *, host: HostAdapter | None = None) -> None:
        """Register the extension on ``app``; raises on double registration or bad configuration."""
        if "ninjaone" in app.extensions:
            raise RuntimeError("flask-ninjaone is already registered on this app")
        host = host or self.host
        if not isinstance(host, HostAdapter):
            raise ConfigError("NinjaOne(app, host=...) needs a HostAdapter implementation")
        db = app.extensions.get("sqlalchemy")
        if db is None:
            raise ConfigError("Initialise Flask-SQLAlchemy (db.init_app(app)) before NinjaOne")
        apply_defaults(app)
        base_urls.check_config(app)
        fernet, key_error = self._key_ring(app)
        app.extensions["ninjaone"] = NinjaOneState(
            extension=self, host=host, db=db, fernet=fernet, key_error=key_error
        )
        tenancy.install()
        app.before_request(_bind_request_tenant)
        register_blueprints(app)
        _wire_into_other_extensions(app)
        if setting("NINJAONE_REGISTER_CLI", app):
            app.cli.add_command(ninjaone_cli)

    @staticmethod
    def _key_ring(app: Flask) -> tuple[MultiFernet | None, ConfigError | None]:
        """The key ring, or the reason there is none.

        A missing or malformed key must not stop the app from starting: every ``flask`` command
        (``flask db upgrade``, ``flask routes``, ``flask ninjaone generate-key`` — the command that
        makes the key) runs through the app factory. The error is raised where secrets are used
        (:func:`flask_ninjaone.crypto.fernet_for`), logged here, and reported by
        ``flask ninjaone doctor``.
        """
        try:
            return build_fernet(setting("NINJAONE_ENCRYPTION_KEYS", app)), None
        except ConfigError as exc:
            log.warning("flask-ninjaone: %s; pages, jobs and commands that use secrets will fail", exc)
            return None, exc


def _bind_request_tenant() -> None:
    """Bind the tenant of the request's user before any view runs. The webhook receiver is skipped:
    nobody is logged in there, it binds the integration's tenant itself, and it is the hot path."""
    if request.blueprint != RECEIVER_BLUEPRINT:
        tenancy.bind_request_tenant()


def _wire_into_other_extensions(app: Flask) -> None:
    """Exempt the webhook receiver from Flask-WTF's CSRF check and add our revisions to Flask-Migrate,
    whether the host initialises those extensions before or after this one.

    Looking for them only in ``init_app`` made the result depend on the host's init order, silently:
    with ``CSRFProtect`` initialised later every delivery got 400 "The CSRF token is missing", and with
    ``Migrate`` initialised later ``flask db upgrade heads`` never created our tables. So the check
    runs again whenever an app context is pushed (every request and every ``flask`` command pushes
    one before CSRF is checked or Alembic is configured) until each extension was found once.
    """
    wired: set[str] = set()

    def wire(sender: Flask, **_: object) -> None:
        if "csrf" not in wired and (csrf := sender.extensions.get("csrf")) is not None:
            csrf.exempt(sender.blueprints[RECEIVER_BLUEPRINT])
            wired.add("csrf")
        if "migrate" not in wired and (migrate := sender.extensions.get("migrate")) is not None:
            migrate.migrate.configure(add_version_location)
            wired.add("migrate")

    wire(app)
    appcontext_pushed.connect(wire, app, weak=False)


def add_version_location(config: AlembicConfig) -> AlembicConfig:
    """Flask-Migrate configure callback: append our revisions to the host's version locations."""
    existing = config.get_main_option("version_locations")
    if not existing:
        script_location = config.get_main_option("script_location")
        assert script_location is not None  # Flask-Migrate sets it to its migrations directory
        existing = str(Path(script_location) / "versions")
    locations = existing.split()
    if str(MIGRATIONS_DIR) not in locations:
        locations.append(str(MIGRATIONS_DIR))
    config.set_main_option("version_locations", " ".join(locations))
    return config
