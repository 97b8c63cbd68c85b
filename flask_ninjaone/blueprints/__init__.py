"""Thin HTTP layer: parse, authorize, call a service, render."""

from __future__ import annotations

from flask import Blueprint, Flask

from ..config import setting
from . import (
    action_audit,
    actions,
    alerts,
    assets,
    bulk_actions,
    compliance,
    device_types,
    field_map,
    inbox,
    mapping,
    navigation,
    remote,
    reports,
    rule_transfer,
    rules,
    settings,
    sites,
    sync,
)
from .states import install_error_pages, unknown_pages
from .webhook_receiver import register as register_receiver


def register_blueprints(app: Flask) -> None:
    """Mount the pages under ``NINJAONE_URL_PREFIX`` (the webhook receiver mounts outside it)."""
    prefix = setting("NINJAONE_URL_PREFIX", app)
    pages: tuple[tuple[Blueprint, str], ...] = (
        (settings.bp, ""),  # the settings page, its static files and the integrations card
        (mapping.bp, "/organizations"),
        (field_map.bp, "/fields"),  # custom fields -> asset attributes, last users -> contacts
        (sites.bp, "/organizations"),  # an organization's locations → the client's sites
        (device_types.bp, "/device-types"),  # node roles and classes → the host's asset types
        (sync.bp, "/sync"),
        (alerts.bp, "/alerts"),  # the alerts panel; alert rules and maintenance windows; the inbox
        (rules.bp, "/rules"),
        (rule_transfer.bp, "/rules/transfer"),  # export/import of the rules as JSON
        (inbox.bp, "/inbox"),
        (assets.bp, "/assets"),  # technician surfaces: panels, remote access, fleet views
        (remote.bp, "/remote"),
        (actions.bp, "/actions"),  # reboot, maintenance mode (ninjaone.actions)
        (bulk_actions.bp, "/actions/bulk"),  # the same for a selection of the asset list
        (action_audit.bp, "/actions/audit"),  # every device action, filtered, and its CSV
        (compliance.bp, "/compliance"),
        (reports.bp, "/reports"),  # warranties ending soon, billing counts (pages and CSV)
    )
    if prefix.strip("/"):  # with no prefix of its own, every unknown URL is the host's to answer
        pages += ((unknown_pages, ""),)
    install_error_pages([blueprint for blueprint, _ in pages])
    for blueprint, path in pages:
        app.register_blueprint(blueprint, url_prefix=prefix + path)
    app.register_blueprint(navigation.bp)  # the host's navigation entry and dashboard widget (no routes)
    register_receiver(app)
