"""The setup most integration tests share: a seeded sample host with acme connected to a fake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.connection.connect import connect_client_credentials
from flask_ninjaone.host import TenantRef
from flask_ninjaone.models import Integration
from flask_ninjaone.models import metadata as ninjaone_metadata
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.state import get_state
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.world import Worlds
from sample_host.database import db


def connect_acme(app, fake) -> tuple[TenantRef, int]:
    """Seed the host, connect acme to ``fake`` (client credentials, the fake's demo API client) and
    map every organization, creating clients as needed; returns (tenant, integration id)."""
    assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    return connect_tenant(fake, "acme")


def connect_tenant(fake, slug: str) -> tuple[TenantRef, int]:
    """Connect the seeded host's tenant ``slug`` to ``fake`` like :func:`connect_acme` does acme."""
    tenant = get_state().host.find_tenant(slug)
    assert tenant is not None
    with tenant_scope(tenant.id):
        connect_client_credentials(
            db.session, client_id="demo-client-id", client_secret="demo-client-secret",
            region=None, custom_url=fake.url, actor=None,
        )  # fmt: skip
        integration = db.session.scalars(select(Integration)).one()
        mapping.apply_suggestions(db.session, integration, create_missing=True)
        return tenant, integration.id


def acme_world(
    fake: FakeNinjaOne, worlds: Worlds, name: str, build: Callable[[], Any]
) -> tuple[TenantRef, int]:
    """The world ``build()`` makes for acme (seeded, connected to ``fake``...) in the database of the
    app whose context is pushed: built by the session's first test that asks for ``name``, restored
    (database and fake) for the others. Returns (tenant, integration id)."""
    worlds.restore_or_build(name, db.engine, build, metadatas=(db.metadata, ninjaone_metadata), fakes=[fake])
    db.session.remove()
    tenant = get_state().host.find_tenant("acme")
    assert tenant is not None
    with tenant_scope(tenant.id):
        return tenant, db.session.scalars(select(Integration.id)).one()
