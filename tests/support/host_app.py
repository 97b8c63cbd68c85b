"""Helpers shared by the host tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from sample_host import create_app
from sample_host.database import db
from sample_host.models import Tenant, User

TEST_FERNET_KEY = "yAqzLo2d2eW7pHsXDMqCcqhEjmGZBhxgM2IGr7pQMhs="


def build_app(database: Path, **overrides: object) -> Flask:
    """An app on the SQLite file ``database``, CSRF off unless a test turns it back on."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "NINJAONE_ENCRYPTION_KEYS": TEST_FERNET_KEY,
            **overrides,
        }
    )


def user_id(app: Flask, email: str, tenant_slug: str = "acme") -> int:
    """Id of a seeded user."""
    with app.app_context():
        found = db.session.scalar(
            select(User.id)
            .join(Tenant, User.tenant_id == Tenant.id)
            .where(Tenant.slug == tenant_slug, User.email == email)
        )
    assert found is not None, f"no seeded user {email} in {tenant_slug}"
    return found


def links(html: str, prefix: str) -> list[str]:
    """Distinct detail-page links like ``/tickets/3`` in a page, in order of appearance."""
    found = re.findall(rf'href="({re.escape(prefix)}\d+)"', html)
    return list(dict.fromkeys(found))
