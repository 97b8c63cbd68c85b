"""Tenant isolation matrix: an acme admin, on every extension route and method, never reaches globex.

* A route whose URL names an object (``<alert_id>``, ``<asset_id>``…) is requested with *globex's*
  object: the answer is 404, and neither the body nor the redirect carries any globex data.
* A route without object parameters (lists, dashboards, JSON, CSV, bulk actions) is requested with
  acme's own context, its query or form naming globex's objects where it takes any: the answer
  contains none of globex's identifying strings.
* Whatever acme does, no row of globex's changes; a request about a globex object changes nothing at
  all (except acme's own audit trail of the attempt).

Routes come from the URL map (``routes.py``), so a new route is in the matrix without editing this file.
"""

from __future__ import annotations

import pytest

from tests.support.security_routes import (
    RULE_FORM,
    STATE_CHANGING,
    WINDOW_FORM,
    cases,
    request_kwargs,
    route_app,
)
from tests.support.security_world import PREFIX, globex_markers, state_changes, user_id_of

CASES = cases(route_app())

#: Routes that answer a request about another tenant's object with something other than 404 (no data
#: leaks and nothing changes — the rest of the test still checks that), with the reason.
NOT_404: dict[
    tuple[str, str], str
] = {}  # every foreign object answers 404 (fixed bugs used to be listed here)
#: Changes a request about another tenant's object may still make: the requester's own audit entry.
AUDIT_TABLE = "ninjaone_audit_log"


def _case(route, method):
    marks = []
    reason = NOT_404.get((method, route.endpoint))
    if reason is not None:
        marks.append(pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(route, method, marks=marks, id=f"{method} {route.endpoint}")


def test_the_matrix_covers_object_routes_and_pages() -> None:
    assert sum(1 for route, _ in CASES if route.object_params) >= 15
    assert sum(1 for route, _ in CASES if not route.object_params) >= 15
    assert {endpoint for _, endpoint in NOT_404} <= {route.endpoint for route, _ in CASES}


@pytest.mark.parametrize(("route", "method"), [_case(route, method) for route, method in CASES])
def test_acme_admin_never_reaches_globex(world, route, method) -> None:
    acme, globex = world.acme, world.globex
    about_an_object = bool(route.object_params)
    values = route.values(globex if about_an_object else acme)
    url = route.url(values)
    kwargs = request_kwargs(route, method, acme, values, world.fakes["acme"].url, subject=globex)
    before = world.state()

    response = world.client("admin", "acme").open(url, **kwargs)

    body = response.get_data(as_text=True)
    location = response.headers.get("Location", "")
    leaked = [marker for marker in globex_markers(world.info) if marker in body or marker in location]
    assert not leaked, f"{method} {url} ({response.status_code}) shows globex's {leaked}"
    assert response.status_code < 500, f"{method} {url} answered {response.status_code}"

    changes = state_changes(before, world.state())
    touched = [str(change) for change in changes if change.owner == globex.tenant_id]
    assert not touched, f"{method} {url} changed globex's rows:\n" + "\n".join(touched)
    if about_an_object:
        unexpected = [
            str(change)
            for change in changes
            if not (change.table == AUDIT_TABLE and change.owner == acme.tenant_id and change.kind == "added")
        ]
        assert not unexpected, f"{method} {url} about globex's object changed:\n" + "\n".join(unexpected)
        assert response.status_code == 404, (
            f"{method} {url} about globex's object answered {response.status_code}"
        )


#: The world's alert already has its ticket: asking for another is refused, after the alert was found;
#: the world's webhook was never rotated, so there is no previous secret to revoke.
EXPECTED_REFUSALS = {
    "ninjaone_alerts.create_ticket": "This alert already has an open ticket",
    "ninjaone.revoke_previous_webhook_secret": "There is no previous webhook secret to revoke",
    # The world's instances stay connected (the form does not ask to disconnect), and its device was
    # never held by an adoption question: both refused after the instance and device were found.
    "ninjaone.remove_instance": "is connected: nothing was removed",
    "ninjaone_sync.answer_adoption": "No adoption question about device",
}
#: Routes whose own-object request the world cannot satisfy, with the status and sentence that prove
#: the request got past the tenant checks (a 404 for the other tenant is then about the tenant): scripts
#: need a connection made by signing in, and the world's connections use client credentials.
EXPECTED_STATUS = {
    "ninjaone_actions.script": (409, "Scripts need a NinjaOne connection made by signing in"),
}


@pytest.mark.parametrize(("route", "method"), [(r, m) for r, m in CASES if m in STATE_CHANGING], ids=str)
def test_the_same_request_works_on_acme_own_object(world, route, method) -> None:
    """The control group: the body the matrix sends does succeed for acme's own objects, so the 404s
    above are about the tenant, not about a form the route would have refused anyway."""
    acme = world.acme
    values = route.values(acme)
    kwargs = request_kwargs(route, method, acme, values, world.fakes["acme"].url)
    client = world.client("admin", "acme")
    response = client.open(route.url(values), **kwargs)
    if route.endpoint in EXPECTED_STATUS:
        status, sentence = EXPECTED_STATUS[route.endpoint]
        assert response.status_code == status and sentence in response.get_data(as_text=True), route
        return
    assert response.status_code in (200, 302, 303), (
        route,
        response.status_code,
        response.get_data(as_text=True),
    )
    location = response.headers.get("Location", "")
    if location.startswith("/"):  # back to one of our pages: it must not report a failure
        page = client.get(location).get_data(as_text=True)
        expected = EXPECTED_REFUSALS.get(route.endpoint)
        if expected:
            assert expected in page, (route, page)
        else:
            assert "flash-error" not in page, (route, page[page.find("flash-error") :][:300])


def _user_id(world, role: str, slug: str) -> str:
    return str(user_id_of(world.app, role, slug))


BODY_REFERENCES = {
    "rule assigned to a globex user": (
        "/rules/new", lambda w: {**RULE_FORM, "assignee_id": _user_id(w, "admin", "globex")},
    ),
    "rule notifying a globex user": (
        "/rules/new", lambda w: {**RULE_FORM, "notify_user_ids": [_user_id(w, "technician", "globex")]},
    ),
    "rule limited to a globex organization": (
        "/rules/new", lambda w: {**RULE_FORM, "organization_ids": [str(w.globex.organization_id)]},
    ),
    "maintenance window of a globex organization": (
        "/rules/maintenance", lambda w: {**WINDOW_FORM, "organization_id": str(w.globex.organization_id)},
    ),
    "acme organization mapped to a globex client": (
        "/organizations/{acme_org}",
        lambda w: {
            f"org{w.acme.organization_id}-client_id": w.globex.client_id,
            f"org{w.acme.organization_id}-auto_sync": "y",
        },
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BODY_REFERENCES))
def test_forms_naming_globex_objects_are_refused(world, case: str) -> None:
    """Object references inside a form (assignee, notified users, organizations, clients) are checked
    against the requesting tenant's own choices: naming globex's is refused and changes nothing."""
    path, body = BODY_REFERENCES[case]
    url = PREFIX + path.format(acme_org=world.acme.organization_id)
    before = world.state()
    client = world.client("admin", "acme")
    response = client.post(url, data=body(world))
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 302:  # the mapping page reports the problem with a flash message
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "flash-error" in page, page
    changes = state_changes(before, world.state())
    assert not changes, "\n".join(map(str, changes))


HOST_PAGES_WITH_PANELS = {
    "dashboard": lambda w: "/",
    "asset list": lambda w: "/assets/",
    "asset detail": lambda w: f"/assets/{w.acme.host_asset_id}",
    "ticket list": lambda w: "/tickets/",
    "ticket detail": lambda w: f"/tickets/{w.acme.ticket_id}",
    "integrations": lambda w: "/settings/integrations",
}


@pytest.mark.parametrize("page", sorted(HOST_PAGES_WITH_PANELS))
def test_host_pages_embedding_extension_panels_show_nothing_of_globex(world, page: str) -> None:
    response = world.client("admin", "acme").get(HOST_PAGES_WITH_PANELS[page](world))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    leaked = [marker for marker in globex_markers(world.info) if marker in body]
    assert not leaked, f"{page} shows globex's {leaked}"
