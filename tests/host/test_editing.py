"""The write paths of the web UI: clients, assets and the ticket workflow."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from sample_host.adapter import SampleHostAdapter
from sample_host.database import db
from sample_host.models import Asset, Client, Ticket, TicketEvent, TicketNote, TicketWork, ticket_assets
from tests.support.host_app import user_id


def _client_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Client.id).where(Client.name == name))


def _asset_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Asset.id).where(Asset.name == name))


def test_create_and_rename_client_refuses_duplicate_names(app: Flask, login_as) -> None:
    client = login_as("tech@acme.test")
    response = client.post("/clients/new", data={"name": "  Woodgrove Bank ", "notes": "New logo"})
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    duplicate = client.post("/clients/new", data={"name": "woodgrove bank"})
    assert "already exists" in duplicate.get_data(as_text=True)
    response = client.post(f"/clients/{new_id}/edit", data={"name": "Northwind Traders"})
    assert "already exists" in response.get_data(as_text=True)
    assert client.post(f"/clients/{new_id}/edit", data={"name": "Woodgrove Bank plc"}).status_code == 302
    # the same name is fine in another tenant
    globex = login_as("admin@globex.test", "globex")
    assert globex.post("/clients/new", data={"name": "Woodgrove Bank plc"}).status_code == 302


def test_create_and_edit_asset_with_lists_and_custom_attributes(app: Flask, login_as) -> None:
    client = login_as("tech@acme.test")
    data = {
        "name": "TT-POS-01",
        "client_id": str(_client_id(app, "Tailspin Toys")),
        "asset_type": "workstation",
        "status": "active",
        "agent_status": "unknown",
        "serial_number": " abc123 ",
        "ram_gb": "8",
        "ip_addresses": "10.0.0.50\n10.0.0.51, 10.0.0.52",
        "custom_attributes": "warranty_until = 2027-03-31\nrack=none",
    }
    response = client.post("/assets/new", data=data)
    assert response.status_code == 302
    asset_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        asset = db.session.get(Asset, asset_id)
        assert asset.serial_number == "abc123" and asset.serial_key == "ABC123"
        assert asset.ip_addresses == ["10.0.0.50", "10.0.0.51", "10.0.0.52"]
        assert asset.custom_attributes == {"warranty_until": "2027-03-31", "rack": "none"}
        assert asset.ram_gb == 8 and asset.model is None

    bad = client.post(f"/assets/{asset_id}/edit", data={**data, "custom_attributes": "no equals sign"})
    assert bad.status_code == 200 and "Expected &#39;key = value&#39;" in bad.get_data(as_text=True)
    assert client.post(f"/assets/{asset_id}/edit", data={**data, "serial_number": ""}).status_code == 302
    with app.app_context():
        asset = db.session.get(Asset, asset_id)
        assert asset.serial_number is None and asset.serial_key is None


def test_ticket_workflow_records_who_worked_it(app: Flask, login_as) -> None:
    adapter = SampleHostAdapter()
    client = login_as("tech@acme.test")
    tech = user_id(app, "tech@acme.test")
    response = client.post(
        "/tickets/new",
        data={
            "title": "Printer jams",
            "client_id": str(_client_id(app, "Contoso Dental Group")),
            "priority": "high",
            "status": "open",
            "board": "Service Desk",
            "assignee_id": "",
        },
    )
    assert response.status_code == 302
    ticket_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.number == 5 and ticket.created_by_id == tech and ticket.source == "web"
        tenant = str(ticket.tenant_id)
        assert adapter.ticket_state(tenant, str(ticket_id)).worked_by_human is False

    client.post(f"/tickets/{ticket_id}/work", data={"work-minutes": "0"})  # invalid: nothing logged
    client.post(f"/tickets/{ticket_id}/notes", data={"note-body": "   "})
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(TicketWork.ticket_id == ticket_id)) == 0
        assert adapter.ticket_state(tenant, str(ticket_id)).worked_by_human is False

    assert client.post(
        f"/tickets/{ticket_id}/work", data={"work-minutes": "15", "work-note": "Cleaned rollers"}
    )
    response = client.post(
        f"/tickets/{ticket_id}/edit",
        data={
            "title": "Printer jams daily",
            "client_id": "",
            "priority": "medium",
            "status": "in_progress",
            "board": "Service Desk",
            "assignee_id": str(tech),
        },
    )
    assert response.status_code == 302
    printer = _asset_id(app, "CDG-PRN-FRONT")
    client.post(f"/tickets/{ticket_id}/assets", data={"link-asset_id": str(printer)})
    client.post(f"/tickets/{ticket_id}/close", data={"close-note": "Rollers replaced"})
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == "closed" and ticket.closed_at is not None and ticket.client_id is None
        assert ticket.assignee_id == tech and ticket.title == "Printer jams daily"
        changes = db.session.execute(
            select(TicketEvent.field, TicketEvent.new_value, TicketEvent.actor_id)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.id)
        ).all()
        assert changes == [
            ("assignee", "Tomás Reyes", tech),
            ("status", "in_progress", tech),
            ("status", "closed", tech),
        ]
        assert db.session.scalars(select(TicketNote.body).where(TicketNote.ticket_id == ticket_id)).all() == [
            "Rollers replaced"
        ]
        assert adapter.ticket_asset_ids(tenant, str(ticket_id)) == [str(printer)]
        assert adapter.ticket_state(tenant, str(ticket_id)).worked_by_human is True

    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "Worked by" in page and "15 min total" in page and "Reopen" in page
    client.post(f"/tickets/{ticket_id}/reopen")
    client.post(f"/tickets/{ticket_id}/assets/{printer}/unlink")
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == "open" and ticket.closed_at is None
        assert db.session.scalar(select(func.count()).where(ticket_assets.c.ticket_id == ticket_id)) == 0
