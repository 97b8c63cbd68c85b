"""The host's pages, one blueprint per area; each blueprint sits behind ``require_login``."""

from __future__ import annotations

from flask import Flask

from . import assets, clients, dashboard, settings, tickets


def register_blueprints(app: Flask) -> None:
    for module in (dashboard, clients, assets, tickets, settings):
        app.register_blueprint(module.bp)
