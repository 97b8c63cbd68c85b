"""Steps of the NinjaOne connection as a browser takes them: our app via the Flask test client, the
fake NinjaOne's authorize page over real HTTP with ``requests``."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager

import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from flask_ninjaone import tenant_scope
from flask_ninjaone.forms.instance import INSTANCE_FIELD
from sample_host.database import db
from sample_host.models import Tenant, User

DEMO_ID, DEMO_SECRET = "demo-client-id", "demo-client-secret"
PREFIX = "/integrations/ninjaone"
SETTINGS = PREFIX + "/"


def save_credentials(
    client: FlaskClient,
    base_url: str,
    client_id: str = DEMO_ID,
    client_secret: str = DEMO_SECRET,
    *,
    add: bool = False,
    **extra: str,
) -> TestResponse:
    """Post the credentials form; ``add`` saves them as another instance beside the tenant's others."""
    data = {
        "client_id": client_id,
        "client_secret": client_secret,
        "region": "custom",
        "custom_url": base_url,
    }
    data.update(extra)
    return client.post(PREFIX + "/credentials" + ("?add=1" if add else ""), data=data)


def start_connect(client: FlaskClient, page: str | None = None) -> TestResponse:
    """Click Connect; ``page``: the settings page it is clicked on (its form names the instance)."""
    return client.post(PREFIX + "/connect", data=bound_to(page) if page is not None else {})


def bound_to(page: str) -> dict[str, str]:
    """The hidden field a page's forms carry naming the instance it was rendered for (issue 22), to
    post with a form "clicked" on that page, as a browser would."""
    match = re.search(rf'name="{INSTANCE_FIELD}" value="(\d+)"', page)
    assert match, "the page's forms name no instance"
    return {INSTANCE_FIELD: match.group(1)}


def authorize(location: str) -> str:
    """The fake's consent page (auto-approved): returns where it redirects the browser back to."""
    response = requests.get(location, allow_redirects=False, timeout=10)
    assert response.status_code == 302, (response.status_code, response.text)
    return response.headers["Location"]


def connect(client: FlaskClient, base_url: str, **credentials: str) -> TestResponse:
    """Save credentials → Connect → NinjaOne consent → callback; returns the callback's response."""
    saved = save_credentials(client, base_url, **credentials)
    assert saved.status_code == 302, page_text(saved)
    started = start_connect(client)
    assert started.status_code == 302 and started.location.startswith(base_url), flashed(client)
    return client.get(authorize(started.location))


def page_text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def settings_page(client: FlaskClient) -> str:
    response = client.get(SETTINGS)
    assert response.status_code == 200
    return page_text(response)


def flashed(client: FlaskClient) -> list[str]:
    """Messages waiting to be shown (without consuming them)."""
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def ends_on_settings(response: TestResponse) -> None:
    assert response.status_code == 302, response.status_code
    assert response.location in (SETTINGS, "http://localhost" + SETTINGS), response.location


def badge(page: str) -> str:
    """The status of the page's main badge."""
    match = re.search(r'class="ninjaone-badge ninjaone-badge--(\w+)"', page)
    assert match, "no status badge"
    return match.group(1)


def user_id(app: Flask, email: str, tenant: str) -> int:
    with app.app_context():
        found = db.session.scalar(
            select(User.id)
            .join(Tenant, User.tenant_id == Tenant.id)
            .where(Tenant.slug == tenant, User.email == email)
        )
    assert found is not None, f"no user {email} in {tenant}"
    return found


def tenant_id(app: Flask, slug: str) -> str:
    with app.app_context():
        found = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    assert found is not None
    return str(found)


@contextmanager
def tenant_db(app: Flask, slug: str = "acme"):
    """A fresh session bound to ``slug``'s tenant, for assertions on what requests wrote."""
    with app.app_context(), tenant_scope(tenant_id(app, slug)):
        yield db.session
        db.session.rollback()
