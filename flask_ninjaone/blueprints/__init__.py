"""Thin HTTP layer: parse, authorize, call a service, render."""

from __future__ import annotations

from flask import Flask

from ..config import setting


def register_blueprints(app: Flask) -> None:
    """Mount the pages under ``NINJAONE_URL_PREFIX``."""
    from .settings import bp as settings_bp

    app.register_blueprint(settings_bp, url_prefix=setting("NINJAONE_URL_PREFIX", app))
