"""The route inventory the matrices are built from stays complete: every extension route is known, every
view declares the permission it enforces, and only the webhook receiver is exempt from CSRF."""

from __future__ import annotations

import pytest

from flask_ninjaone.config import setting
from flask_ninjaone.host import Permission
from tests.support.security_routes import (
    AUTHORIZED_BY_HAND,
    FORMS,
    NO_PERMISSION,
    RECEIVER,
    STATE_CHANGING,
    STATIC,
    UNKNOWN,
    extension_routes,
    route_app,
    unknown_param_message,
    unknown_params,
)

APP = route_app()
ROUTES = extension_routes(APP)
ENDPOINTS = sorted({route.endpoint for route in ROUTES})


def test_the_url_map_has_the_extension_routes() -> None:
    """Guards the enumeration itself: an empty or partial list would make every matrix vacuous."""
    assert len(ROUTES) >= 40
    for endpoint in (
        RECEIVER,
        STATIC,
        "ninjaone.settings",
        "ninjaone_alerts.detail",
        "ninjaone_remote.connect",
    ):
        assert endpoint in ENDPOINTS


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_url_parameter_is_known(route) -> None:
    problems = [unknown_param_message(route, name) for name in unknown_params(route)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("route", [r for r in ROUTES if set(r.methods) & STATE_CHANGING], ids=str)
def test_every_state_changing_route_has_a_form(route) -> None:
    if route.endpoint in (RECEIVER, UNKNOWN):  # UNKNOWN changes nothing: test_permissions.py checks it
        return
    assert route.endpoint in FORMS, (
        f"{route} changes state but tests/support/security_routes.py FORMS has no body for it: add one that "
        "succeeds for the requesting tenant's own objects (the isolation, permission and CSRF matrices "
        "send it)."
    )


def _declaration_cases() -> list[object]:
    cases = []
    for endpoint in ENDPOINTS:
        if endpoint in NO_PERMISSION:
            continue
        marks = []
        if endpoint in AUTHORIZED_BY_HAND:
            marks.append(
                pytest.mark.xfail(
                    strict=True,
                    reason=(
                        f"BUG (contract): {endpoint} authorizes by hand (correctly: see the permission "
                        "matrix) "
                        "but carries no ninjaone_permission; set it to "
                        f"Permission.{AUTHORIZED_BY_HAND[endpoint].name} and drop it from AUTHORIZED_BY_HAND"
                    ),
                )
            )
        cases.append(pytest.param(endpoint, marks=marks, id=endpoint))
    return cases


@pytest.mark.parametrize("endpoint", _declaration_cases())
def test_every_view_declares_its_permission(endpoint: str) -> None:
    permission = getattr(APP.view_functions[endpoint], "ninjaone_permission", None)
    assert isinstance(permission, Permission), (
        f"{endpoint} has no ninjaone_permission: protect it with @access.require(Permission.X), or, if it "
        "must be reachable without a user, add it to NO_PERMISSION in tests/support/security_routes.py "
        "with the reason."
    )


def test_the_exception_lists_name_real_views() -> None:
    for endpoint in [*NO_PERMISSION, *AUTHORIZED_BY_HAND]:
        assert endpoint in APP.view_functions, f"{endpoint} no longer exists: drop it from routes.py"
    for endpoint in NO_PERMISSION:
        assert getattr(APP.view_functions[endpoint], "ninjaone_permission", None) is None
    for endpoint, permission in AUTHORIZED_BY_HAND.items():
        declared = getattr(APP.view_functions[endpoint], "ninjaone_permission", None)
        assert declared in (None, permission), f"{endpoint} declares {declared}, routes.py says {permission}"


def test_routes_live_under_their_prefixes() -> None:
    with APP.app_context():
        pages, hooks = setting("NINJAONE_URL_PREFIX"), setting("NINJAONE_WEBHOOK_PREFIX")
    for route in ROUTES:
        expected = hooks if route.endpoint == RECEIVER else pages
        assert route.rule.startswith(expected.rstrip("/") + "/"), route


def test_only_the_receiver_is_exempt_from_csrf() -> None:
    csrf = APP.extensions["csrf"]
    exempt_blueprints = {bp.name for bp in csrf._exempt_blueprints}
    assert {name for name in exempt_blueprints if name.startswith("ninjaone")} == {"ninjaone_webhooks"}
    exempt_views = {
        endpoint
        for endpoint, view in APP.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    assert not {endpoint for endpoint in exempt_views if endpoint.startswith("ninjaone")}
    assert APP.url_map.iter_rules(RECEIVER)
    assert all(
        rule.endpoint == RECEIVER for rule in APP.url_map.iter_rules() if rule.rule.startswith("/webhooks")
    )
