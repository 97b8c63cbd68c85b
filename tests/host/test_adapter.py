"""SampleHostAdapter against real tables: the host side of the seam the extension relies on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask, session, url_for
from sqlalchemy import event, func, select

from flask_ninjaone.host import (
    AdoptionKeys,
    AssetMatch,
    AssetRecord,
    AssetType,
    Permission,
    TicketDraft,
    TicketState,
    Volume,
)
from sample_host import ticketing
from sample_host.adapter import SampleHostAdapter
from sample_host.database import db
from sample_host.models import Asset, Client, Notification, Tenant, Ticket, TicketNote, User
from tests.support.host_app import user_id

adapter = SampleHostAdapter()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def _tenant(slug: str) -> str:
    return str(db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)))


def _client(tenant: str, name: str) -> str:
    return str(
        db.session.scalar(select(Client.id).where(Client.tenant_id == int(tenant), Client.name == name))
    )


@contextmanager
def _statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _asset(tenant: str, client: str, name: str, **fields) -> Asset:
    asset = Asset(tenant_id=int(tenant), client_id=int(client), name=name, **fields)
    db.session.add(asset)
    db.session.flush()
    return asset


def _user(tenant: str) -> str:
    return str(db.session.scalar(select(User.id).where(User.tenant_id == int(tenant))))


def _state(exists: bool, is_open: bool = False, worked: bool = False) -> TicketState:
    return TicketState(exists=exists, is_open=is_open, worked_by_human=worked)


def _record(tenant: str, device_id: int, **fields) -> AssetRecord:
    defaults = {
        "client_id": _client(tenant, "Northwind Traders"),
        "name": f"NWT-NEW-{device_id}",
        "asset_type": AssetType.WORKSTATION,
    }
    return AssetRecord(ninjaone_device_id=device_id, **{**defaults, **fields})


# --- tenants, users, clients ---------------------------------------------------------------------------
def test_find_tenant_by_slug_and_by_id(ctx) -> None:
    acme = adapter.find_tenant("acme")
    assert acme is not None and acme.slug == "acme" and acme.name == "Acme MSP"
    assert adapter.find_tenant(acme.id) == acme
    assert adapter.find_tenant(" ACME ") == acme
    assert adapter.find_tenant("globex").id != acme.id
    assert adapter.find_tenant("initech") is None
    assert adapter.find_tenant("999") is None


def test_request_context_user_tenant_and_permissions(app: Flask) -> None:
    expected = {
        "admin@acme.test": set(Permission),
        "tech@acme.test": {Permission.VIEW, Permission.ALERTS, Permission.REMOTE, Permission.ACTIONS},
        "viewer@acme.test": {Permission.VIEW},
    }
    for email, permissions in expected.items():
        uid = user_id(app, email)
        with app.test_request_context("/"):
            session["user_id"] = uid
            assert adapter.current_user().id == str(uid) and adapter.current_user().email == email
            assert adapter.current_tenant().slug == "acme"
            assert {p for p in Permission if adapter.has_permission(p)} == permissions
    with app.test_request_context("/"):
        assert adapter.current_user() is None and adapter.current_tenant() is None
        assert not adapter.has_permission(Permission.VIEW)
        assert adapter.login_url("/integrations/ninjaone/") == "/login?next=/integrations/ninjaone/"
    with app.app_context():  # a worker: no request, nobody logged in
        assert adapter.current_user() is None and not adapter.has_permission(Permission.VIEW)


def test_users_and_clients_are_per_tenant(ctx) -> None:
    acme, globex = _tenant("acme"), _tenant("globex")
    assert {user.email for user in adapter.list_users(acme)} == {
        "admin@acme.test",
        "tech@acme.test",
        "viewer@acme.test",
    }
    names = [client.name for client in adapter.list_clients(globex)]
    assert names == sorted(names) and "Initech" in names and "Northwind Traders" not in names


def test_create_client_reuses_a_same_named_client_and_does_not_commit(ctx) -> None:
    acme = _tenant("acme")
    existing = adapter.create_client(acme, "northwind traders")
    assert existing.id == _client(acme, "Northwind Traders") and existing.name == "Northwind Traders"
    created = adapter.create_client(acme, "  Litware Inc ")
    assert created.name == "Litware Inc"
    assert adapter.create_client(_tenant("globex"), "Litware Inc").id != created.id
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(Client.name == "Litware Inc")) == 0


# --- assets -------------------------------------------------------------------------------------------
def test_match_prefers_device_id_then_serial_then_name(ctx) -> None:
    acme = _tenant("acme")
    northwind, contoso = _client(acme, "Northwind Traders"), _client(acme, "Contoso Dental Group")
    assets = [
        _asset(
            acme,
            northwind,
            "SAME-NAME",
            serial_number="SERIAL-A",
            external_source="ninjaone",
            external_id="1001",
        ),
        _asset(acme, northwind, "Old laptop", serial_number="abc-777"),
        _asset(acme, contoso, "Reception-PC"),
    ]
    linked, by_serial, by_name = (str(asset.id) for asset in assets)

    keys = [
        AdoptionKeys(1001, northwind, "SAME-NAME", serial_number="ABC-777"),  # id beats serial
        AdoptionKeys(2002, northwind, "whatever", serial_number=" Abc-777 "),  # serial, any case
        AdoptionKeys(3003, contoso, "RECEPTION-pc"),  # name within the client, any case
        AdoptionKeys(4004, northwind, "x", serial_number="abc-777"),  # already claimed in this batch
        AdoptionKeys(5005, northwind, "Reception-PC"),  # same name, other client
        AdoptionKeys(6006, northwind, "SAME-NAME", serial_number="SERIAL-A"),  # owned by live device 1001
    ]
    with _statements() as statements:
        matches = adapter.match_assets(acme, keys)
    assert matches == [
        AssetMatch(linked, "ninjaone_id"),
        AssetMatch(by_serial, "serial"),
        AssetMatch(by_name, "name"),
        None,
        None,
        None,
    ]
    assert len(statements) <= 3

    adapter.retire_assets(acme, [linked], "device deleted")
    assert adapter.match_assets(acme, [keys[5]]) == [AssetMatch(linked, "serial")]  # re-enrolled device
    assert adapter.match_assets(_tenant("globex"), keys[:3]) == [None, None, None]


def test_match_is_batched_whatever_the_batch_size(ctx) -> None:
    acme = _tenant("acme")
    northwind = _client(acme, "Northwind Traders")
    keys = [AdoptionKeys(n, northwind, f"HOST-{n}", serial_number=f"SN-{n}") for n in range(500)]
    with _statements() as statements:
        assert adapter.match_assets(acme, keys) == [None] * 500
    assert len(statements) <= 3


def test_match_finds_the_right_assets_among_more_than_a_thousand_keys(ctx) -> None:
    """1,500 keys: 500 by device id, 500 by serial, 500 by name (quotes, unicode and a backslash in
    the values, which the lookups write into their SQL as literals), another tenant's lookalikes
    never returned."""
    acme, globex = _tenant("acme"), _tenant("globex")
    northwind = _client(acme, "Northwind Traders")
    other_client = db.session.scalar(select(Client.id).where(Client.tenant_id == int(globex)))
    expected: list[AssetMatch | None] = []
    keys: list[AdoptionKeys] = []
    for n in range(1500):
        serial, name = f"SN-{n}'x\\", f"Hôte {n} d'accueil"
        if n < 500:
            fields = {"external_source": "ninjaone", "external_id": str(10_000 + n)}
            kind = "ninjaone_id"
        elif n < 1000:
            fields, kind = {"serial_number": serial}, "serial"
        else:
            fields, kind = {}, "name"
        _asset(globex, str(other_client), name, serial_number=serial, external_source="ninjaone",
               external_id=str(10_000 + n))  # fmt: skip
        asset = _asset(acme, northwind, name if kind == "name" else f"other {n}", **fields)
        expected.append(AssetMatch(str(asset.id), kind))
        keys.append(AdoptionKeys(10_000 + n, northwind, name.upper(), serial_number=serial.lower()))
    keys.append(AdoptionKeys(99_999, northwind, "nobody", serial_number="NO-SUCH'SERIAL"))
    with _statements() as statements:
        assert adapter.match_assets(acme, keys) == [*expected, None]
    assert len(statements) == 3


def test_match_lookups_are_planned_with_their_values(ctx) -> None:
    """Two batches of the same size never send the same statement text: a driver that prepares
    repeated statements (psycopg, after five) never gets to reuse a generic plan for them."""
    acme = _tenant("acme")
    northwind = _client(acme, "Northwind Traders")
    texts = []
    for start in (0, 100):
        keys = [
            AdoptionKeys(n, northwind, f"H-{n}", serial_number=f"S-{n}") for n in range(start, start + 50)
        ]
        with _statements() as statements:
            adapter.match_assets(acme, keys)
        texts.append(statements)
    assert len(texts[0]) == len(texts[1]) == 3
    assert all(first != second for first, second in zip(*texts, strict=True))
    by_id, by_serial, by_name = texts[0]
    assert "'5'" in by_id and "'S-5'" in by_serial and "'h-5'" in by_name


def test_upsert_creates_then_updates_but_never_touches_host_owned_fields(ctx) -> None:
    acme = _tenant("acme")
    seen = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    record = _record(
        acme,
        777,
        name="NWT-SRV-NEW",
        asset_type=AssetType.SERVER,
        is_virtual=True,
        node_class="WINDOWS_SERVER",
        location_name="Main office",
        agent_status="online",
        last_seen=seen,
        manufacturer="Dell Inc.",
        model="PowerEdge R760",
        serial_number="svc-tag-1",
        os_name="Windows Server 2025",
        os_version="24H2",
        cpu_model="Xeon",
        cpu_cores=32,
        cpu_count=2,
        ram_gb=256.0,
        storage_total_gb=4000.0,
        volumes=(Volume("C:", 500 * 1024**3, 100 * 1024**3, "NTFS"),),
        ip_addresses=("10.0.0.9",),
        mac_addresses=("AA:BB:CC:DD:EE:FF",),
        public_ip="203.0.113.9",
        last_logged_in_user="NWT\\admin",
        ninjaone_url="https://app.ninjarmm.com/#/deviceDashboard/777/overview",
    )
    [asset_id] = adapter.upsert_assets(acme, [record])
    db.session.commit()
    asset = db.session.get(Asset, int(asset_id))
    assert (asset.external_source, asset.external_id, asset.status) == ("ninjaone", "777", "active")
    assert (asset.asset_type, asset.is_virtual, asset.location, asset.last_user) == (
        "server",
        True,
        "Main office",
        "NWT\\admin",
    )
    assert asset.serial_key == "SVC-TAG-1" and asset.ip_addresses == ["10.0.0.9"]
    assert asset.last_seen.replace(tzinfo=UTC) == seen  # stored in UTC
    assert asset.details["node_class"] == "WINDOWS_SERVER" and asset.details["cpu_count"] == 2
    assert asset.details["volumes"] == [
        {"name": "C:", "capacity_bytes": 500 * 1024**3, "free_bytes": 100 * 1024**3, "file_system": "NTFS"}
    ]
    assert asset.external_url.endswith("/777/overview")
    assert adapter.asset_device_id(acme, asset_id) == 777

    asset.notes = "Keep the iDRAC password in the vault"
    asset.custom_attributes = {"warranty": "2029"}
    db.session.commit()

    update = replace(record, host_asset_id=asset_id, os_version="25H2", model=None, agent_status="offline")
    assert adapter.upsert_assets(acme, [update]) == [asset_id]
    db.session.commit()
    db.session.expire_all()
    asset = db.session.get(Asset, int(asset_id))
    assert asset.os_version == "25H2" and asset.agent_status == "offline"
    assert asset.model == "PowerEdge R760"  # None means unknown, not "clear"
    assert asset.notes == "Keep the iDRAC password in the vault"
    assert asset.custom_attributes == {"warranty": "2029"}
    assert adapter.host_owned_fields() == {"notes", "custom_attributes"}


def test_upsert_writes_a_batch_in_a_few_statements_and_leaves_the_commit_to_the_caller(ctx) -> None:
    acme = _tenant("acme")
    ids = adapter.upsert_assets(acme, [_record(acme, n) for n in range(1, 101)])
    db.session.commit()
    records = [_record(acme, n, host_asset_id=ids[n - 1], os_name="Windows 11") for n in range(1, 101)]
    records += [_record(acme, n) for n in range(101, 201)]
    with _statements() as statements:
        new_ids = adapter.upsert_assets(acme, records)
    assert new_ids[:100] == ids and len(set(new_ids)) == 200
    # No per-record reads, one executemany for the updates. (Inserts are one row per statement on
    # SQLite, which cannot return generated ids in order; PostgreSQL gets multi-row INSERTs.)
    assert sum(statement.startswith("SELECT") for statement in statements) == 2
    assert sum(statement.startswith("UPDATE") for statement in statements) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(Asset.external_id == "150")) == 0


def test_upsert_refuses_a_client_of_another_tenant_and_recreates_vanished_assets(ctx) -> None:
    acme, globex = _tenant("acme"), _tenant("globex")
    with pytest.raises(LookupError):
        adapter.upsert_assets(acme, [_record(acme, 1, client_id=_client(globex, "Initech"))])
    globex_asset = str(db.session.scalar(select(Asset.id).where(Asset.tenant_id == int(globex))))
    [new_id] = adapter.upsert_assets(acme, [_record(acme, 2, host_asset_id=globex_asset)])
    assert new_id != globex_asset
    assert db.session.get(Asset, int(globex_asset)).tenant_id == int(globex)


def test_retire_keeps_the_row_but_marks_it_inactive(ctx) -> None:
    acme = _tenant("acme")
    [asset_id] = adapter.upsert_assets(acme, [_record(acme, 4242, agent_status="online")])
    adapter.retire_assets(acme, [asset_id, "not-an-id"], "Device deleted in NinjaOne")
    adapter.retire_assets(_tenant("globex"), [asset_id], "wrong tenant: ignored")
    db.session.commit()
    asset = db.session.get(Asset, int(asset_id))
    assert (asset.status, asset.agent_status, asset.inactive_reason) == (
        "inactive",
        "unknown",
        "Device deleted in NinjaOne",
    )
    assert asset.external_id == "4242"
    assert adapter.asset_device_id(acme, asset_id) is None
    assert adapter.asset_device_id(_tenant("globex"), asset_id) is None


# --- tickets ------------------------------------------------------------------------------------------
def test_create_ticket_numbers_per_tenant_and_links_assets(ctx) -> None:
    acme, globex = _tenant("acme"), _tenant("globex")
    server = str(db.session.scalar(select(Asset.id).where(Asset.name == "NWT-DC01")))
    draft = TicketDraft(
        client_id=None,
        title="CPU above 90% on NWT-DC01",
        description="Condition: CPU > 90% for 15 minutes",
        priority="high",
        asset_ids=(server,),
        external_ref="series-123",
    )
    first = adapter.create_ticket(acme, draft)
    second = adapter.create_ticket(acme, replace(draft, asset_ids=()))
    other = adapter.create_ticket(globex, replace(draft, asset_ids=()))
    db.session.commit()
    tickets = {ticket.id: ticket for ticket in db.session.scalars(select(Ticket))}
    assert [tickets[int(ticket_id)].number for ticket_id in (first, second, other)] == [5, 6, 4]
    created = tickets[int(first)]
    assert created.client_id == int(_client(acme, "Northwind Traders"))  # taken from its asset
    assert (created.board, created.source, created.created_by_id, created.external_ref) == (
        "Alerts",
        "ninjaone",
        None,
        "series-123",
    )
    assert adapter.ticket_asset_ids(acme, first) == [server]
    assert adapter.ticket_asset_ids(globex, first) == []


def test_create_ticket_rejects_foreign_ids_and_unknown_priorities(ctx) -> None:
    acme, globex = _tenant("acme"), _tenant("globex")
    globex_asset = str(db.session.scalar(select(Asset.id).where(Asset.tenant_id == int(globex))))
    draft = TicketDraft(client_id=None, title="t", description="", priority="high")
    with pytest.raises(LookupError):
        adapter.create_ticket(acme, replace(draft, asset_ids=(globex_asset,)))
    with pytest.raises(LookupError):
        adapter.create_ticket(acme, replace(draft, client_id=_client(globex, "Initech")))
    with pytest.raises(LookupError):
        adapter.create_ticket(acme, replace(draft, assignee_id=_user(globex)))
    with pytest.raises(ValueError):
        adapter.create_ticket(acme, replace(draft, priority="critical"))


def test_ticket_state_tracks_integration_and_human_work(ctx) -> None:
    acme = _tenant("acme")
    ticket_id = adapter.create_ticket(
        acme, TicketDraft(client_id=None, title="Disk full", description="", priority="urgent")
    )
    assert adapter.ticket_state(acme, ticket_id) == _state(exists=True, is_open=True, worked=False)

    adapter.add_ticket_note(acme, ticket_id, "Alert repeated")
    adapter.close_ticket(acme, ticket_id, "Alert reset in NinjaOne")
    adapter.close_ticket(acme, ticket_id, "Alert reset in NinjaOne")  # a retried job
    assert adapter.ticket_state(acme, ticket_id) == _state(exists=True, is_open=False, worked=False)
    adapter.reopen_ticket(acme, ticket_id, "Alert came back")
    assert adapter.ticket_state(acme, ticket_id) == _state(exists=True, is_open=True, worked=False)
    notes = db.session.scalars(select(TicketNote).where(TicketNote.ticket_id == int(ticket_id))).all()
    assert [(note.body, note.author_id) for note in notes] == [
        ("Alert repeated", None),
        ("Alert reset in NinjaOne", None),
        ("Alert came back", None),
    ]

    ticket = db.session.get(Ticket, int(ticket_id))
    tech = db.session.scalar(select(User).where(User.email == "tech@acme.test"))
    ticketing.add_note(ticket, "Looking into it", tech)
    assert adapter.ticket_state(acme, ticket_id).worked_by_human is True

    other = adapter.create_ticket(
        acme, TicketDraft(client_id=None, title="x", description="", priority="low")
    )
    ticketing.set_status(db.session.get(Ticket, int(other)), "waiting", tech)
    assert adapter.ticket_state(acme, other).worked_by_human is True

    assert adapter.ticket_state(_tenant("globex"), ticket_id) == _state(exists=False)
    assert adapter.ticket_state(acme, "12345") == _state(exists=False)
    with pytest.raises(LookupError):
        adapter.add_ticket_note(_tenant("globex"), ticket_id, "not yours")


# --- notifications and pages --------------------------------------------------------------------------
def test_notify_reaches_only_the_tenants_active_users(app: Flask, ctx, login_as) -> None:
    acme = _tenant("acme")
    admin, tech = user_id(app, "admin@acme.test"), user_id(app, "tech@acme.test")
    foreign = user_id(app, "admin@globex.test", "globex")
    adapter.notify(
        acme, [str(admin), str(tech), str(foreign), "junk"], "NinjaOne disconnected", "Reconnect it"
    )
    db.session.commit()
    recipients = db.session.scalars(select(Notification.user_id).order_by(Notification.user_id)).all()
    assert recipients == sorted([admin, tech])
    assert "NinjaOne disconnected" in login_as("tech@acme.test").get("/").get_data(as_text=True)


def test_pages_are_the_real_routes(app: Flask) -> None:
    with app.test_request_context("/"):
        pages = adapter.pages("1")
        assert pages.asset.format(id=7) == url_for("assets.detail", asset_id=7)
        assert pages.ticket.format(id=7) == url_for("tickets.detail", ticket_id=7)
        assert pages.client.format(id=7) == url_for("clients.detail", client_id=7)
        assert pages.settings == url_for("settings.integrations")
    with app.app_context():
        assert adapter.pages("1").asset == "/assets/{id}"
