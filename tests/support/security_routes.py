"""Every route of the extension, read from the app's URL map, and how to call each one.

A new route is covered by every matrix of this suite automatically: its URL parameters are filled from
:data:`OBJECT_PARAMS` (an object of the requesting tenant or of the other one) or :data:`FIXED_PARAMS`,
and its expected outcome per role comes from the ``ninjaone_permission`` its ``access.require``
decorator sets. A parameter name that neither table knows fails the inventory test with a message
saying what to add; so does a POST route without a form in :data:`FORMS` (the matrices must send a
body that would *succeed* for the tenant's own object, or a 404 could just be a rejected form).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from flask_ninjaone.host import Permission
from sample_host.roles import ROLE_PERMISSIONS
from tests.support.security_world import CLIENT_ID, TenantWorld, make_security_app

RECEIVER = "ninjaone_webhooks.receive"
STATIC = "ninjaone.static"
UNKNOWN = "ninjaone_unknown.unknown_page"
#: Extension endpoints that carry no ``ninjaone_permission``, and why that is right.
NO_PERMISSION = {
    STATIC: "the extension's CSS and JavaScript are public",
    RECEIVER: "NinjaOne is not a user: it authenticates with the per-integration secret header",
    UNKNOWN: "a URL no page answers, whatever the method: the 404 page, to anyone, reveals nothing",
}
#: Views that authorize by hand instead of with ``access.require`` (see test_inventory.py): the
#: permission they enforce, so the matrices still check them.
#: Views that check their permission by hand and declare no ``ninjaone_permission`` (none today: the
#: two that authorize by hand — the OAuth callback and Remote Connect — declare it).
AUTHORIZED_BY_HAND: dict[str, Permission] = {}
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: URL parameter → the value naming an object of ``tenant``. Extend it when a route takes a new kind
#: of object: the isolation matrix then requests the other tenant's object through it.
OBJECT_PARAMS: dict[str, Callable[[TenantWorld], Any]] = {
    "organization_id": lambda t: t.organization_id,
    "run_id": lambda t: t.run_id,
    "alert_id": lambda t: t.alert_id,
    "series_uid": lambda t: t.series_uid,
    "rule_id": lambda t: t.rule_id,
    "test_id": lambda t: t.rule_test_id,
    "window_id": lambda t: t.window_id,
    "asset_id": lambda t: t.host_asset_id,
    "host_asset_id": lambda t: t.host_asset_id,
    "ticket_id": lambda t: t.ticket_id,
    "device_id": lambda t: t.device_id,
    "public_id": lambda t: t.public_id,
    "integration_id": lambda t: t.integration_id,
    "delivery_id": lambda t: t.delivery_id,
    "audit_id": lambda t: t.audit_id,
    "entry_id": lambda t: t.audit_id,
    "client_id": lambda t: t.client_id,
    "mapping_id": lambda t: t.field_mapping_id,
    "location_id": lambda t: t.location_id,
    "type_rule_id": lambda t: t.type_rule_id,
}
#: URL parameters that do not name a tenant's object, with a value that works.
FIXED_PARAMS: dict[str, str] = {
    "direction": "up",
    "filename": "ninjaone/ninjaone.css",
    "path": "no/such/page",
}

_PARAM = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_CONVERTED = re.compile(r"<(?:([^<>:(]+)(?:\([^<>]*\))?:)?([^<>]+)>")

RULE_FORM = {
    "name": "Posted rule",
    "active": "y",
    "mode": "create_ticket",
    "priority": "",
    "assignee_id": "",
    "reopen_window_hours": "0",
    "flap_cycles": "3",
    "flap_minutes": "60",
}
WINDOW_FORM = {
    "name": "Posted window",
    "recurrence": "none",
    "timezone": "UTC",
    "organization_id": "",
    "starts_at": "2032-01-01T00:00",
    "ends_at": "2032-01-01T02:00",
}

FormBuilder = Callable[[TenantWorld, TenantWorld, dict[str, Any], str], dict[str, Any]]
"""(requesting tenant, tenant whose objects the body names, URL parameter values, the requester's fake
NinjaOne URL) → form body."""

#: Endpoint → body of a state-changing request that succeeds for the requesting tenant's own objects
#: (``t``: requester, ``s``: whose objects the body names, ``p``: URL parameters, ``url``: its fake).
FORMS: dict[str, FormBuilder] = {
    "ninjaone.save_credentials": lambda t, s, p, url: {
        "client_id": CLIENT_ID,
        "client_secret": "",
        "region": "custom",
        "custom_url": url,
    },  # fmt: skip
    "ninjaone.save_sync_settings": lambda t, s, p, url: {
        "auto_sync": "y",
        "sync_interval_minutes": "30",
        "inventory_interval_minutes": "120",
    },  # fmt: skip
    "ninjaone.connect": lambda t, s, p, url: {},
    "ninjaone.disconnect": lambda t, s, p, url: {},
    "ninjaone.rotate_webhook_secret": lambda t, s, p, url: {},
    "ninjaone.revoke_previous_webhook_secret": lambda t, s, p, url: {},
    "ninjaone.rename_instance": lambda t, s, p, url: {"name": "Renamed instance"},
    # Without disconnect=1 a connected instance is refused (the world's stay connected for the next case).
    "ninjaone.remove_instance": lambda t, s, p, url: {},
    "ninjaone_sync.answer_adoption": lambda t, s, p, url: {"answer": "link"},
    "ninjaone_mapping.update": lambda t, s, p, url: {
        f"org{p['organization_id']}-client_id": t.client_id,
        f"org{p['organization_id']}-auto_sync": "y",
    },  # fmt: skip
    "ninjaone_mapping.create_client": lambda t, s, p, url: {},
    # The confirmed list; a list that is not the current one changes nothing (a 302 back to the page).
    "ninjaone_mapping.apply_suggestions": lambda t, s, p, url: {"plan": "[]"},
    "ninjaone_mapping.create_clients": lambda t, s, p, url: {"plan": "[]"},
    # Unmapping a location of the tenant's mapped organization (the empty choice: no site).
    "ninjaone_sites.update": lambda t, s, p, url: {f"loc{p['location_id']}-site_id": ""},
    "ninjaone_sites.create_site": lambda t, s, p, url: {},
    "ninjaone_device_types.save": lambda t, s, p, url: {
        "organization_id": str(s.organization_id),
        "match": "class:WINDOWS_SERVER",
        "host_asset_type": "server",
    },  # fmt: skip
    "ninjaone_device_types.delete": lambda t, s, p, url: {},
    "ninjaone_sync.sync_now": lambda t, s, p, url: {"kind": "incremental"},
    "ninjaone_alerts.acknowledge": lambda t, s, p, url: {"integration": str(s.integration_id)},
    "ninjaone_alerts.resolve": lambda t, s, p, url: {"integration": str(s.integration_id)},
    "ninjaone_alerts.create_ticket": lambda t, s, p, url: {"integration": str(s.integration_id)},
    "ninjaone_rules.create": lambda t, s, p, url: dict(RULE_FORM),
    "ninjaone_rules.edit": lambda t, s, p, url: dict(RULE_FORM),
    "ninjaone_rules.delete": lambda t, s, p, url: {},
    "ninjaone_rules.move": lambda t, s, p, url: {},
    "ninjaone_rules.toggle": lambda t, s, p, url: {},
    "ninjaone_rules.start_test": lambda t, s, p, url: {"limit": "50"},
    "ninjaone_rules.maintenance": lambda t, s, p, url: dict(WINDOW_FORM),
    "ninjaone_rules.delete_window": lambda t, s, p, url: {},
    "ninjaone_rule_transfer.import_rules": lambda t, s, p, url: {
        "document": '{"format": "flask-ninjaone/alert-rules", "version": 1, "rules": []}',
        "mode": "append",
        "confirm": "1",
    },  # fmt: skip
    "ninjaone_assets.refresh": lambda t, s, p, url: {},
    "ninjaone_assets.sync_selected": lambda t, s, p, url: {"asset_ids": [s.host_asset_id]},
    "ninjaone_remote.connect": lambda t, s, p, url: {},
    "ninjaone_actions.reboot": lambda t, s, p, url: {"mode": "NORMAL", "submission": "security-matrix"},
    "ninjaone_actions.maintenance": lambda t, s, p, url: {"op": "end", "submission": "security-matrix"},
    # The security world connects by client credentials, so the tenant's own request is refused with
    # 409 "made by signing in" (test_isolation.EXPECTED_STATUS); the other tenant's asset gets 404 first.
    "ninjaone_actions.script": lambda t, s, p, url: {"script": "1", "submission": "security-matrix"},
    "ninjaone_actions.patch": lambda t, s, p, url: {
        "op": "scan",
        "target": "os",
        "submission": "security-matrix",
    },
    # Maintenance needs no online agent, so the tenant's own device takes it whatever its state; a
    # selection naming only the other tenant's asset is 404 (none of them is this tenant's device).
    "ninjaone_bulk_actions.bulk": lambda t, s, p, url: {
        "kind": "maintenance",
        "asset_ids": [s.host_asset_id],
        "end": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "features": "ALERTS",
        "submission": "security-matrix",
    },
    "ninjaone_compliance.refresh": lambda t, s, p, url: {},
    "ninjaone_inbox.replay": lambda t, s, p, url: {"include_failed": "1"},
    "ninjaone_fields.save": lambda t, s, p, url: {
        "field_name": "assetTag",
        "attribute": "asset_tag",
        "two_way": "y",
    },
    "ninjaone_fields.remove": lambda t, s, p, url: {},
    "ninjaone_fields.contacts": lambda t, s, p, url: {"link_contacts": "y", "create_contacts": "y"},
}
#: Endpoint → query string of a GET that names objects of the requesting tenant (or, in the isolation
#: matrix, of the other one) or searches for its data.
QUERIES: dict[str, Callable[[TenantWorld], dict[str, Any]]] = {
    "ninjaone_assets.open_selected": lambda t: {"asset_ids": [t.host_asset_id]},
    # "Suite" finds both tenants' marked titles without the search term itself containing a marker.
    "ninjaone_compliance.software": lambda t: {"name": t.software_name.split()[-1]},
    "ninjaone_compliance.software_csv": lambda t: {"name": t.software_name.split()[-1]},
    "ninjaone_compliance.index": lambda t: {"client": t.client_id},
    "ninjaone_compliance.export": lambda t: {"client": t.client_id},
    "ninjaone_reports.warranties_page": lambda t: {"client": t.client_id, "days": "3650"},
    "ninjaone_reports.warranties_csv": lambda t: {"client": t.client_id, "days": "3650"},
    "ninjaone_reports.billing_page": lambda t: {"client": t.client_id},
    "ninjaone_reports.billing_csv": lambda t: {"client": t.client_id},
    "ninjaone_alerts.index": lambda t: {"status": "all", "client": t.client_id},
    "ninjaone_action_audit.index": lambda t: {"q": str(t.device_id), "state": "confirmed"},
    "ninjaone_action_audit.export": lambda t: {"q": str(t.device_id), "state": "confirmed"},
    "ninjaone.oauth_callback": lambda t: {},
}


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    methods: tuple[str, ...]
    params: tuple[str, ...]

    @property
    def text_params(self) -> tuple[str, ...]:
        """Parameters any text reaches the view through (the default and ``string``/``path`` converters)."""
        return tuple(
            name
            for converter, name in _CONVERTED.findall(self.rule)
            if converter in ("", "string", "path", "any")
        )

    @property
    def object_params(self) -> tuple[str, ...]:
        return tuple(name for name in self.params if name in OBJECT_PARAMS)

    def values(self, tenant: TenantWorld) -> dict[str, Any]:
        """URL parameter values naming ``tenant``'s objects."""
        values: dict[str, Any] = {}
        for name in self.params:
            if name in OBJECT_PARAMS:
                values[name] = OBJECT_PARAMS[name](tenant)
            elif name in FIXED_PARAMS:
                values[name] = FIXED_PARAMS[name]
            else:
                raise AssertionError(unknown_param_message(self, name))
        return values

    def url(self, values: dict[str, Any]) -> str:
        return _PARAM.sub(lambda match: str(values[match.group(1)]), self.rule)

    def __str__(self) -> str:
        return f"{self.endpoint} {self.rule}"


def extension_routes(app: Flask) -> list[Route]:
    """Every URL rule of the extension (endpoints ``ninjaone…``), the webhook receiver included."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("ninjaone"):
            continue
        methods = tuple(sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
        routes.append(Route(rule.endpoint, rule.rule, methods, tuple(_PARAM.findall(rule.rule))))
    return sorted(routes, key=lambda route: (route.rule, route.endpoint))


def unknown_params(route: Route) -> list[str]:
    return [name for name in route.params if name not in OBJECT_PARAMS and name not in FIXED_PARAMS]


def unknown_param_message(route: Route, name: str) -> str:
    return (
        f"{route} takes the URL parameter {name!r}, which tests/support/security_routes.py does not know. "
        f"If it names a tenant's object, add {name!r} to OBJECT_PARAMS (and give TenantWorld/build_world "
        "in tests/support/security_world.py such an object for both tenants) so the isolation matrix "
        "requests "
        f"the other tenant's one; otherwise add a working value to FIXED_PARAMS."
    )


@functools.cache
def route_app() -> Flask:
    """An app for reading the URL map at collection time (its database is never touched)."""
    return make_security_app("sqlite://")


def required_permission(app: Flask, endpoint: str) -> Permission | None:
    """What the view demands: its declared ``ninjaone_permission``, else the hand-checked one."""
    declared = getattr(app.view_functions[endpoint], "ninjaone_permission", None)
    return declared if declared is not None else AUTHORIZED_BY_HAND.get(endpoint)


def role_may(role: str, permission: Permission) -> bool:
    return role != "anonymous" and permission in ROLE_PERMISSIONS[role]


def cases(app: Flask, *, methods: frozenset[str] | None = None) -> list[tuple[Route, str]]:
    """(route, method) pairs of the pages and actions (not the static files, not the receiver)."""
    found = []
    for route in extension_routes(app):
        if route.endpoint in NO_PERMISSION:
            continue
        for method in route.methods:
            if methods is None or method in methods:
                found.append((route, method))
    return found


def request_kwargs(
    route: Route, method: str, requester: TenantWorld, values: dict[str, Any], fake_url: str,
    subject: TenantWorld | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Arguments of ``client.open`` for ``route``: query or form built for ``requester`` whose object
    references point at ``subject`` (default: the requester's own)."""
    subject = subject or requester
    kwargs: dict[str, Any] = {"method": method}
    if method in STATE_CHANGING:
        kwargs["data"] = FORMS[route.endpoint](requester, subject, values, fake_url)
    elif route.endpoint in QUERIES:
        kwargs["query_string"] = QUERIES[route.endpoint](subject)
    return kwargs
