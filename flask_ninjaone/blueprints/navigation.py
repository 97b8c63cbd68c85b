"""What the extension contributes to the host's own pages: a navigation entry and a dashboard widget.

Without them most pages (alerts, rules, compliance…) could only be reached by typing their URL.
Hosts place them like the technician panels, as template globals::

    {{ ninjaone_nav() }}                 {# the host's main navigation: a "NinjaOne" menu #}
    {{ ninjaone_nav(variant="links") }}  {# a sidebar or settings page: the same entries as a list #}
    {{ ninjaone_dashboard_widget() }}    {# the host's dashboard #}
    {% for entry in ninjaone_nav_entries() %}…{% endfor %}   {# build your own markup #}

Each lists only what the current user may open and renders nothing for a user without
``ninjaone.view``, so the host needs no permission checks of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup

from ..connection.health import overview
from ..host import Permission
from ..state import get_state
from ..tenancy import current_tenant_id

bp = Blueprint("ninjaone_navigation", __name__, template_folder="../templates")

#: Every page a person opens from the navigation, in menu order: (title, endpoint, permission).
PAGES: tuple[tuple[str, str, Permission], ...] = (
    ("Alerts", "ninjaone_alerts.index", Permission.VIEW),
    ("Rules", "ninjaone_rules.index", Permission.MANAGE),
    ("Maintenance windows", "ninjaone_rules.maintenance", Permission.MANAGE),
    ("Compliance", "ninjaone_compliance.index", Permission.VIEW),
    ("Software search", "ninjaone_compliance.software", Permission.VIEW),
    ("Warranties", "ninjaone_reports.warranties_page", Permission.VIEW),
    ("Billing counts", "ninjaone_reports.billing_page", Permission.VIEW),
    ("Organizations", "ninjaone_mapping.index", Permission.VIEW),
    ("Sync", "ninjaone_sync.history", Permission.VIEW),
    ("Device actions", "ninjaone_action_audit.index", Permission.ACTIONS),
    ("Remote access log", "ninjaone_remote.audit", Permission.MANAGE),
    ("Webhook inbox", "ninjaone_inbox.index", Permission.VIEW),
    ("Settings", "ninjaone.settings", Permission.VIEW),
)


@dataclass(frozen=True)
class NavEntry:
    title: str
    url: str
    endpoint: str
    active: bool = False


def _signed_in() -> bool:
    host = get_state().host
    return host.current_user() is not None and current_tenant_id() is not None


def _active_endpoint(allowed: list[tuple[str, str]]) -> str | None:
    """The entry of the current page: its own endpoint, else the first entry of its blueprint (an
    alert's detail page highlights Alerts)."""
    endpoint = request.endpoint or ""
    if any(endpoint == candidate for _, candidate in allowed):
        return endpoint
    blueprint = endpoint.rpartition(".")[0]
    return next((candidate for _, candidate in allowed if candidate.startswith(blueprint + ".")), None)


@bp.app_template_global("ninjaone_nav_entries")
def nav_entries() -> list[NavEntry]:
    """The pages the current user may open, with the current one marked ``active``."""
    if not _signed_in():
        return []
    host = get_state().host
    allowed = [(title, endpoint) for title, endpoint, permission in PAGES if host.has_permission(permission)]
    active = _active_endpoint(allowed)
    return [NavEntry(title, url_for(endpoint), endpoint, endpoint == active) for title, endpoint in allowed]


@bp.app_template_global("ninjaone_nav")
def render_nav(variant: str = "menu", title: str = "NinjaOne") -> Markup:
    """``menu``: one "NinjaOne" item of the host's main navigation that opens a list of the pages
    (no script: a ``<details>`` element); ``links``: the list alone."""
    entries = nav_entries()
    if not entries:
        return Markup("")
    variant = variant if variant in ("menu", "links") else "menu"
    return Markup(render_template("ninjaone/nav.html", entries=entries, variant=variant, title=title))


@bp.app_template_global("ninjaone_dashboard_widget")
def render_dashboard_widget() -> Markup:
    """Open alerts by severity, devices offline and sync health, each linking to its page."""
    if not _signed_in() or not get_state().host.has_permission(Permission.VIEW):
        return Markup("")
    return Markup(
        render_template("ninjaone/dashboard_widget.html", overview=overview(get_state().db.session))
    )
