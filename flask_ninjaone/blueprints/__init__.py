"""Thin HTTP layer: parse, authorize, call a service, render."""

from __future__ import annotations

from flask import Flask

from ..config import setting


def register_blueprints(app: Flask) -> None:
    """Mount the pages under ``NINJAONE_URL_PREFIX`` (the webhook receiver mounts outside it)."""
    from ..webhooks.receiver import register as register_receiver
    from .mapping import bp as mapping_bp
    from .settings import bp as settings_bp
    from .sync import bp as sync_bp

    prefix = setting("NINJAONE_URL_PREFIX", app)
    app.register_blueprint(settings_bp, url_prefix=prefix)
    app.register_blueprint(mapping_bp, url_prefix=prefix + "/organizations")
    app.register_blueprint(sync_bp, url_prefix=prefix + "/sync")
    register_receiver(app)

    from . import alerts, inbox, rules  # the alerts panel; alert rules and maintenance windows; the inbox

    app.register_blueprint(alerts.bp, url_prefix=prefix + "/alerts")
    app.register_blueprint(rules.bp, url_prefix=prefix + "/rules")
    app.register_blueprint(inbox.bp, url_prefix=prefix + "/inbox")

    from . import assets, compliance, remote  # technician surfaces: panels, remote access, fleet views

    for module, path in ((assets, "/assets"), (remote, "/remote"), (compliance, "/compliance")):
        app.register_blueprint(module.bp, url_prefix=prefix + path)

    from . import navigation  # the host's navigation entry and dashboard widget (no routes)

    app.register_blueprint(navigation.bp)
