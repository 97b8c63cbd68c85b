"""Thin HTTP layer: parse, authorize, call a service, render."""

from __future__ import annotations

from flask import Flask

from ..config import setting


def register_blueprints(app: Flask) -> None:
    """Mount the pages under ``NINJAONE_URL_PREFIX`` (the webhook receiver mounts outside it)."""
    from .mapping import bp as mapping_bp
    from .settings import bp as settings_bp
    from .sync import bp as sync_bp

    from ..webhooks.receiver import register as register_receiver

    prefix = setting("NINJAONE_URL_PREFIX", app)
    app.register_blueprint(settings_bp, url_prefix=prefix)
    app.register_blueprint(mapping_bp, url_prefix=prefix + "/organizations")
    app.register_blueprint(sync_bp, url_prefix=prefix + "/sync")
    register_receiver(app)
