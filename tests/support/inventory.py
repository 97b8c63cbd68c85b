"""Shared by the inventory and remote-access tests: acme connected to a fake NinjaOne and synced."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from flask_ninjaone import tenant_scope
from flask_ninjaone.host import TenantRef
from flask_ninjaone.inventory.refresh import refresh_inventory
from flask_ninjaone.models import Device, Software
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.world import Worlds
from sample_host.database import db
from sample_host.models import Tenant, User
from tests.support.world import acme_world, connect_acme

URL = "/integrations/ninjaone"


class FreshContextClient(FlaskClient):
    """Each request in its own app context, so ``g`` (the host's cached user, the bound tenant) never
    carries over from one client's request to another's, as the test app's outer context would make it."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with self.application.app_context():
            return super().open(*args, **kwargs)


@dataclass
class Connected:
    """A seeded host with acme connected to ``fake``, every organization mapped and one full sync."""

    app: Flask
    fake: FakeNinjaOne
    tenant: TenantRef
    integration_id: int

    def scope(self):  # type: ignore[no-untyped-def]
        return tenant_scope(self.tenant.id)

    def devices(self) -> list[SimpleNamespace]:
        """Snapshots (plain objects) of the live mirror rows, usable outside the tenant scope."""
        with self.scope():
            rows = db.session.scalars(
                select(Device)
                .where(Device.retired.is_(False), Device.host_asset_id.is_not(None))
                .order_by(Device.device_id)
            )
            return [
                SimpleNamespace(
                    **{column.key: getattr(row, column.key) for column in Device.__table__.columns}
                )
                for row in rows
            ]

    def login(self, client: FlaskClient, email: str, tenant_slug: str = "acme") -> FlaskClient:
        user_id = db.session.scalar(
            select(User.id)
            .join(Tenant, User.tenant_id == Tenant.id)
            .where(Tenant.slug == tenant_slug, User.email == email)
        )
        assert user_id is not None
        with client.session_transaction() as session:
            session["user_id"] = user_id
        return client


def connect_and_sync(app: Flask, fake: FakeNinjaOne) -> None:
    """Seed the host, connect acme to ``fake`` with every organization mapped, run one full sync."""
    tenant, integration_id = connect_acme(app, fake)
    with tenant_scope(tenant.id):
        run = run_sync(integration_id, kind="full", trigger="manual")
        assert run.state == "succeeded", run.error


def connected_world(
    app: Flask, fake: FakeNinjaOne, worlds: Worlds, name: str, build: Callable[[], Any] | None = None
) -> Connected:
    """acme connected and synced (``build``, by default :func:`connect_and_sync`), built once per session
    and restored per test (:func:`tests.support.world.acme_world`)."""
    app.test_client_class = FreshContextClient
    tenant, integration_id = acme_world(fake, worlds, name, build or (lambda: connect_and_sync(app, fake)))
    return Connected(app, fake, tenant, integration_id)


@contextlib.contextmanager
def count_writes(engine):
    """Every INSERT/UPDATE/DELETE statement sent to an inventory table while the block runs."""
    writes: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip().split(None, 3)
        if (
            head
            and head[0].upper() in ("INSERT", "UPDATE", "DELETE")
            and any(t in statement for t in INVENTORY_TABLES)
        ):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield writes
    finally:
        event.remove(engine, "before_cursor_execute", record)


def stored_software(acme) -> dict[int, set[tuple[str, str, str]]]:
    with acme.scope():
        rows = db.session.execute(
            select(Software.device_id, Software.name, Software.publisher, Software.version)
        )
        result: dict[int, set[tuple[str, str, str]]] = defaultdict(set)
        for device_id, name, publisher, version in rows:
            result[device_id].add((name, publisher, version))
        return dict(result)


def fake_software(acme) -> dict[int, set[tuple[str, str, str]]]:
    result = {}
    for device in acme.devices():
        rows = acme.fake.state.device_software(device.device_id)
        if rows:
            result[device.device_id] = {
                (r["name"], r.get("publisher", ""), r.get("version", "")) for r in rows
            }
    return result


def refresh(acme, **kwargs) -> SimpleNamespace:
    """Run a bulk refresh in acme's scope; the run record as a plain object."""
    with acme.scope():
        run = refresh_inventory(acme.integration_id, **kwargs)
        return SimpleNamespace(
            state=run.state, error=run.error, counts=dict(run.counts), api_calls=run.api_calls
        )


INVENTORY_TABLES = ("ninjaone_software", "ninjaone_patches", "ninjaone_software_changes", "ninjaone_devices")
