"""The alert pages as the tests drive them: the URL prefix, a signed-in client, form bodies."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sample_host.database import db
from sample_host.models import Tenant, User

PREFIX = "/integrations/ninjaone"


HOSTILE = "<script>alert('x')</script> & naïve ✓ 日本語"


def _login(app: Flask, email: str | None, tenant: str = "acme") -> FlaskClient:
    client = app.test_client()
    if email is not None:
        with app.app_context():
            user_id = db.session.scalar(
                select(User.id)
                .join(Tenant, User.tenant_id == Tenant.id)
                .where(Tenant.slug == tenant, User.email == email)
            )
            db.session.remove()
        assert user_id is not None
        with client.session_transaction() as session:
            session["user_id"] = user_id
    return client


FORM = {
    "name": "Posted rule",
    "active": "y",
    "mode": "create_ticket",
    "priority": "",
    "assignee_id": "",
    "reopen_window_hours": "0",
    "flap_cycles": "3",
    "flap_minutes": "60",
    "recurrence": "none",
    "timezone": "UTC",
    "organization_id": "",
    "starts_at": "2030-01-01T00:00",
    "ends_at": "2030-01-01T02:00",
}


def _user_id(app, email: str) -> int:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        db.session.remove()
    return user_id
