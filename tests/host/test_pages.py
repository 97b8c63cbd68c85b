"""Every page renders for every role; viewers only read; tenants never see each other's rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sample_host.database import db
from sample_host.models import Asset, Client, Tenant, Ticket, ticket_assets
from tests.support.host_app import build_app, links, user_id

ROLES = {"admin": "admin@acme.test", "technician": "tech@acme.test", "viewer": "viewer@acme.test"}
SECTIONS = ("/tickets/", "/assets/", "/clients/")


def _ok(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} -> {response.status_code}"
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_click_through_every_section(login_as, role: str) -> None:
    client = login_as(ROLES[role])
    editor = role != "viewer"
    dashboard = _ok(client, "/")
    assert all(f'href="{section}"' in dashboard for section in SECTIONS)

    for section in SECTIONS:
        listing = _ok(client, section + "?status=all")
        details = links(listing, section)
        assert details, f"{section} lists nothing"
        for detail_url in details[:4]:
            detail = _ok(client, detail_url)
            assert (f'href="{detail_url}/edit"' in detail) is editor
            edit = client.get(detail_url + "/edit")
            assert edit.status_code == (200 if editor else 403), detail_url
        assert client.get(section + "new").status_code == (200 if editor else 403)

    _ok(client, "/settings/")
    integrations = _ok(client, "/settings/integrations")
    for name in ("QuickBooks Online", "Xero", "Inbound Email", "Google Calendar", "Microsoft Calendar"):
        assert name in integrations
    assert client.get("/settings/users").status_code == (200 if role == "admin" else 403)


def test_filters_and_search_narrow_the_lists(login_as) -> None:
    client = login_as("tech@acme.test")
    servers = _ok(client, "/assets/?type=server")
    assert "NWT-DC01" in servers and "CDG-FW01" not in servers
    assert "CDG-PRN-FRONT" in _ok(client, "/assets/?q=u64189")  # serial, case-insensitive
    assert "FAB-OLD-PC" not in _ok(client, "/assets/")  # inactive are hidden by default
    assert "FAB-OLD-PC" in _ok(client, "/assets/?status=inactive")
    offline = _ok(client, "/assets/?agent=offline")
    assert "NWT-LT-014" in offline and "NWT-DC01" not in offline
    urgent = _ok(client, "/tickets/?priority=urgent")
    assert "Disk C:" in urgent and "Outlook" not in urgent
    assert "Replace toner" in _ok(client, "/tickets/?status=closed")
    assert "Onboard new paralegal" in _ok(client, "/tickets/?board=Projects&assignee=me")
    assert "Onboard new paralegal" not in _ok(client, "/tickets/?assignee=none")
    assert "Tailspin" in _ok(client, "/clients/?q=tail")


def test_detail_pages_show_type_specific_sections_and_extension_slots(login_as) -> None:
    client = login_as("tech@acme.test")
    by_name = {}
    for url in links(_ok(client, "/assets/?status=all"), "/assets/"):
        page = _ok(client, url)
        name = re.search(r"<h1>(.*?)</h1>", page).group(1)
        by_name[name] = page
    assert "Volumes" in by_name["NWT-DC01"] and "Xeon" in by_name["NWT-DC01"]
    assert "MAC addresses" in by_name["CDG-FW01"] and "70:4C:A5:11:22:33" in by_name["CDG-FW01"]
    assert "Printer" in by_name["CDG-PRN-FRONT"] and "U64189J0N123456" in by_name["CDG-PRN-FRONT"]
    assert "Mobile device" in by_name["FAB-IPHONE-MKT"] and "17.4.1" in by_name["FAB-IPHONE-MKT"]
    assert "Decommissioned" in by_name["FAB-OLD-PC"]


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/clients/new", {"name": "Viewer Corp"}),
        ("post", "/clients/{client}/edit", {"name": "Renamed"}),
        ("post", "/assets/new", {"name": "X", "client_id": "{client}", "asset_type": "other"}),
        ("post", "/assets/{asset}/edit", {"name": "Renamed"}),
        ("post", "/tickets/new", {"title": "Viewer ticket"}),
        ("post", "/tickets/{ticket}/edit", {"title": "Renamed"}),
        ("post", "/tickets/{ticket}/notes", {"note-body": "hi"}),
        ("post", "/tickets/{ticket}/work", {"work-minutes": "5"}),
        ("post", "/tickets/{ticket}/close", {}),
        ("post", "/tickets/{ticket}/reopen", {}),
        ("post", "/tickets/{ticket}/assets", {"link-asset_id": "{asset}"}),
        ("post", "/tickets/{ticket}/assets/{asset}/unlink", {}),
    ],
)
def test_viewer_cannot_change_anything(app: Flask, login_as, method: str, path: str, data: dict) -> None:
    ids = _first_ids(app, "acme")
    before = _snapshot(app)
    client = login_as("viewer@acme.test")
    response = getattr(client, method)(path.format(**ids), data={k: v.format(**ids) for k, v in data.items()})
    assert response.status_code == 403
    assert _snapshot(app) == before


def test_other_tenants_rows_are_404(app: Flask, login_as) -> None:
    globex = _first_ids(app, "globex")
    client = login_as("admin@acme.test")
    for url in (
        f"/tickets/{globex['ticket']}",
        f"/tickets/{globex['ticket']}/edit",
        f"/assets/{globex['asset']}",
        f"/assets/{globex['asset']}/edit",
        f"/clients/{globex['client']}",
        f"/clients/{globex['client']}/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/tickets/{globex['ticket']}/close").status_code == 404
    assert client.post(f"/tickets/{globex['ticket']}/notes", data={"note-body": "x"}).status_code == 404
    # and nothing of globex leaks into acme's lists
    for section in SECTIONS:
        listing = _ok(client, section + "?status=all")
        assert "Initech" not in listing and "INI-DC01" not in listing


def test_forged_foreign_ids_in_forms_are_rejected(app: Flask, login_as) -> None:
    acme, globex = _first_ids(app, "acme"), _first_ids(app, "globex")
    client = login_as("admin@acme.test")
    response = client.post(f"/assets/{acme['asset']}/edit", data={"name": "X", "client_id": globex["client"]})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    response = client.post(f"/tickets/{acme['ticket']}/assets", data={"link-asset_id": globex["asset"]})
    assert response.status_code == 302
    with app.app_context():
        linked = db.session.scalars(
            select(ticket_assets.c.asset_id).where(ticket_assets.c.ticket_id == acme["ticket"])
        ).all()
        assert globex["asset"] not in linked


def test_post_without_csrf_token_is_rejected(database: Path) -> None:
    app = build_app(database, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user_id(app, "admin@acme.test")
    response = client.post("/clients/new", data={"name": "No Token Ltd"})
    assert response.status_code == 400
    assert client.post("/logout").status_code == 400

    form = client.get("/clients/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/clients/new", data={"name": "Token Ltd", "csrf_token": token})
    assert response.status_code == 302


def test_pages_load_nothing_from_other_sites(login_as) -> None:
    client = login_as("admin@acme.test")
    for url in ("/", "/tickets/1", "/assets/1", "/settings/integrations"):
        page = _ok(client, url)
        assert not re.search(r'<(link|script|img)[^>]+(href|src)="(https?:)?//', page), url
        assert "@import" not in page
    css = client.get("/static/app.css").get_data(as_text=True)
    assert "http" not in css and "@import" not in css


def _first_ids(app: Flask, slug: str) -> dict[str, int]:
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        ticket = db.session.scalars(
            select(Ticket).where(Ticket.tenant_id == tenant_id, Ticket.status == "closed")
        ).first()
        asset = db.session.scalars(select(Asset).where(Asset.tenant_id == tenant_id)).first()
        client = db.session.scalars(select(Client).where(Client.tenant_id == tenant_id)).first()
        return {"ticket": ticket.id, "asset": asset.id, "client": client.id}


def _snapshot(app: Flask) -> list[tuple]:
    with app.app_context():
        rows = []
        for table in db.metadata.sorted_tables:
            rows += [(table.name, *row) for row in db.session.execute(select(table)).all()]
        return rows


def test_coming_soon_integrations_say_so_without_a_connection_badge(login_as) -> None:
    page = _ok(login_as("admin@acme.test"), "/settings/integrations")
    cards = re.findall(r'<article class="ninjaone-integration-card".*?</article>', page, re.S)
    placeholders = [card for card in cards if "NinjaOne" not in card]
    assert len(placeholders) == 5
    for card in placeholders:
        assert "Coming soon" in card
        assert "ninjaone-badge" not in card and "Not connected" not in card and "data-status" not in card


def test_the_favicon_is_served_and_named_by_the_layout(client: FlaskClient, login_as) -> None:
    response = client.get("/favicon.ico")  # anonymous: browsers ask before anyone logs in
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).startswith("<svg")
    page = _ok(login_as("admin@acme.test"), "/")
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert client.get(icon).status_code == 200
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)
