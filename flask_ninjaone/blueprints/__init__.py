"""Thin HTTP layer: parse, authorize, call a service, render."""

from __future__ import annotations

from flask import Flask

from ..config import setting
from ..webhooks.receiver import register as register_receiver
from . import alerts, assets, compliance, inbox, mapping, navigation, remote, rules, settings, sync
from .states import install_error_pages


def register_blueprints(app: Flask) -> None:
    """Mount the pages under ``NINJAONE_URL_PREFIX`` (the webhook receiver mounts outside it)."""
    prefix = setting("NINJAONE_URL_PREFIX", app)
    pages = (
        (settings.bp, ""),  # the settings page, its static files and the integrations card
        (mapping.bp, "/organizations"),
        (sync.bp, "/sync"),
        (alerts.bp, "/alerts"),  # the alerts panel; alert rules and maintenance windows; the inbox
        (rules.bp, "/rules"),
        (inbox.bp, "/inbox"),
        (assets.bp, "/assets"),  # technician surfaces: panels, remote access, fleet views
        (remote.bp, "/remote"),
        (compliance.bp, "/compliance"),
    )
    install_error_pages([blueprint for blueprint, _ in pages])
    for blueprint, path in pages:
        app.register_blueprint(blueprint, url_prefix=prefix + path)
    app.register_blueprint(navigation.bp)  # the host's navigation entry and dashboard widget (no routes)
    register_receiver(app)
