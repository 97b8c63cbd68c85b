"""Fixtures for the alert tests: acme connected to a fake NinjaOne with its devices synced.

Building that world (seed, OAuth, organizations, sync) takes seconds, so it is built once per session
(per xdist worker): on SQLite into a template file each test gets a copy of, on PostgreSQL
(``NINJAONE_TEST_DATABASE_URL``) into the worker's database, snapshotted, and each test gets a fresh
schema with the snapshot's rows. One fake NinjaOne serves the whole session; every test starts with no
active alert in it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from flask_ninjaone.client.schemas import ActivitySchema
from flask_ninjaone.connection.connect import connect_client_credentials
from flask_ninjaone.models import Device, Integration, metadata
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.state import get_state
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.tenancy import tenant_scope
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet
from flask_ninjaone.testing.fake_ninjaone.payloads import device_with_references
from sample_host import create_app
from sample_host.database import db
from sample_host.models import Tenant
from tests.support.services import postgres_url, reset_postgres, template_copy_or_postgres
from tests.support.snapshot import Snapshot

KEY = "yAqzLo2d2eW7pHsXDMqCcqhEjmGZBhxgM2IGr7pQMhs="


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host reads NINJAONE_* from the environment; a developer's settings must not leak in."""
    for key in list(os.environ):
        if key.startswith("NINJAONE_") and not key.startswith("NINJAONE_TEST_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def fake() -> Iterator[FakeNinjaOne]:
    state = FakeState()
    seed_fleet(state, devices=30, organizations=3, seed=11)
    with FakeNinjaOne(state) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_active_alerts(request: pytest.FixtureRequest) -> None:
    """Every test starts with no active alert in the (session-wide) fake."""
    if "fake" not in request.fixturenames:
        return
    fake = request.getfixturevalue("fake")
    fake.state.faults.clear()
    fake.state.oauth.unrevoke_access_tokens()  # a test that disconnected revoked every copy's token
    for alert in fake.state.alerts():
        fake.state.reset_alert(alert["uid"])


def _config(url: str, fake_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "NINJAONE_ALLOWED_BASE_URLS": [fake_url],  # tenants may only choose URLs the operator listed
        "TESTING": True,
        "SECRET_KEY": "alerts-test",
        "SQLALCHEMY_DATABASE_URI": url,
        "NINJAONE_ENCRYPTION_KEYS": KEY,
        "WTF_CSRF_ENABLED": False,
        **overrides,
    }


def build_world(app: Flask, fake_url: str) -> None:
    """Schema, demo data, acme connected to the fake with every organization mapped, devices synced."""
    with app.app_context():
        db.create_all()
        metadata.create_all(db.engine)
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tenant = get_state().host.find_tenant("acme")
        with tenant_scope(tenant.id):
            connect_client_credentials(
                db.session, client_id="demo-client-id", client_secret="demo-client-secret",
                region=None, custom_url=fake_url, actor=None,
            )  # fmt: skip
            integration = db.session.scalars(select(Integration)).one()
            mapping.apply_suggestions(db.session, integration, create_missing=True)
            run = run_sync(integration.id, kind="full", trigger="manual")
            assert run.state == "succeeded", run.error
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory, fake: FakeNinjaOne) -> Path | None:
    if os.environ.get("NINJAONE_TEST_DATABASE_URL"):
        return None
    path = tmp_path_factory.mktemp("alerts") / "world.db"
    build_world(create_app(_config(f"sqlite:///{path}", fake.url)), fake.url)
    return path


@pytest.fixture(scope="session")
def world_snapshot(world_template: Path | None, fake: FakeNinjaOne) -> Snapshot | None:
    """On PostgreSQL, the world's rows, built once into this worker's database (None on SQLite)."""
    if world_template is not None:
        return None
    url = postgres_url()
    reset_postgres(url)
    app = create_app(_config(url, fake.url))
    build_world(app, fake.url)
    return Snapshot(app)


@pytest.fixture
def database_url(world_template: Path | None, tmp_path: Path) -> str:
    """A copy of the template world (SQLite), or a fresh PostgreSQL schema (restored in ``world_app``)."""
    return template_copy_or_postgres(world_template, tmp_path, "alerts.db")


@pytest.fixture
def make_world_app(database_url: str, world_snapshot: Snapshot | None, fake: FakeNinjaOne):
    """Apps on this test's database (on PostgreSQL the first one restores the world into it)."""
    restored = False
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        nonlocal restored
        app = create_app(_config(database_url, fake.url, **overrides))
        if world_snapshot is not None and not restored:
            with app.app_context():
                db.create_all()
                metadata.create_all(db.engine)
                db.session.remove()
            world_snapshot.restore(app)
            restored = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def world_app(make_world_app) -> Flask:
    """The sample host with the world, no app context pushed (requests get fresh sessions)."""
    return make_world_app()


@dataclass(frozen=True)
class SyncedDevice:
    device_id: int
    organization_id: int
    host_asset_id: str
    name: str


class World:
    """acme's world and the helpers alert tests share (each helper uses a fresh session)."""

    def __init__(self, app: Flask, fake: FakeNinjaOne) -> None:
        self.app = app
        self.fake = fake
        with app.app_context():
            self.tenant_id = str(db.session.scalar(select(Tenant.id).where(Tenant.slug == "acme")))
            self.other_tenant_id = str(db.session.scalar(select(Tenant.id).where(Tenant.slug == "globex")))
            with tenant_scope(self.tenant_id):
                self.integration_id = db.session.scalars(select(Integration.id)).one()
            from sample_host.models import Ticket

            self.seeded_tickets = db.session.scalar(select(func.max(Ticket.id))) or 0
            db.session.remove()

    @contextmanager
    def scope(self) -> Iterator[Any]:
        """An app context bound to acme, with a session that is removed afterwards."""
        with self.app.app_context(), tenant_scope(self.tenant_id):
            try:
                yield db.session
            finally:
                db.session.remove()

    def integration(self, session: Any) -> Integration:
        return session.scalars(select(Integration).where(Integration.id == self.integration_id)).one()

    def devices(self) -> list[SyncedDevice]:
        """Synced devices that have a host asset, by id."""
        with self.scope() as session:
            rows = session.scalars(
                select(Device)
                .where(Device.host_asset_id.is_not(None), Device.retired.is_(False))
                .order_by(Device.device_id)
            )
            return [SyncedDevice(r.device_id, r.organization_id, r.host_asset_id, r.name) for r in rows]

    def device(self, index: int = 0) -> SyncedDevice:
        return self.devices()[index]

    def delivery(self, activity: dict[str, Any], *, expand: bool = True) -> dict[str, Any]:
        """The activity as a webhook delivers it (device expanded), loaded like the processor does."""
        payload = dict(activity)
        device = self.fake.state.device(activity["deviceId"]) if expand and "deviceId" in activity else None
        if device is not None:
            payload["device"] = device_with_references(
                device,
                self.fake.state.organization(device["organizationId"]),
                next(
                    (
                        loc
                        for loc in self.fake.state.locations_of(device["organizationId"])
                        if loc["id"] == device["locationId"]
                    ),
                    None,
                ),
            )
        return ActivitySchema().load(payload)

    def handle(self, activity: dict[str, Any], *, expand: bool = True) -> None:
        """Process one raw activity through ``handle_condition`` (a fresh worker-like session)."""
        from flask_ninjaone.alerts.lifecycle import handle_condition

        loaded = self.delivery(activity, expand=expand)
        with self.scope() as session:
            handle_condition(session, self.integration(session), loaded)

    def trigger(self, device_id: int, **kwargs: Any) -> dict[str, Any]:
        """Trigger in the fake and process the TRIGGERED delivery; returns the fake's result."""
        result = self.fake.state.trigger_condition(device_id, **kwargs)
        self.handle(result["activities"][0])
        return result

    def reset(self, uid: str) -> dict[str, Any]:
        activity = self.fake.state.reset_alert(uid)
        self.handle(activity)
        return activity

    def active_in_ninjaone(self) -> set[str]:
        """The uids of the alerts active in the fake NinjaOne."""
        return {alert["uid"] for alert in self.fake.state.alerts()}

    def close_as_person(self, ticket_id: str) -> None:
        """A technician closes the ticket in the host, which announces it (``ticket_closed``)."""
        from sample_host import ticketing
        from sample_host.models import Ticket, User

        with self.app.app_context():
            ticket = db.session.get(Ticket, int(ticket_id))
            tech = db.session.scalar(select(User).where(User.email == "tech@acme.test"))
            assert ticketing.close_ticket(ticket, tech, "Fixed the service.")
            db.session.commit()  # the sample host announces the close after the commit
            db.session.remove()

    def alert(self, series_uid: str):  # -> Alert
        from flask_ninjaone.models import Alert

        with self.scope() as session:
            alert = session.scalars(select(Alert).where(Alert.series_uid == series_uid)).one()
            session.expunge(alert)
            return alert

    def alerts(self) -> list[Any]:
        from flask_ninjaone.models import Alert

        with self.scope() as session:
            rows = list(session.scalars(select(Alert).order_by(Alert.id)))
            session.expunge_all()
            return rows

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """The host ticket as plain data: status, priority, board, title, description, notes, assets."""
        from sample_host.models import Ticket

        with self.app.app_context():
            ticket = db.session.get(Ticket, int(ticket_id))
            assert ticket is not None
            data = {
                "id": ticket.id,
                "tenant_id": ticket.tenant_id,
                "status": ticket.status,
                "number": ticket.number,
                "priority": ticket.priority,
                "board": ticket.board,
                "title": ticket.title,
                "description": ticket.description,
                "client_id": ticket.client_id,
                "assignee_id": ticket.assignee_id,
                "external_ref": ticket.external_ref,
                "asset_ids": [str(asset.id) for asset in ticket.assets],
                "notes": [note.body for note in ticket.notes],
            }
            db.session.remove()
            return data

    def tickets(self) -> list[dict[str, Any]]:
        """acme's tickets opened during the test (the seeded ones excluded)."""
        from sample_host.models import Ticket

        with self.app.app_context():
            ids = db.session.scalars(
                select(Ticket.id)
                .where(Ticket.tenant_id == int(self.tenant_id), Ticket.id > self.seeded_tickets)
                .order_by(Ticket.id)
            ).all()
            db.session.remove()
        return [self.ticket(str(ticket_id)) for ticket_id in ids]

    def add_rule(
        self, name: str = "Everything", *, catch_all: bool = False, active: bool = True, **fields: Any
    ) -> int:
        """Create a rule (``conditions=`` / ``actions=`` dicts) through the audited store."""
        from flask_ninjaone.alerts import rule_store

        with self.scope() as session:
            rule = rule_store.create_rule(
                session,
                name=name,
                conditions=fields.get("conditions", {}),
                actions=fields.get("actions", {}),
                active=active,
                catch_all=catch_all,
            )
            return rule.id


@pytest.fixture
def world(world_app: Flask, fake: FakeNinjaOne) -> World:
    return World(world_app, fake)


@pytest.fixture
def catch_all(world: World) -> int:
    """A catch-all rule with the default actions (create tickets, close on reset)."""
    return world.add_rule("Catch-all", catch_all=True)
