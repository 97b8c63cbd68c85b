"""Tenant scoping of the extension's ORM queries fails closed and never leaks rows."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import delete, func, select, update

from flask_ninjaone import TenantRef, TenantScopeError, UserRef, system_scope, tenant_scope
from flask_ninjaone.models import AuditEntry, Credential, Integration
from flask_ninjaone.state import get_state
from flask_ninjaone.tenancy import _scoped_tables, current_tenant_id, get_scoped, require_tenant_id
from sample_host.database import db
from sample_host.models import Tenant, User


def _seed_two_tenants():
    for tenant in ("1", "2"):
        with tenant_scope(tenant):
            integration = Integration(public_id=f"pub-{tenant}", base_url=f"https://t{tenant}.example")
            integration.credential = Credential(
                client_id=f"client-{tenant}", client_secret=f"secret-{tenant}"
            )
            db.session.add(integration)
            db.session.add_all(AuditEntry(action=f"act-{tenant}-{i}") for i in range(3))
            db.session.commit()
    db.session.expunge_all()


def test_query_without_tenant_raises(app):
    with pytest.raises(TenantScopeError):
        db.session.scalars(select(AuditEntry)).all()
    with pytest.raises(TenantScopeError):
        db.session.execute(select(func.count()).select_from(AuditEntry)).scalar()


def test_write_without_tenant_raises_and_writes_nothing(app):
    db.session.add(AuditEntry(action="orphan"))
    with pytest.raises(TenantScopeError):
        db.session.commit()
    db.session.rollback()
    with system_scope():
        assert db.session.scalars(select(AuditEntry)).all() == []


def test_each_tenant_sees_only_its_rows(app):
    _seed_two_tenants()
    for tenant in ("1", "2"):
        with tenant_scope(tenant):
            actions = db.session.scalars(select(AuditEntry.action)).all()
            assert sorted(actions) == [f"act-{tenant}-{i}" for i in range(3)]
            assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar() == 3
            integration = db.session.scalars(select(Integration)).one()
            assert integration.credential.client_id == f"client-{tenant}"
            db.session.expunge_all()
    with system_scope():
        assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar() == 6


def test_get_by_primary_key_of_other_tenant_returns_nothing(app):
    _seed_two_tenants()
    with system_scope():
        other_id = db.session.scalars(select(Integration.id).where(Integration.tenant_id == "2")).one()
    db.session.expunge_all()
    with tenant_scope("1"):
        assert db.session.get(Integration, other_id) is None


def test_bulk_update_and_delete_are_scoped(app):
    _seed_two_tenants()
    with tenant_scope("1"):
        db.session.execute(update(AuditEntry).values(result="changed"))
        db.session.execute(delete(Integration))
        db.session.commit()
    with tenant_scope("2"):
        assert set(db.session.scalars(select(AuditEntry.result))) == {"ok"}
        assert db.session.scalars(select(Integration)).one().base_url == "https://t2.example"


def test_writing_a_row_for_another_tenant_is_refused(app):
    with tenant_scope("1"):
        db.session.add(AuditEntry(tenant_id="2", action="sneaky"))
        with pytest.raises(TenantScopeError):
            db.session.commit()
        db.session.rollback()
    with system_scope():
        assert db.session.scalars(select(AuditEntry)).all() == []


def test_tenant_is_stamped_on_new_rows(app):
    with tenant_scope("7"):
        entry = AuditEntry(action="stamped")
        db.session.add(entry)
        db.session.commit()
        assert entry.tenant_id == "7"


def test_get_scoped_ignores_other_tenants_objects_in_the_identity_map(app):
    _seed_two_tenants()
    with tenant_scope("2"):
        other = db.session.scalars(select(Integration)).one()  # now in the identity map
    with tenant_scope("1"):
        assert db.session.get(Integration, other.id) is other  # what plain Session.get would leak
        assert get_scoped(db.session, Integration, other.id) is None


def test_a_tenant_scope_inside_the_system_scope_sees_its_own_rows_only(app):
    _seed_two_tenants()
    with system_scope():
        assert len(db.session.scalars(select(AuditEntry)).all()) == 6
        with tenant_scope("2"):  # e.g. a tenant's job run inline by the scheduler tick
            assert {row.action for row in db.session.scalars(select(AuditEntry))} == {
                f"act-2-{i}" for i in range(3)
            }
        assert len(db.session.scalars(select(AuditEntry)).all()) == 6  # the system scope is back


class _CountingTenantLookup:
    """Stands in for the host's ``current_tenant``: counts its calls and, like a real host, runs a
    query of its own (and flushes, as a host recording "last seen" would) to find the tenant."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.calls = 0

    def __call__(self) -> TenantRef:
        self.calls += 1
        db.session.flush()
        db.session.execute(select(func.count()).select_from(Tenant)).scalar()
        return TenantRef(self.tenant_id, f"t{self.tenant_id}", f"Tenant {self.tenant_id}")


def test_the_orm_hooks_never_ask_the_host(app, monkeypatch):
    """The hooks only read the bound tenant: a query or a flush before the request's tenant was bound
    fails closed without calling the host, so a host lookup never runs inside another statement."""
    _seed_two_tenants()
    lookup = _CountingTenantLookup("1")
    monkeypatch.setattr(get_state().host, "current_tenant", lookup)
    with app.test_request_context("/"):
        with pytest.raises(TenantScopeError, match="current_tenant_id"):
            db.session.scalars(select(AuditEntry)).all()
        db.session.add(AuditEntry(action="early"))
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()
        assert lookup.calls == 0

        assert current_tenant_id() == "1"  # the edge: the access check of every route does this
        assert {row.action for row in db.session.scalars(select(AuditEntry))} == {
            f"act-1-{i}" for i in range(3)
        }
        db.session.add(AuditEntry(action="later"))
        db.session.commit()
        assert require_tenant_id() == "1" and lookup.calls == 1


def test_a_page_request_asks_the_host_for_its_tenant_once(app, monkeypatch):
    """A host whose tenant lookup queries (and flushes) its own tables serves the extension's pages,
    and is asked once per request however many queries the page runs."""
    tenant = Tenant(slug="acme", name="Acme")
    db.session.add(tenant)
    db.session.flush()
    user = User(tenant_id=tenant.id, email="admin@acme.test", name="Admin", password_hash="x", role="admin")
    db.session.add(user)
    db.session.commit()
    tenant_id, user_id = str(tenant.id), user.id
    _seed_two_tenants()
    lookup = _CountingTenantLookup(tenant_id)
    monkeypatch.setattr(get_state().host, "current_tenant", lookup)
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user_id
    for path in ("/integrations/ninjaone/", "/integrations/ninjaone/alerts/", "/integrations/ninjaone/sync/"):
        before = lookup.calls
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert lookup.calls - before == 1, path


def test_scoped_tables_are_computed_once():
    assert _scoped_tables() is _scoped_tables()
    assert {"ninjaone_integrations", "ninjaone_audit_log"} <= _scoped_tables()


def test_a_host_that_authenticates_after_the_extension_still_gets_its_tenant(app, monkeypatch):
    """A host's own ``before_request`` registered after the extension runs after its binding: the
    request is left unbound then (not bound to "nobody"), and the access check binds it later."""
    tenant = Tenant(slug="late", name="Late")
    db.session.add(tenant)
    db.session.flush()
    user = User(tenant_id=tenant.id, email="admin@late.test", name="Admin", password_hash="x", role="admin")
    db.session.add(user)
    db.session.commit()
    tenant_id, user_id = str(tenant.id), user.id
    lookup = _CountingTenantLookup(tenant_id)
    host = get_state().host
    monkeypatch.setattr(host, "current_tenant", lambda: lookup() if g.get("host_authenticated") else None)
    monkeypatch.setattr(host, "current_user", lambda: UserRef(str(user_id), "Admin", "admin@late.test"))
    monkeypatch.setattr(host, "has_permission", lambda permission: True)
    app.before_request(lambda: setattr(g, "host_authenticated", True))
    response = app.test_client().get("/integrations/ninjaone/sync/")
    assert response.status_code == 200 and lookup.calls == 1
