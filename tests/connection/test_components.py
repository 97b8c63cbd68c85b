"""The reusable integration components (badge, card, category) and the pages built from them."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from sqlalchemy import select

from flask_ninjaone.models import Integration
from tests.support.connection_flow import (
    PREFIX,
    badge,
    ends_on_settings,
    page_text,
    save_credentials,
    settings_page,
    tenant_db,
)

#: Stored status → (what the badge says as data-status, its label, the summary sentence). Saved
#: credentials that never connected are "Not connected", not "Disconnected".
STATES = {
    "connected": ("connected", "Connected", "Connected. Devices sync every 60 minutes."),
    "disconnected": ("not_connected", "Not connected", "Credentials saved. Click Connect"),
    "error": ("error", "Error", "Error: Boom: NinjaOne said no Check the sync history"),
    "syncing": ("syncing", "Syncing", "a sync is running now"),
    "reconnect_required": ("reconnect_required", "Reconnect required", "Click Reconnect and approve access"),
}


def _set_status(app, status: str, **fields) -> None:
    with tenant_db(app) as session:
        integration = session.scalars(select(Integration)).one()
        integration.status = status
        for name, value in fields.items():
            setattr(integration, name, value)
        session.commit()


@pytest.mark.parametrize("status", STATES)
def test_settings_page_renders_each_status(web_app, fake, admin, status):
    ends_on_settings(save_credentials(admin, fake.url))
    _set_status(web_app, status, last_error="Boom: NinjaOne said no" if status == "error" else None)
    page = settings_page(admin)
    shown, label, summary = STATES[status]
    assert badge(page) == shown
    assert re.search(rf'data-status="{shown}"[^>]*>{label}</span>', page)
    assert summary in re.sub(r"<[^>]+>", "", page)
    connect_button = re.search(r"<button[^>]*>(Connect|Reconnect)</button>", page)
    assert connect_button and "disabled" not in connect_button.group(0)
    assert connect_button.group(1) == ("Connect" if status == "disconnected" else "Reconnect")
    assert ("Sync now" in page) is (status != "disconnected")
    assert ("Disconnect NinjaOne" in page) is (status != "disconnected")  # nothing to disconnect yet


@pytest.mark.parametrize("status", STATES)
def test_integrations_card_renders_each_status(web_app, fake, login, status):
    ends_on_settings(save_credentials(login("admin"), fake.url))
    _set_status(web_app, status)
    for role in ("admin", "technician", "viewer"):
        page = page_text(login(role).get("/settings/integrations"))
        card = page.split('id="ninjaone-card"', 1)[1].split("</article>", 1)[0]
        shown, label, _ = STATES[status]
        assert re.search(rf'data-status="{shown}"[^>]*>{label}</span>', card)
        assert fake.url in card
        assert (f'action="{PREFIX}/disconnect"' in card) is (role == "admin" and status != "disconnected")
        assert (f'action="{PREFIX}/connect"' in card) is (role == "admin" and status == "disconnected")
        assert f'href="{PREFIX}/"' in card


def test_never_configured_says_not_connected_and_connect_is_disabled(admin):
    page = settings_page(admin)
    assert badge(page) == "not_connected" and 'data-status="not_connected">Not connected</span>' in page
    button = re.search(r"<button[^>]*>Connect</button>", page).group(0)
    assert "disabled" in button
    assert "Connect is enabled once they are saved" in page
    card = page_text(admin.get("/settings/integrations")).split('id="ninjaone-card"', 1)[1]
    assert ">Not connected</span>" in card.split("</article>")[0]
    assert f'action="{PREFIX}/connect"' not in card.split("</article>")[0]


def test_integrations_page_groups_cards_into_categories(login):
    page = page_text(login("viewer").get("/settings/integrations"))
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "ninjaone/ninjaone.css" in page
    categories = re.findall(r'<details class="ninjaone-category" open id="(\w+)">', page)
    assert categories == ["accounting", "rmm", "email", "calendar"]
    sections = dict(zip(categories, page.split('<details class="ninjaone-category"')[1:], strict=True))
    expected = {
        "accounting": ("Accounting", ["QuickBooks Online", "Xero"]),
        "rmm": ("RMM & Endpoint Management", ["NinjaOne RMM"]),
        "email": ("Email & Communication", ["Inbound Email"]),
        "calendar": ("Calendar & Scheduling", ["Google Calendar", "Microsoft Calendar"]),
    }
    for key, (title, cards) in expected.items():
        assert f'<span class="ninjaone-category__title">{title}</span>' in sections[key]
        assert (
            re.findall(r'<h3 class="ninjaone-integration-card__title">([^<]+)</h3>', sections[key]) == cards
        )


def test_components_render_on_their_own(web_app):
    template = """
    {%- from "ninjaone/components/category.html" import category -%}
    {%- from "ninjaone/components/integration_card.html" import integration_card -%}
    {%- from "ninjaone/components/status_badge.html" import status_badge -%}
    {% call category("Closed <group>", icon="&", open=False, id="c1", count=2) %}
      {% call integration_card("Tool", "Does <things>", status="error", logo="T",
                               actions=[{"label": "Open", "href": "/x"},
                                        {"label": "Drop", "action": "/drop", "csrf_token": "tok",
                                         "danger": True, "confirm": ["It goes away"],
                                         "confirm_label": "Drop it"}]) %}
        <p>body</p>
      {% endcall %}
      {{ integration_card("Empty", "none", empty_actions="Coming soon") }}
    {% endcall %}
    {{ status_badge("mystery") }}
    """
    with web_app.test_request_context():
        html = render_template_string(template)
    assert '<details class="ninjaone-category" id="c1">' in html, "open=False renders closed"
    assert "Closed &lt;group&gt;" in html and "Does &lt;things&gt;" in html, "text is escaped"
    assert '<span class="ninjaone-category__count">2</span>' in html
    assert 'data-status="error">Error</span>' in html and "<p>body</p>" in html
    assert '<a class="ninjaone-btn" href="/x">Open</a>' in html
    assert '<details class="ninjaone-confirm">' in html and "<li>It goes away</li>" in html
    assert (
        'action="/drop"' in html and 'name="csrf_token" value="tok"' in html and ">Drop it</button>" in html
    )
    assert '<span class="ninjaone-muted">Coming soon</span>' in html
    assert 'data-status="mystery">mystery</span>' in html


def test_static_assets_are_served(web_app):
    client = web_app.test_client()
    for name in ("ninjaone.css", "ninjaone.js"):
        response = client.get(f"{PREFIX}/static/ninjaone/{name}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "http://" not in body and "https://" not in body, "no CDN, no remote code"
