"""Hostile text from NinjaOne (and from admins) is rendered escaped on every page that shows it.

acme's fake NinjaOne names an organization ``<script>alert(1)</script> Org``, a location and a device
``"><img src=x onerror=alert(1)>…``, raises an alert whose message carries both payloads and reports a
software title and publisher made of them; its rule and maintenance window are named with them too.
Every HTML page of the extension, and every host page that embeds the extension's panels, is fetched
and searched for the raw payloads; JSON and CSV answers must not be served as HTML.
"""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select

from flask_ninjaone.models import Device
from tests.support.rule_tests import result_url
from tests.support.security_routes import RULE_FORM, cases, request_kwargs, route_app
from tests.support.security_world import PREFIX, XSS_IMG, XSS_PAYLOADS, XSS_SCRIPT, tenant_db

GET_CASES = cases(route_app(), methods=frozenset({"GET"}))
#: What must never appear raw: the payloads' executable cores.
DANGEROUS = ("<script>alert(1)", "<img src=x onerror", '"><img')


def assert_escaped(response, where: str) -> str:
    body = response.get_data(as_text=True)
    mimetype = response.mimetype
    if mimetype == "text/html":
        raw = [snippet for snippet in DANGEROUS if snippet in body]
        assert not raw, f"{where} renders {raw} unescaped"
    elif mimetype == "application/json":
        pass  # JSON is data, not markup; the pages that show it escape it (checked above)
    elif mimetype == "text/csv":
        assert response.headers.get("X-Content-Type-Options") == "nosniff", where
        assert response.headers.get("Content-Disposition", "").startswith("attachment"), where
    else:
        assert not any(snippet in body for snippet in DANGEROUS), f"{where} ({mimetype}) carries a payload"
    return body


def _other_acme_asset(world) -> str:
    with tenant_db(world.app, "acme") as session:
        return session.scalars(
            select(Device.host_asset_id).where(
                Device.host_asset_id.is_not(None), Device.host_asset_id != world.acme.host_asset_id
            )
        ).first()


@pytest.mark.parametrize(("route", "method"), GET_CASES, ids=lambda value: str(value))
def test_extension_pages_escape_hostile_names(world, route, method) -> None:
    acme = world.acme
    values = route.values(acme)
    kwargs = request_kwargs(route, method, acme, values, world.fakes["acme"].url)
    if route.endpoint == "ninjaone_assets.open_selected":  # two devices: a list of names, not a redirect
        kwargs["query_string"] = {"asset_ids": [acme.host_asset_id, _other_acme_asset(world)]}
    response = world.client("admin").open(route.url(values), **kwargs)
    assert response.status_code < 500
    assert_escaped(response, f"{method} {route.rule}")


HOST_PAGES = {
    "asset detail (RMM panel, remote button)": lambda w: f"/assets/{w.acme.host_asset_id}",
    "asset detail, software searched": lambda w: f"/assets/{w.acme.host_asset_id}?sw_q=Suite",
    "asset list (RMM summaries, bulk tools)": lambda w: "/assets/",
    "ticket detail (ticket panel, alert text)": lambda w: f"/tickets/{w.acme.ticket_id}",
    "ticket list": lambda w: "/tickets/",
    "client list (clients created from organizations)": lambda w: "/clients/",
    "integrations settings (NinjaOne card)": lambda w: "/settings/integrations",
    "dashboard": lambda w: "/",
}


@pytest.mark.parametrize("page", sorted(HOST_PAGES))
def test_host_pages_with_extension_panels_escape_hostile_names(world, page: str) -> None:
    for role in ("admin", "viewer"):
        response = world.client(role).get(HOST_PAGES[page](world))
        assert response.status_code == 200, (page, role, response.status_code)
        assert_escaped(response, f"{page} as {role}")


def test_forms_echo_hostile_input_escaped(world) -> None:
    """Re-rendered forms (a refused rule, a dry run) put submitted text into values and tables."""
    client = world.client("admin")
    refused = client.post(
        PREFIX + "/rules/new", data={**RULE_FORM, "name": XSS_IMG, "message_regex": "[oops"}
    )
    assert refused.status_code == 400
    assert str(escape(XSS_IMG)) in assert_escaped(refused, "refused rule form")
    preview = client.post(
        PREFIX + "/rules/new",
        data={**RULE_FORM, "name": XSS_SCRIPT, "message_contains": XSS_IMG, "preview": "1"},
    )
    assert preview.status_code == 200
    assert_escaped(preview, "rule form testing its draft")
    body = assert_escaped(client.get(result_url(client, world.app, preview)), "rule dry run")
    assert str(escape(world.acme.alert_message)[:60]) in body, "the dry run lists the hostile alert"
    window = client.post(
        PREFIX + "/rules/maintenance",
        data={"name": XSS_SCRIPT, "recurrence": "none", "timezone": "Mars/Base", "starts_at": "x"},
    )
    assert window.status_code == 400
    assert_escaped(window, "refused maintenance window form")
    search = client.get(
        PREFIX + "/compliance/software", query_string={"name": XSS_SCRIPT, "publisher": XSS_IMG}
    )
    assert_escaped(search, "software search echoing its terms")
    alerts = client.get(
        PREFIX + "/alerts/", query_string={"severity": XSS_SCRIPT, "client": XSS_IMG, "q": XSS_IMG}
    )
    assert_escaped(alerts, "alert filters echoing their values")


def test_the_payloads_really_are_on_the_pages(world) -> None:
    """The searches above would pass vacuously if the hostile names never reached a page: they do,
    escaped, wherever each kind of name is shown."""
    acme = world.acme
    client = world.client("admin")
    expected = {
        PREFIX + "/organizations/": [f"{XSS_SCRIPT} Org"],
        f"{PREFIX}/alerts/{acme.alert_id}": [acme.device_name, acme.alert_message],
        PREFIX + "/alerts/?status=all": [acme.alert_message],
        f"{PREFIX}/compliance/software?name=Suite": [acme.software_name, XSS_IMG],
        PREFIX + "/rules/": [f"Catch-all {XSS_IMG}"],
        PREFIX + "/rules/maintenance": [f"Freeze {XSS_SCRIPT}"],
        f"/assets/{acme.host_asset_id}": [acme.device_name],
        f"/tickets/{acme.ticket_id}": [acme.device_name],
    }
    for url, names in expected.items():
        body = assert_escaped(client.get(url), url)
        for name in names:
            assert str(escape(name)) in body, f"{url} does not show {name!r} (escaped)"
    assert set(XSS_PAYLOADS) <= {XSS_SCRIPT, XSS_IMG}
