"""Permission matrix: every extension route and method × admin, technician, viewer and anonymous.

The expected outcome comes from the permission the view declares (``ninjaone_permission``, set by
``access.require``) and the sample host's role table, never from a list kept here:

* anonymous → a redirect to the host's login page, which returns to a same-site page;
* a role without the permission → 403;
* a role with it → neither 403 nor a login redirect nor a server error (the request is the one that
  succeeds for the tenant's own objects, see ``routes.FORMS``).

The webhook receiver is the exception: no session opens it, whoever holds one (401 without the secret).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from flask_ninjaone.models import WebhookDelivery
from tests.support.security_routes import (
    RECEIVER,
    cases,
    request_kwargs,
    required_permission,
    role_may,
    route_app,
)
from tests.support.security_world import PREFIX, ROLES, post_delivery, state_changes, tenant_db

APP = route_app()
CASES = cases(APP)


def _is_login_redirect(response) -> bool:
    return response.status_code in (301, 302, 303) and urlsplit(response.headers["Location"]).path == "/login"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("route", "method"), CASES, ids=lambda value: str(value))
def test_permission_matrix(world, route, method, role) -> None:
    permission = required_permission(world.app, route.endpoint)
    assert permission is not None, f"{route.endpoint} declares no permission (see test_inventory.py)"
    acme = world.acme
    values = route.values(acme)
    url = route.url(values)
    kwargs = request_kwargs(route, method, acme, values, world.fakes["acme"].url)

    response = world.client(role, "acme").open(url, **kwargs)

    status = response.status_code
    if role == "anonymous" and url.endswith(".json"):
        assert status == 401 and response.is_json, f"anonymous {method} {url} answered {status}"
    elif role == "anonymous":
        assert _is_login_redirect(response), f"anonymous {method} {url} answered {status}"
        (next_url,) = parse_qs(urlsplit(response.headers["Location"]).query).get("next", ["/"])
        assert next_url.startswith("/") and not next_url.startswith("//"), next_url
    elif role_may(role, permission):
        assert status not in (401, 403) and status < 500, (
            f"{role} holds {permission} but {method} {url} answered {status}: "
            f"{response.get_data(as_text=True)[:300]}"
        )
        assert not _is_login_redirect(response), f"{role} was sent to log in by {method} {url}"
    else:
        assert status == 403, f"{role} lacks {permission} but {method} {url} answered {status}"


def test_the_matrix_has_every_role_outcome() -> None:
    """Admins may do everything; technicians and viewers meet both outcomes, so both branches run."""
    permissions = [required_permission(APP, route.endpoint) for route, _ in CASES]
    assert all(role_may("admin", permission) for permission in permissions)
    for role in ("technician", "viewer"):
        outcomes = {role_may(role, permission) for permission in permissions}
        assert outcomes == {True, False}, role


@pytest.mark.parametrize("role", ROLES)
def test_a_session_never_opens_the_webhook_receiver(world, role) -> None:
    """The receiver ignores sessions: a logged-in user (any role) without the secret header gets 401
    and nothing is stored; with the header the same request would be accepted."""
    client = world.client(role, "acme")
    activity = {"id": 990001, "activityTime": 1742391675.5, "activityType": "SYSTEM", "statusCode": "X"}
    response = client.post(world.acme.receiver_path, json=activity)
    assert response.status_code == 401
    with tenant_db(world.app, "acme") as session:
        assert session.query(WebhookDelivery).filter_by(activity_id=990001).count() == 0
    accepted = post_delivery(world.app, world.acme.receiver_path, world.acme.webhook_secret, activity)
    assert accepted.status_code == 202


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/static/ninjaone/ninjaone.css", 200),
        ("/static/../templates/ninjaone/settings.html", 404),
        ("/static/..%2Ftemplates%2Fninjaone%2Fsettings.html", 404),
        ("/static/%2e%2e/config.py", 404),
        ("/static/../../flask_ninjaone/config.py", 404),
    ],
)
def test_the_public_static_files_are_only_static_files(world, path: str, status: int) -> None:
    """The one extension endpoint anonymous users may open (NO_PERMISSION) serves its folder, nothing else."""
    response = world.client("anonymous").get(PREFIX + path)
    assert response.status_code == status, (path, response.status_code)
    if status == 200:
        assert response.mimetype == "text/css"


def test_the_receiver_takes_only_post(world) -> None:
    assert RECEIVER not in {route.endpoint for route, _ in CASES}  # it has its own tests above
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        response = world.client("admin").open(world.acme.receiver_path, method=method)
        assert response.status_code == 405, method


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_any_method_to_an_unknown_url_is_our_404_and_changes_nothing(world, role, method) -> None:
    before = world.state()
    response = world.client(role, "acme").open(PREFIX + "/no/such/page", method=method, data={"a": "1"})
    assert response.status_code == 404, (role, method, response.status_code)
    assert 'data-ninjaone-error="404"' in response.get_data(as_text=True)
    assert not state_changes(before, world.state())


def test_viewers_only_read() -> None:
    """A viewer (``ninjaone.view`` alone) may look at everything and start nothing: every POST needs more,
    because each one changes data here or starts work against the tenant's NinjaOne (API calls that
    count against its rate limit)."""
    posting_with_view_only = sorted(
        route.endpoint
        for route, method in CASES
        if method == "POST" and required_permission(APP, route.endpoint) == "ninjaone.view"
    )
    assert posting_with_view_only == []
