"""Tenant scoping of the extension's ORM queries fails closed and never leaks rows."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from flask_ninjaone import TenantScopeError, system_scope, tenant_scope
from flask_ninjaone.models import AuditEntry, Credential, Integration
from sample_host.database import db


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
    from flask_ninjaone.tenancy import get_scoped

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
