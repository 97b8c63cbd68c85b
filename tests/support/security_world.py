"""The world every security test runs in: two tenants of the sample host, each connected to its own fake
NinjaOne, with one object of every kind the extension's routes can point at.

* **acme** (the tenant whose users make the requests) carries hostile text in everything NinjaOne
  controls: an organization named ``<script>…``, a device named ``"><img …>``, an alert message and a
  software title with both payloads, a rule and a maintenance window named with them. Every page that
  renders them must escape them.
* **globex** (the victim) carries :data:`GLOBEX_MARK` in every name NinjaOne controls, so "acme saw none
  of globex's data" is a plain substring search. Its NinjaOne ids never coincide with acme's (its fake
  numbers devices from 100001 and has more organizations), so "globex's object id" is never also one of
  acme's own objects.

Building takes a few seconds, so it happens once per session into a template; each test gets the
template's state back (a file copy on SQLite, a row-level restore on PostgreSQL, and both fake
NinjaOnes' states: the pytest plugin's ``WorldSnapshot``, ``flask_ninjaone/testing/world.py``).
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from flask_ninjaone.alerts import rule_store
from flask_ninjaone.connection.connect import connect_client_credentials
from flask_ninjaone.inventory import field_map
from flask_ninjaone.models import (
    Alert,
    AlertRule,
    AuditEntry,
    Device,
    DeviceAction,
    DeviceTypeRule,
    FieldMapping,
    Integration,
    MaintenanceWindow,
    OrganizationMapping,
    RuleTest,
    Software,
    SyncRun,
    WebhookDelivery,
)
from flask_ninjaone.models import metadata as ninjaone_metadata
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.tenancy import tenant_scope
from flask_ninjaone.testing.fake_ninjaone import FakeState, seed_fleet
from flask_ninjaone.testing.fake_ninjaone import inventory as fake_inventory
from flask_ninjaone.testing.fake_ninjaone.payloads import device_with_references
from flask_ninjaone.testing.world import sorted_tables
from sample_host import create_app
from sample_host.asset_attributes import ATTRIBUTES
from sample_host.database import db
from sample_host.models import Tenant, User
from sample_host.seed import TENANTS
from tests.support.schema import create_schema_and_seed

PREFIX = "/integrations/ninjaone"
WEBHOOK_PREFIX = "/webhooks/ninjaone"
WEBHOOK_HEADER = "X-NinjaOne-Webhook-Secret"
#: Fixed so the secrets test can search for it; generated for this suite, used nowhere else.
FERNET_KEY = "MQH1vZaLVWi9dQdSf4aLLQtT0GxV8SPT8vbL8AysKzQ="
CLIENT_ID, CLIENT_SECRET = "demo-client-id", "demo-client-secret"
WEBHOOK_SECRETS = {
    "acme": "acme-webhook-secret-5f0c1d2e3f4a5b6c7d8e9f00",
    "globex": "globex-webhook-secret-a9b8c7d6e5f4a3b2c1d0e9f8",
}

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'
XSS_PAYLOADS = (XSS_SCRIPT, XSS_IMG)
#: In every name of globex's NinjaOne data (organizations, devices, alert message, software, rule, window).
GLOBEX_MARK = "GLBXLEAK"

ACME_SEED, GLOBEX_SEED = 8101, 8102
ROLE_EMAILS = {"admin": "admin@{}.test", "technician": "tech@{}.test", "viewer": "viewer@{}.test"}
ROLES = ("admin", "technician", "viewer", "anonymous")


# -- the fakes ---------------------------------------------------------------------------------------------


def acme_fake_state() -> FakeState:
    """A small seeded fleet plus an organization, location and online device named with XSS payloads."""
    state = FakeState()
    seed_fleet(state, devices=8, organizations=2, seed=ACME_SEED)
    organization = state.add_organization(f"{XSS_SCRIPT} Org")
    location = state.add_location(organization["id"], f"{XSS_IMG} HQ")
    state.create_device(
        organization["id"],
        "WINDOWS_WORKSTATION",
        location_id=location["id"],
        fields={"systemName": f"{XSS_IMG}-PC", "offline": False},
    )
    return state


def globex_fake_state() -> FakeState:
    """Globex's instance: marked names only, ids that never coincide with acme's."""
    state = FakeState()
    state.seed = GLOBEX_SEED  # what inventory (software, patches…) is derived from
    organizations = [state.add_organization(f"{GLOBEX_MARK} Org {n}") for n in range(1, 7)]
    state.reserve_device_id(gap=100_000)
    number = 0
    for organization in organizations[-2:]:
        location = state.add_location(organization["id"], f"{GLOBEX_MARK} Site {organization['id']}")
        for _ in range(3):
            number += 1
            state.create_device(
                organization["id"],
                "WINDOWS_WORKSTATION",
                location_id=location["id"],
                fields={"systemName": f"{GLOBEX_MARK}-DEV-{number}", "offline": False},
            )
    return state


_real_software = fake_inventory.software


def software_with_markers(seed: int, device: dict[str, Any]) -> list[dict[str, Any]]:
    """The fake's software list, plus a hostile title on acme's XSS device and a marked one on globex's.

    Installed over ``fake_inventory.software`` for the session; devices of other suites' fakes never
    carry these names, so they see the real list.
    """
    rows = _real_software(seed, device)
    name = str(device.get("systemName") or "")
    if name.startswith(XSS_IMG):
        extra = {"name": f"{XSS_SCRIPT} Suite", "publisher": XSS_IMG, "version": "1.0.0"}
    elif name.startswith(GLOBEX_MARK):
        extra = {
            "name": f"{GLOBEX_MARK} Software Suite",
            "publisher": f"{GLOBEX_MARK} Corp",
            "version": "9.9",
        }
    else:
        return rows
    return [*rows, {**extra, "installDate": "2024-01-01T00:00:00Z", "size": 1024}]


# -- what the world contains ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TenantWorld:
    """One tenant's objects, by the ids the routes take."""

    slug: str
    tenant_id: str
    integration_id: int
    public_id: str
    webhook_secret: str
    organization_id: int
    organization_ids: tuple[int, ...]
    device_id: int
    host_asset_id: str
    device_name: str
    alert_id: int
    series_uid: str
    alert_message: str
    ticket_id: str
    rule_id: int
    rule_test_id: int
    window_id: int
    run_id: int
    delivery_id: int
    audit_id: int
    software_name: str
    client_id: str  # a host client the tenant owns (for mapping forms)
    field_mapping_id: int  # the tenant's custom field mapping (assetTag -> asset_tag)
    location_id: int  # a location of organization_id (the sites page)
    type_rule_id: int  # a device type rule

    @property
    def receiver_path(self) -> str:
        return f"{WEBHOOK_PREFIX}/{self.public_id}"


@dataclass
class WorldInfo:
    tenants: dict[str, TenantWorld] = field(default_factory=dict)

    @property
    def acme(self) -> TenantWorld:
        return self.tenants["acme"]

    @property
    def globex(self) -> TenantWorld:
        return self.tenants["globex"]


def globex_markers(info: WorldInfo) -> list[str]:
    """Strings only globex's data contains: its NinjaOne names, host clients, users, assets and secrets."""
    (spec,) = [tenant for tenant in TENANTS if tenant["slug"] == "globex"]
    markers = [GLOBEX_MARK, info.globex.webhook_secret, info.globex.public_id, info.globex.series_uid]
    markers += list(spec["clients"])
    markers += [name for _email, name, _role in spec["users"]]
    markers += [asset["name"] for asset in spec["assets"]]
    return markers


def host_environment_keys() -> list[str]:
    return [
        key
        for key in os.environ
        if key in ("DATABASE_URL", "SECRET_KEY")
        or (key.startswith("NINJAONE_") and not key.startswith("NINJAONE_TEST_"))
    ]


class BufferedClient(FlaskClient):
    """Reads every response to the end and closes it, as a WSGI server does: a streamed body (the CSV
    exports) left unread would keep its request context pushed into the next request."""

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def make_security_app(database_url: str, fake_urls: Iterable[str] = (), **overrides: Any) -> Flask:
    """The sample host on ``database_url`` (CSRF off unless overridden), ignoring the environment;
    ``fake_urls`` (the tenants' fake NinjaOnes) are the URLs the operator allows tenants to choose."""
    with pytest.MonkeyPatch.context() as patch:
        for key in host_environment_keys():
            patch.delenv(key)
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "security-suite-secret-key",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "NINJAONE_ENCRYPTION_KEYS": FERNET_KEY,
                "WTF_CSRF_ENABLED": False,
                "NINJAONE_ALLOWED_BASE_URLS": tuple(fake_urls),
                **overrides,
            }
        )
    app.test_client_class = BufferedClient
    return app


# -- building ------------------------------------------------------------------------------------------------


def tenant_id_of(app: Flask, slug: str) -> str:
    with app.app_context():
        found = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        db.session.remove()
    assert found is not None, slug
    return str(found)


def user_id_of(app: Flask, role: str, slug: str = "acme") -> int:
    with app.app_context():
        found = db.session.scalar(
            select(User.id)
            .join(Tenant, User.tenant_id == Tenant.id)
            .where(Tenant.slug == slug, User.email == ROLE_EMAILS[role].format(slug))
        )
        db.session.remove()
    assert found is not None, (role, slug)
    return found


@contextmanager
def tenant_db(app: Flask, slug: str) -> Iterator[Any]:
    """A short app context bound to ``slug``'s tenant (its session is removed afterwards)."""
    with app.app_context(), tenant_scope(tenant_id_of(app, slug)):
        try:
            yield db.session
        finally:
            db.session.remove()


def login(app: Flask, role: str, slug: str = "acme") -> FlaskClient:
    """A test client logged in as ``role`` of ``slug`` (``anonymous``: not logged in)."""
    client = app.test_client()
    if role != "anonymous":
        uid = user_id_of(app, role, slug)
        with client.session_transaction() as session:
            session["user_id"] = uid
    return client


def condition_delivery(state: FakeState, device_id: int, message: str) -> dict[str, Any]:
    """Trigger a condition in the fake; returns the TRIGGERED activity as the webhook delivers it."""
    result = state.trigger_condition(device_id, condition="cpu", message=message, severity="MAJOR")
    activity = dict(result["activities"][0])
    device = state.device(device_id)
    assert device is not None
    location = next(
        (loc for loc in state.locations_of(device["organizationId"]) if loc["id"] == device["locationId"]),
        None,
    )
    activity["device"] = device_with_references(
        device, state.organization(device["organizationId"]), location
    )
    return activity


def post_delivery(app: Flask, path: str, secret: str | None, body: Any, **headers: str):
    all_headers = {WEBHOOK_HEADER: secret} if secret is not None else {}
    all_headers.update(headers)
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return app.test_client().post(path, data=data, headers=all_headers, content_type="application/json")


def _connect_and_sync(app: Flask, slug: str, fake_url: str, names: dict[str, str]) -> None:
    with app.app_context(), tenant_scope(tenant_id_of(app, slug)):
        session = db.session
        connect_client_credentials(
            session, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, region=None, custom_url=fake_url,
            actor=None,
        )  # fmt: skip
        integration = session.scalars(select(Integration)).one()
        mapping.apply_suggestions(session, integration, create_missing=True)
        integration.webhook_secret = WEBHOOK_SECRETS[slug]
        session.commit()
        run = run_sync(integration.id, kind="full", trigger="manual")
        assert run.state == "succeeded", run.error
        session.add(
            DeviceTypeRule(
                integration_id=integration.id, organization_id=0, match_kind="class", match_value="MAC",
                host_asset_type="laptop",
            )
        )  # fmt: skip
        session.commit()
        definitions, unreachable = field_map.load_definitions(integration)
        assert unreachable is None, unreachable
        field_map.save_mapping(
            session, integration, definitions, ATTRIBUTES, "assetTag", "asset_tag", two_way=True
        )
        session.commit()
        rule = rule_store.create_rule(session, name=names["rule"], conditions={}, actions={}, catch_all=True)
        session.add(RuleTest(rule_id=rule.id, rule_name=rule.name, spec={}, subject=f"world-{slug}",
                             alert_limit=50, state="succeeded", results=[]))  # fmt: skip
        session.commit()
        rule_store.create_window(
            session,
            {
                "name": names["window"],
                "recurrence": "none",
                "starts_at": datetime(2031, 1, 1, tzinfo=UTC),
                "ends_at": datetime(2031, 1, 1, 2, tzinfo=UTC),
            },
        )
        session.remove()


def _target_device(app: Flask, slug: str, prefix: str) -> tuple[int, str, str]:
    with tenant_db(app, slug) as session:
        device = session.scalars(
            select(Device)
            .where(Device.name.startswith(prefix), Device.host_asset_id.is_not(None))
            .order_by(Device.device_id)
        ).first()
        assert device is not None, f"no synced device named {prefix}… in {slug}"
        return device.device_id, str(device.host_asset_id), device.name


def _collect(app: Flask, slug: str, device: tuple[int, str, str], message: str) -> TenantWorld:
    device_id, host_asset_id, device_name = device
    with tenant_db(app, slug) as session:
        integration = session.scalars(select(Integration)).one()
        organizations = session.scalars(
            select(OrganizationMapping).order_by(OrganizationMapping.organization_id)
        ).all()
        device_row = session.scalars(select(Device).where(Device.device_id == device_id)).one()
        alert = session.scalars(select(Alert).where(Alert.device_id == device_id)).one()
        assert alert.ticket_id, f"{slug}'s alert opened no ticket"
        mapped = next(org for org in organizations if org.organization_id == device_row.organization_id)
        software = session.scalars(
            select(Software.name).where(Software.device_id == device_id).order_by(Software.id.desc())
        ).first()
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "remote.connect")).one()
        return TenantWorld(
            slug=slug,
            tenant_id=integration.tenant_id,
            integration_id=integration.id,
            public_id=integration.public_id,
            webhook_secret=integration.webhook_secret,
            organization_id=mapped.organization_id,
            organization_ids=tuple(org.organization_id for org in organizations),
            device_id=device_id,
            host_asset_id=host_asset_id,
            device_name=device_name,
            alert_id=alert.id,
            series_uid=alert.series_uid,
            alert_message=message,
            ticket_id=str(alert.ticket_id),
            rule_id=session.scalars(select(AlertRule.id)).one(),
            rule_test_id=session.scalars(select(RuleTest.id).order_by(RuleTest.id)).first(),
            window_id=session.scalars(select(MaintenanceWindow.id)).one(),
            run_id=session.scalars(select(SyncRun.id).order_by(SyncRun.id)).first(),
            delivery_id=session.scalars(select(WebhookDelivery.id)).one(),
            audit_id=audit.id,
            software_name=software or "",
            client_id=str(mapped.host_client_id),
            field_mapping_id=session.scalars(select(FieldMapping.id)).one(),
            location_id=mapped.locations[0]["id"],
            type_rule_id=session.scalars(select(DeviceTypeRule.id)).one(),
        )


TENANT_SPECS = {
    "acme": {
        "device_prefix": XSS_IMG,
        "message": f"CPU high {XSS_SCRIPT} {XSS_IMG}",
        "rule": f"Catch-all {XSS_IMG}",
        "window": f"Freeze {XSS_SCRIPT}",
    },
    "globex": {
        "device_prefix": GLOBEX_MARK,
        "message": f"{GLOBEX_MARK} alert message",
        "rule": f"{GLOBEX_MARK} Catch-all",
        "window": f"{GLOBEX_MARK} Freeze",
    },
}


def build_world(app: Flask, fakes: dict[str, Any]) -> WorldInfo:
    """Seed the host, connect and sync both tenants, then give each an alert with a ticket, a rule, a
    maintenance window, a webhook delivery, a Remote Connect audit row and a device action."""
    create_schema_and_seed(app)
    info = WorldInfo()
    for slug, spec in TENANT_SPECS.items():
        fake = fakes[slug]
        _connect_and_sync(app, slug, fake.url, spec)
        device = _target_device(app, slug, spec["device_prefix"])
        delivery = condition_delivery(fake.state, device[0], spec["message"])
        response = post_delivery(
            app, f"{WEBHOOK_PREFIX}/{_public_id(app, slug)}", WEBHOOK_SECRETS[slug], delivery
        )
        assert response.status_code == 202, response.get_data(as_text=True)
        remote = login(app, "admin", slug).post(
            f"{PREFIX}/remote/assets/{device[1]}/connect", headers={"Accept": "application/json"}
        )
        assert remote.status_code == 200, remote.get_data(as_text=True)
        _record_action(app, slug, device)
        info.tenants[slug] = _collect(app, slug, device, spec["message"])
    acme, globex = info.acme, info.globex
    assert globex.organization_id not in acme.organization_ids, "globex's organization id is also acme's"
    assert acme.software_name.startswith(XSS_SCRIPT) and globex.software_name.startswith(GLOBEX_MARK)
    return info


def _record_action(app: Flask, slug: str, device: tuple[int, str, str]) -> None:
    """A finished reboot of the tenant's device by its technician (the device actions audit lists it)."""
    device_id, host_asset_id, device_name = device
    with tenant_db(app, slug) as session:
        session.add(
            DeviceAction(
                integration_id=session.scalars(select(Integration.id)).one(),
                action_key=f"world-{slug}",
                device_id=device_id,
                device_name=device_name,
                host_asset_id=host_asset_id,
                kind="reboot",
                parameters={"mode": "NORMAL", "reason": f"{device_name} hung"},
                state="confirmed",
                result=f"Rebooted {device_name}.",
                requested_by_id=str(user_id_of(app, "technician", slug)),
                requested_by_name=f"{slug} technician",
            )
        )
        session.commit()


def _public_id(app: Flask, slug: str) -> str:
    with tenant_db(app, slug) as session:
        return session.scalars(select(Integration.public_id)).one()


# -- database state: snapshots to compare and to restore --------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value


Row = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class DatabaseState:
    """Every row of every table, as ``((column, value), ...)`` tuples, and who owns each."""

    tables: dict[str, frozenset[Row]]

    def owner(self, table: str, row: Row) -> str | None:
        """The tenant id a row belongs to: its ``tenant_id``, else that of the ticket, asset or user it
        hangs off (ticket notes, links, notifications); ``None`` when it names none."""
        values = dict(row)
        if "tenant_id" in values:
            return str(values["tenant_id"])
        for column, parent in (("ticket_id", "tickets"), ("asset_id", "assets"), ("user_id", "users")):
            if values.get(column) is not None:
                for candidate in self.tables.get(parent, ()):
                    found = dict(candidate)
                    if found.get("id") == values[column]:
                        return str(found.get("tenant_id"))
        return None


def database_state(app: Flask) -> DatabaseState:
    """Every row of every table (host and extension), read with Core so tenant scoping does not apply."""
    tables: dict[str, frozenset[Row]] = {}
    collecting = gc.isenabled()
    gc.disable()  # thousands of small tuples would otherwise trigger full collections (10x slower)
    try:
        _read_tables(app, tables)
    finally:
        if collecting:
            gc.enable()
    return DatabaseState(tables)


def _read_tables(app: Flask, tables: dict[str, frozenset[Row]]) -> None:
    with app.app_context():
        with db.engine.connect() as connection:
            for table in sorted_tables((db.metadata, ninjaone_metadata)):
                result = connection.execute(table.select())
                columns = list(result.keys())
                tables[table.name] = frozenset(
                    tuple(zip(columns, (_plain(v) for v in row), strict=True)) for row in result
                )
        db.session.remove()


@dataclass(frozen=True)
class Change:
    table: str
    kind: str  # "added" | "removed"
    row: Row
    owner: str | None

    def __str__(self) -> str:
        return f"{self.kind} in {self.table} (tenant {self.owner}): {dict(self.row)}"


def state_changes(before: DatabaseState, after: DatabaseState) -> list[Change]:
    """Rows that appeared or disappeared (an update is one of each), with their owners."""
    changes = []
    for name in sorted(set(before.tables) | set(after.tables)):
        old, new = before.tables.get(name, frozenset()), after.tables.get(name, frozenset())
        changes += [Change(name, "removed", row, before.owner(name, row)) for row in old - new]
        changes += [Change(name, "added", row, after.owner(name, row)) for row in new - old]
    return changes
