"""CSRF: with protection on (as in production), every state-changing route of the extension refuses a
request without a valid token of the user's own session — 400, nothing changed — and accepts the same
request with one. The webhook receiver is the only exemption; it authenticates by its secret instead."""

from __future__ import annotations

import re

import pytest

from tests.support.security_routes import STATE_CHANGING, cases, request_kwargs, route_app
from tests.support.security_world import PREFIX, login, post_delivery, state_changes

CASES = cases(route_app(), methods=STATE_CHANGING)
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def page_token(client, path: str = PREFIX + "/") -> str:
    """The CSRF token a page hands this client's session."""
    page = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def csrf_app(world):
    return world.make_app(WTF_CSRF_ENABLED=True)


def test_every_state_changing_route_is_in_the_matrix() -> None:
    assert len(CASES) >= 20
    assert all(method in STATE_CHANGING for _, method in CASES)


@pytest.mark.parametrize(("route", "method"), CASES, ids=lambda value: str(value))
def test_state_changing_routes_need_the_session_token(world, csrf_app, route, method) -> None:
    acme = world.acme
    values = route.values(acme)
    url = route.url(values)
    kwargs = request_kwargs(route, method, acme, values, world.fakes["acme"].url)
    form = dict(kwargs.pop("data", {}))
    client = login(csrf_app, "admin", "acme")
    foreign = page_token(login(csrf_app, "admin", "globex"))  # a valid token, of another session
    before = world.state()

    for label, token in (("no token", None), ("globex admin's token", foreign), ("a forged token", "x" * 40)):
        data = form if token is None else {**form, "csrf_token": token}
        response = client.open(url, data=data, **kwargs)
        assert response.status_code == 400, f"{method} {url} with {label} answered {response.status_code}"
        assert "CSRF" in response.get_data(as_text=True), f"{method} {url} failed for another reason"
    changes = state_changes(before, world.state())
    assert not changes, f"{method} {url} changed state without a valid token:\n" + "\n".join(
        map(str, changes)
    )

    accepted = client.open(url, data={**form, "csrf_token": page_token(client)}, **kwargs)
    assert accepted.status_code != 400, f"{method} {url} refuses even a valid token"


def test_the_token_travels_in_the_header_too(world, csrf_app) -> None:
    """Scripts (the remote button, the refresh buttons) send it as X-CSRFToken: that works, a wrong one
    does not."""
    client = login(csrf_app, "admin", "acme")
    url = f"{PREFIX}/assets/{world.acme.host_asset_id}/refresh"
    json_accept = {"Accept": "application/json"}
    assert client.post(url, headers={**json_accept, "X-CSRFToken": "nope"}).status_code == 400
    token = page_token(client)
    response = client.post(url, headers={**json_accept, "X-CSRFToken": token})
    assert response.status_code in (202, 409), response.get_data(as_text=True)  # 202: a job started


def test_the_receiver_is_exempt_and_authenticates_by_secret(world, csrf_app) -> None:
    activity = {"id": 991001, "activityTime": 1742391675.5, "activityType": "SYSTEM", "statusCode": "X"}
    path, secret = world.acme.receiver_path, world.acme.webhook_secret
    assert post_delivery(csrf_app, path, None, activity).status_code == 401
    assert post_delivery(csrf_app, path, secret, activity).status_code == 202
    assert post_delivery(csrf_app, path, secret, activity).status_code == 200  # duplicate


def test_gets_never_need_a_token(world, csrf_app) -> None:
    client = login(csrf_app, "admin", "acme")
    for route, method in cases(route_app(), methods=frozenset({"GET"})):
        values = route.values(world.acme)
        response = client.open(route.url(values), **request_kwargs(route, method, world.acme, values, ""))
        assert response.status_code != 400 or "CSRF" not in response.get_data(as_text=True), route
