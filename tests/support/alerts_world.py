"""The alerts world: acme connected to a fake NinjaOne with its devices synced and no active alert, built
once per session and restored per test (``restore_world``), and ``World``, the helpers alert tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from flask_ninjaone.alerts import rule_store
from flask_ninjaone.alerts.lifecycle import handle_condition
from flask_ninjaone.client.schemas import ActivitySchema
from flask_ninjaone.models import Alert, Device, Integration, metadata
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.tenancy import tenant_scope
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fake_ninjaone.payloads import device_with_references
from flask_ninjaone.testing.world import Worlds
from sample_host import ticketing
from sample_host.database import db
from sample_host.models import Tenant, Ticket, User
from tests.support.schema import create_schema_and_seed
from tests.support.world import connect_tenant

KEY = "yAqzLo2d2eW7pHsXDMqCcqhEjmGZBhxgM2IGr7pQMhs="


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


def build_world(app: Flask, fake: FakeNinjaOne) -> None:
    """Schema, demo data, acme connected to the fake with every organization mapped, devices synced;
    then every alert of the seeded fleet reset, so each test starts with no active alert in the fake."""
    create_schema_and_seed(app)
    with app.app_context():
        tenant, integration_id = connect_tenant(fake, "acme")
        with tenant_scope(tenant.id):
            run = run_sync(integration_id, kind="full", trigger="manual")
            assert run.state == "succeeded", run.error
        db.session.remove()
        db.engine.dispose()
    for alert in fake.state.alerts():
        fake.state.reset_alert(alert["uid"])


def restore_world(app: Flask, worlds: Worlds, fake: FakeNinjaOne) -> None:
    """The alerts world in ``app``'s database and in ``fake``: built by the session's first test that
    asks (per database kind), restored for every other."""
    with app.app_context():
        engine = db.engine
        worlds.restore_or_build(
            f"alerts-{engine.dialect.name}",
            engine,
            lambda: build_world(app, fake),
            metadatas=(db.metadata, metadata),
            fakes=[fake],
        )
        db.session.remove()


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
        with self.app.app_context():
            ticket = db.session.get(Ticket, int(ticket_id))
            tech = db.session.scalar(select(User).where(User.email == "tech@acme.test"))
            assert ticketing.close_ticket(ticket, tech, "Fixed the service.")
            db.session.commit()  # the sample host announces the close after the commit
            db.session.remove()

    def alert(self, series_uid: str):  # -> Alert

        with self.scope() as session:
            alert = session.scalars(select(Alert).where(Alert.series_uid == series_uid)).one()
            session.expunge(alert)
            return alert

    def alerts(self) -> list[Any]:
        with self.scope() as session:
            rows = list(session.scalars(select(Alert).order_by(Alert.id)))
            session.expunge_all()
            return rows

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """The host ticket as plain data: status, priority, board, title, description, notes, assets."""
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
