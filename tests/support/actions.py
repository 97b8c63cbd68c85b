"""Helpers shared by the action tests."""

from __future__ import annotations

import re

from sqlalchemy import select

from flask_ninjaone.models import Credential, DeviceAction, Integration
from flask_ninjaone.tenancy import tenant_scope
from sample_host.database import db
from tests.support.oauth_flow import authorization_code_tokens

#: The fake's request-count keys of a reboot and of a Remote Connect link, and a JSON-answer request.
REBOOT = "POST /v2/device/{id}/reboot/{mode}"
DASHBOARD = "GET /v2/device/{id}/dashboard-url"
JSON = {"Accept": "application/json"}


def sign_in(acme, tenant_id: str | None = None) -> None:
    """Turn a tenant's connection (acme's by default) into one made by signing in: an authorization-code
    token pair."""
    tokens = authorization_code_tokens(acme.fake.url)
    with acme.app.app_context(), tenant_scope(tenant_id or acme.tenant.id):
        integration = db.session.scalars(select(Integration)).one()
        integration.auth_mode = "authorization_code"
        credential = db.session.scalars(select(Credential)).one()
        credential.access_token, credential.refresh_token = tokens.access_token, tokens.refresh_token
        db.session.commit()


def actions(acme) -> list[DeviceAction]:
    """Every action row of acme, oldest first, detached from the session."""
    with acme.scope():
        rows = db.session.scalars(select(DeviceAction).order_by(DeviceAction.id)).all()
        db.session.expunge_all()
        return list(rows)


def submission(page: str) -> str:
    """The one-time submission token of a confirmation page."""
    return re.search(r'name="submission" value="([^"]+)"', page).group(1)
