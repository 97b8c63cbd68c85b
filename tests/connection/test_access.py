"""Permissions and tenants for every route of the settings blueprint, and CSRF on every POST."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from flask_ninjaone.models import AuditEntry, Integration
from tests.support.connection_flow import (
    DEMO_ID,
    PREFIX,
    SETTINGS,
    connect,
    ends_on_settings,
    save_credentials,
    settings_page,
    tenant_db,
    tenant_id,
    user_id,
)

# Every route of the "ninjaone" blueprint (test_every_route_is_in_the_matrix keeps this list complete).
READ = [("GET", "/"), ("GET", "/status.json")]
CHANGE = [
    ("POST", "/credentials"),
    ("POST", "/sync-settings"),
    ("POST", "/connect"),
    ("GET", "/oauth/callback"),
    ("POST", "/disconnect"),
    ("POST", "/webhook/rotate"),
    ("POST", "/webhook/revoke-previous"),
    ("POST", "/instance/rename"),
    ("POST", "/instance/remove"),
]
FORM = {
    "/credentials": {"client_id": "x-client", "client_secret": "x-secret", "region": "eu"},
    "/instance/rename": {"name": "renamed"},
    "/sync-settings": {"auto_sync": "y", "sync_interval_minutes": "30", "inventory_interval_minutes": "120"},
}


def _call(client, method: str, path: str):
    return client.open(PREFIX + path, method=method, data=FORM.get(path, {}))


def test_every_route_is_in_the_matrix(web_app):
    routes = {
        (method, rule.rule.removeprefix(PREFIX))
        for rule in web_app.url_map.iter_rules()
        if rule.endpoint.startswith("ninjaone.") and rule.endpoint != "ninjaone.static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(READ + CHANGE)


@pytest.mark.parametrize(("method", "path"), [route for route in READ + CHANGE if route[1] != "/status.json"])
def test_anonymous_goes_to_login(web_app, method, path):
    response = _call(web_app.test_client(), method, path)
    assert response.status_code == 302 and response.location.startswith("/login")
    assert not response.location.endswith(("?", "%3F")), response.location  # no stray "?" in next


def test_anonymous_scripts_get_401_json_not_a_login_page(web_app):
    """``status.json`` is polled by scripts: a login page (302 to HTML) is not an answer they can read."""
    client = web_app.test_client()
    response = client.get(PREFIX + "/status.json")
    assert response.status_code == 401 and response.get_json() == {
        "ok": False,
        "message": "Your session expired: log in again.",
    }
    browser = client.get(PREFIX + "/", headers={"Accept": "text/html"})
    assert browser.status_code == 302 and browser.location == f"/login?next={PREFIX}/"


def test_callback_never_carries_the_code_through_the_login_page(web_app):
    response = web_app.test_client().get(PREFIX + "/oauth/callback?code=secret-code&state=some-state")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert "secret-code" not in response.location and "some-state" not in response.location


@pytest.mark.parametrize("role", ["technician", "viewer"])
@pytest.mark.parametrize(("method", "path"), CHANGE)
def test_without_manage_every_change_is_forbidden(web_app, fake, login, role, method, path):
    admin = login("admin")
    ends_on_settings(connect(admin, fake.url))
    response = _call(login(role), method, path)
    assert response.status_code == 403
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.status == "connected" and integration.credential.client_id == DEMO_ID
        assert integration.sync_interval_minutes == 60
    assert fake.state.webhooks.config(DEMO_ID) is not None


@pytest.mark.parametrize("role", ["technician", "viewer"])
def test_viewers_see_status_read_only(web_app, fake, login, role):
    ends_on_settings(connect(login("admin"), fake.url))
    client = login(role)
    page = settings_page(client)
    assert 'class="ninjaone-badge ninjaone-badge--connected"' in page
    assert "Last sync" in page and "Webhooks" in page and "every 60 minutes" in page
    for action in (
        "/credentials",
        "/connect",
        "/disconnect",
        "/webhook/rotate",
        "/sync-settings",
        "/sync/now",
    ):
        assert f'action="{PREFIX}{action}"' not in page
    assert "Client Secret" not in page and DEMO_ID not in page
    info = client.get(PREFIX + "/status.json").get_json()
    assert info["status"] == "connected" and "client_id" not in info and "client_secret_hint" not in info


def test_admin_sees_every_form(web_app, fake, login):
    ends_on_settings(connect(login("admin"), fake.url))
    page = settings_page(login("admin"))
    for action in (
        "/credentials",
        "/connect",
        "/disconnect",
        "/webhook/rotate",
        "/sync-settings",
        "/sync/now",
    ):
        assert f'action="{PREFIX}{action}"' in page


@pytest.mark.parametrize("role", ["admin", "technician", "viewer"])
def test_other_tenant_sees_nothing_of_acme(web_app, fake, login, role):
    ends_on_settings(connect(login("admin"), fake.url))
    client = login(role, tenant="globex")
    page = settings_page(client)
    assert fake.url not in page and DEMO_ID not in page and "Saved, ending in" not in page
    assert "Not connected" in page
    assert client.get(PREFIX + "/status.json").get_json() == {
        "tenant": tenant_id(web_app, "globex"),
        "status": "disconnected",
        "configured": False,
    }


def test_other_tenant_cannot_touch_acme(web_app, fake, login):
    ends_on_settings(connect(login("admin"), fake.url))
    with tenant_db(web_app) as session:
        before = session.scalars(select(Integration)).one()
        acme_secret, acme_token = before.webhook_secret, before.credential.access_token
    globex = login("admin", tenant="globex")
    for path in ("/disconnect", "/webhook/rotate", "/sync-settings", "/connect"):
        ends_on_settings(_call(globex, "POST", path))
    page = settings_page(globex)
    assert "nothing to disconnect" in page and "Connect NinjaOne before rotating" in page
    assert "Save the NinjaOne credentials first" in page
    ends_on_settings(save_credentials(globex, fake.url))  # globex's own integration, beside acme's
    with tenant_db(web_app) as session:
        acme = session.scalars(select(Integration)).one()
        assert acme.status == "connected" and acme.webhook_secret == acme_secret
        assert acme.credential.access_token == acme_token and acme.sync_interval_minutes == 60
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "disconnect")).all() == []
        acme_id = acme.id
    with tenant_db(web_app, "globex") as session:
        globex_integration = session.scalars(select(Integration)).one()
        assert globex_integration.status == "disconnected" and globex_integration.id != acme_id
    assert fake.state.webhooks.config(DEMO_ID) is not None


# -- CSRF ----------------------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(make_app, web_app):
    """A second app on the seeded database (``web_app`` seeds it on PostgreSQL too), CSRF on."""
    return make_app(WTF_CSRF_ENABLED=True)


def _token(client) -> str:
    match = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(SETTINGS).get_data(as_text=True)
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.mark.parametrize("path", [path for method, path in CHANGE if method == "POST"])
def test_csrf_is_enforced_on_every_post(csrf_app, path):
    client = csrf_app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user_id(csrf_app, "admin@acme.test", "acme")
    response = _call(client, "POST", path)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    with tenant_db(csrf_app) as session:
        assert session.scalars(select(Integration)).first() is None
        assert session.scalars(select(AuditEntry)).all() == []


def test_a_post_with_the_token_goes_through(csrf_app):
    client = csrf_app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user_id(csrf_app, "admin@acme.test", "acme")
    data = dict(FORM["/credentials"], csrf_token=_token(client))
    ends_on_settings(client.post(PREFIX + "/credentials", data=data))
    with tenant_db(csrf_app) as session:
        assert session.scalars(select(Integration)).one().credential.client_id == "x-client"


@pytest.mark.parametrize(
    "path",
    ["/no-such-page", "/organizations/no/such/thing", "/alerts/not-a-number", "/organizations/1/"],
)
def test_an_unknown_url_under_the_prefix_is_the_404_page_in_the_host_layout(admin, path: str) -> None:
    response = admin.get("/integrations/ninjaone" + path)
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'data-ninjaone-error="404"' in page and "This page does not exist" in page
    assert "Sample PSA" in page and "Log out" in page  # the host's layout, with the person signed in
    assert "The requested URL was not found on the server" not in page  # not Werkzeug's


def test_unknown_urls_elsewhere_stay_the_hosts(admin) -> None:
    for path in ("/no-such-page", "/integrations/other", "/integrations/ninjaonefoo"):
        response = admin.get(path)
        assert response.status_code == 404 and b"data-ninjaone-error" not in response.data, path


def test_a_script_asking_for_an_unknown_url_gets_json(admin) -> None:
    response = admin.get("/integrations/ninjaone/no-such.json")
    assert response.status_code == 404 and response.get_json()["ok"] is False


def test_known_routes_keep_their_redirects_and_methods(admin) -> None:
    assert admin.get("/integrations/ninjaone/organizations").status_code == 308  # trailing slash
    assert admin.post("/integrations/ninjaone/no-such-page").status_code == 404  # our 404 page, any method
