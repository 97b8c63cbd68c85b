"""Findability: the extension's navigation entry and dashboard widget on the host's pages."""

from __future__ import annotations

import re

import pytest

from flask_ninjaone.blueprints.navigation import PAGES

EVERYTHING = [title for title, _, _ in PAGES]
READ_ONLY = [
    "Alerts", "Compliance", "Software search", "Warranties", "Billing counts", "Organizations", "Sync",
    "Webhook inbox", "Settings",
]  # fmt: skip
#: A technician also opens the device-actions audit (``ninjaone.actions``); a viewer does not.
TECHNICIAN = [title for title in EVERYTHING if title in READ_ONLY or title == "Device actions"]


def _nav(html: str) -> dict[str, str]:
    """Title → URL of the entries inside the NinjaOne menu."""
    menu = re.search(r"<details class=\"ninjaone-nav.*?</details>", html, re.S)
    assert menu, "no NinjaOne menu on the page"
    links = re.findall(r'class="ninjaone-nav__link" href="([^"]+)"[^>]*>([^<]+)<', menu.group(0))
    return {title: url for url, title in links}


@pytest.mark.parametrize(
    ("email", "expected"),
    [("admin@acme.test", EVERYTHING), ("tech@acme.test", TECHNICIAN), ("viewer@acme.test", READ_ONLY)],
)
def test_the_menu_lists_only_the_pages_the_user_may_open(login_as, email: str, expected: list[str]) -> None:
    client = login_as(email)
    entries = _nav(client.get("/").get_data(as_text=True))
    assert list(entries) == expected
    for title, url in entries.items():  # every entry opens, even before NinjaOne is connected
        response = client.get(url)
        assert response.status_code == 200, f"{title}: GET {url} -> {response.status_code}"


def test_the_current_page_is_marked_in_the_menu(login_as) -> None:
    client = login_as("admin@acme.test")
    html = client.get("/integrations/ninjaone/rules/maintenance").get_data(as_text=True)
    assert re.search(r'href="[^"]*/rules/maintenance" aria-current="page">Maintenance windows<', html)
    assert html.count('aria-current="page">') == 1


def test_anonymous_pages_have_no_menu(client) -> None:
    assert "ninjaone-nav" not in client.get("/login").get_data(as_text=True)


def test_the_dashboard_widget_guides_a_tenant_that_never_connected(login_as) -> None:
    html = login_as("viewer@acme.test").get("/").get_data(as_text=True)
    widget = re.search(r"<section class=\"ninjaone ninjaone-widget.*?</section>", html, re.S)
    assert widget and 'data-state="not_connected"' in widget.group(0)
    assert ">Not connected<" in widget.group(0) and ">Disconnected<" not in widget.group(0)
    assert 'href="/integrations/ninjaone/"' in widget.group(0)


# -- truthful states: never connected, 403, 404 -------------------------------------------------------------

NEEDS_CONNECTION = [
    "Alerts", "Compliance", "Software search", "Warranties", "Billing counts", "Organizations", "Sync",
    "Device actions", "Remote access log", "Webhook inbox",
]  # fmt: skip


def test_a_tenant_that_never_connected_gets_a_guide_on_every_page(login_as) -> None:
    client = login_as("admin@acme.test")
    entries = _nav(client.get("/").get_data(as_text=True))
    for title in NEEDS_CONNECTION:
        html = client.get(entries[title]).get_data(as_text=True)
        assert 'data-ninjaone-empty="not_connected"' in html, title
        assert 'href="/integrations/ninjaone/"' in html and "Create an API client in NinjaOne" in html, title
        assert 'class="topbar"' in html, f"{title}: not inside the host's layout"


def test_a_script_asking_a_never_connected_page_gets_json(login_as) -> None:
    response = login_as("admin@acme.test").get(
        "/integrations/ninjaone/alerts/", headers={"Accept": "application/json"}
    )
    assert response.status_code == 409 and "not connected" in response.get_json()["message"]


def test_403_renders_inside_the_host_layout_with_a_sentence(login_as) -> None:
    response = login_as("viewer@acme.test").get("/integrations/ninjaone/rules/")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert 'class="topbar"' in html and 'data-ninjaone-error="403"' in html
    assert "ninjaone.manage" in html and "Ask an administrator" in html
    assert "Forbidden" not in html
    assert "Webhook inbox</a>" in html  # the pages the viewer may open instead


def test_404_renders_inside_the_host_layout_with_a_sentence(login_as) -> None:
    response = login_as("viewer@acme.test").get("/integrations/ninjaone/assets/999999/panel")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'class="topbar"' in html and 'data-ninjaone-error="404"' in html
    assert "does not exist" in html and "The requested URL was not found" not in html


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "GET"])
def test_any_method_to_an_unknown_url_gets_our_404_in_the_host_layout(login_as, method) -> None:
    client = login_as("admin@acme.test")
    response = client.open("/integrations/ninjaone/no/such/page", method=method)
    html = response.get_data(as_text=True)
    assert response.status_code == 404, html  # was Werkzeug's bare 405 for all but GET
    assert 'class="topbar"' in html and 'data-ninjaone-error="404"' in html and "does not exist" in html
    script = client.open(
        "/integrations/ninjaone/no/such/page", method=method, headers={"Accept": "application/json"}
    )
    assert script.status_code == 404 and "does not exist" in script.get_json()["message"]


def test_a_page_asked_with_a_method_it_does_not_take_gets_our_405_with_allow(login_as) -> None:
    client = login_as("admin@acme.test")
    response = client.delete("/integrations/ninjaone/rules/")
    html = response.get_data(as_text=True)
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
    assert 'class="topbar"' in html and 'data-ninjaone-error="405"' in html
    assert "does not take that kind of request" in html and "Method Not Allowed" not in html
    script = client.post("/integrations/ninjaone/sync/", headers={"Accept": "application/json"})
    assert script.status_code == 405 and "that kind of request" in script.get_json()["message"]


def test_the_hosts_own_unknown_urls_stay_the_hosts(login_as) -> None:
    response = login_as("admin@acme.test").post("/no-such-host-page")
    assert response.status_code in (404, 405) and "data-ninjaone-error" not in response.get_data(as_text=True)
