"""Every way connecting can fail ends on the settings page with a readable message and nothing half-saved."""

from __future__ import annotations

import functools
import logging
import time
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from sqlalchemy import select

from flask_ninjaone.client import NinjaOneClient
from flask_ninjaone.connection import api_client as clients
from flask_ninjaone.connection.base_urls import UNREACHABLE
from flask_ninjaone.models import AuditEntry, Integration, Lock, SyncRun
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from sample_host.models import User
from tests.support.connection_flow import (
    DEMO_ID,
    PREFIX,
    authorize,
    badge,
    connect,
    ends_on_settings,
    flashed,
    save_credentials,
    settings_page,
    start_connect,
    tenant_db,
    tenant_id,
    user_id,
)


@pytest.fixture
def no_backoff(monkeypatch):
    """Retries of the API client happen without sleeping, so failure paths stay fast."""
    monkeypatch.setattr(clients, "NinjaOneClient", functools.partial(NinjaOneClient, sleep=lambda _s: None))


def _with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def assert_not_connected(app, fake, tenant: str = "acme") -> None:
    """Nothing of a connection was written: no tokens, not connected, no webhook anywhere, no audit."""
    with tenant_db(app, tenant) as session:
        integration = session.scalars(select(Integration)).first()
        if integration is not None:
            assert integration.status == "disconnected"
            assert integration.connected_at is None
            assert integration.webhook_state == "off" and integration.webhook_secret is None
            credential = integration.credential
            assert credential is None or (
                credential.access_token is None and credential.refresh_token is None
            )
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "connect")).all() == []
        assert session.scalars(select(SyncRun)).all() == []
    assert fake.state.webhooks.configs() == {}


def _started(client, fake) -> str:
    """Credentials saved and Connect clicked: the URL the consent page sends the browser back to."""
    ends_on_settings(save_credentials(client, fake.url))
    started = start_connect(client)
    assert started.status_code == 302 and started.location.startswith(fake.url), flashed(client)
    return authorize(started.location)


def test_connect_without_credentials(web_app, fake, admin):
    response = start_connect(admin)
    ends_on_settings(response)
    assert "Save the NinjaOne Client ID and Client Secret first" in settings_page(admin)
    with admin.session_transaction() as session:
        assert not session.get("ninjaone_oauth")
    assert_not_connected(web_app, fake)


def test_user_denies_consent(web_app, fake, admin):
    fake.state.oauth.deny_consent = True
    back = _started(admin, fake)
    assert "error=access_denied" in back
    ends_on_settings(admin.get(back))
    page = settings_page(admin)
    assert "You declined the connection in NinjaOne, so nothing was changed" in page
    assert badge(page) == "not_connected"  # credentials saved, never connected
    assert_not_connected(web_app, fake)


@pytest.mark.parametrize("state", ["forged-state", "", None, "x" * 500])
def test_bad_state(web_app, fake, admin, state):
    back = _started(admin, fake)
    ends_on_settings(admin.get(_with_query(back, state=state)))
    assert "This NinjaOne sign-in is not valid for your session" in settings_page(admin)
    assert_not_connected(web_app, fake)


def test_expired_state(web_app, fake, admin):
    back = _started(admin, fake)
    with admin.session_transaction() as session:
        pending = session["ninjaone_oauth"]
        for entry in pending.values():
            entry["expires"] = time.time() - 1
        session["ninjaone_oauth"] = pending
    ends_on_settings(admin.get(back))
    assert "took longer than 10 minutes and expired" in settings_page(admin)
    assert_not_connected(web_app, fake)


def test_reused_state_changes_nothing(web_app, fake, admin):
    back = _started(admin, fake)
    ends_on_settings(admin.get(back))
    with tenant_db(web_app) as session:
        first = session.scalars(select(Integration)).one().credential.access_token
    settings_page(admin)  # consume the success message
    ends_on_settings(admin.get(back))
    assert "it was already used" in settings_page(admin)
    with tenant_db(web_app) as session:
        assert session.scalars(select(Integration)).one().credential.access_token == first
        assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "connect")).all()) == 1


def test_a_callback_replayed_with_the_cookie_from_before_it_is_refused(web_app, fake, admin):
    """The session cookie is the user's to keep: sending the pre-callback cookie again must not make
    the state usable twice. Its use is recorded on the server."""
    back = _started(admin, fake)
    before = admin.get_cookie("session").value
    ends_on_settings(admin.get(back))
    settings_page(admin)  # consume the success message
    admin.set_cookie("session", before)
    ends_on_settings(admin.get(back))
    assert "it was already used" in settings_page(admin)
    with tenant_db(web_app) as session:
        assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "connect")).all()) == 1


def test_recorded_uses_are_swept_once_expired(web_app, fake, admin):
    ends_on_settings(admin.get(_started(admin, fake)))
    with tenant_db(web_app) as session:
        (used,) = session.scalars(select(Lock).where(Lock.name.startswith("oauth-state-used:"))).all()
        assert used.expires_at > utcnow()
        used.expires_at = utcnow() - timedelta(seconds=1)
        session.add(Lock(tenant_id=used.tenant_id, name="sync:9", owner="x", expires_at=used.expires_at))
        session.commit()
    start_connect(admin)  # a new authorization sweeps expired records of used states, nothing else
    with tenant_db(web_app) as session:
        assert [lock.name for lock in session.scalars(select(Lock))] == ["sync:9"]


def test_state_of_another_user_is_refused(web_app, fake, admin):
    with web_app.app_context():
        other = User(
            tenant_id=int(tenant_id(web_app, "acme")), email="admin2@acme.test", name="Bo", role="admin"
        )
        other.password_hash = "unused"
        db.session.add(other)
        db.session.commit()
    back = _started(admin, fake)
    with admin.session_transaction() as session:
        session["user_id"] = user_id(web_app, "admin2@acme.test", "acme")
    ends_on_settings(admin.get(back))
    assert "started by someone else" in settings_page(admin)
    assert_not_connected(web_app, fake)


def test_state_of_another_tenant_is_refused(web_app, fake, admin):
    back = _started(admin, fake)
    with admin.session_transaction() as session:
        session["user_id"] = user_id(web_app, "admin@globex.test", "globex")
    ends_on_settings(admin.get(back))
    assert "not valid for your session" in settings_page(admin)
    assert_not_connected(web_app, fake)
    assert_not_connected(web_app, fake, "globex")


def test_token_exchange_error(web_app, fake, admin):
    back = _started(admin, fake)
    fake.state.faults.inject(Fault(path="/ws/oauth/token", kind="server_error", status=500))
    ends_on_settings(admin.get(back))
    page = settings_page(admin)
    assert (
        "NinjaOne refused the connection: the NinjaOne OAuth endpoint failed (HTTP 500); try again later"
        in page
    )
    assert_not_connected(web_app, fake)


def test_expired_code_at_exchange(web_app, fake, admin):
    back = _started(admin, fake)
    code = dict(parse_qsl(urlsplit(back).query))["code"]
    with fake.state.lock:
        fake.state.oauth._codes[code].expires_at = time.time() - 1
    ends_on_settings(admin.get(back))
    assert "rejected the authorization code (invalid_grant)" in settings_page(admin)
    assert_not_connected(web_app, fake)


def test_wrong_region_is_caught_before_leaving_for_ninjaone(web_app, fake, admin):
    ends_on_settings(save_credentials(admin, fake.url, client_id="created-on-another-instance"))
    response = start_connect(admin)
    ends_on_settings(response)  # not sent to NinjaOne's 404 page
    page = settings_page(admin)
    assert "does not know this client id ('Client app not exist')" in page
    assert "Check the region" in page
    assert_not_connected(web_app, fake)


def test_wrong_region_at_code_exchange(web_app, fake, admin):
    back = _started(admin, fake)
    with fake.state.lock:
        del fake.state.oauth.clients[DEMO_ID]  # the token endpoint now answers 404 "Client app not exist"
    ends_on_settings(admin.get(back))
    page = settings_page(admin)
    assert "does not know this client id" in page and "Check the region" in page
    assert_not_connected(web_app, fake)


def test_wrong_secret_is_caught_before_leaving_for_ninjaone(web_app, fake, admin):
    ends_on_settings(save_credentials(admin, fake.url, client_secret="not-the-secret"))
    ends_on_settings(start_connect(admin))
    assert "rejected the client id or secret (invalid_client)" in settings_page(admin)
    assert_not_connected(web_app, fake)


def test_unreachable_instance(web_app, fake, admin):
    web_app.config["NINJAONE_ALLOWED_BASE_URLS"] += ("http://127.0.0.1:9",)  # listed, nothing listens
    ends_on_settings(save_credentials(admin, "http://127.0.0.1:9"))
    ends_on_settings(start_connect(admin))
    assert UNREACHABLE in settings_page(admin)  # the same words as for a refused address
    assert_not_connected(web_app, fake)


def test_credentials_changed_while_signing_in(web_app, fake, admin):
    fake.state.oauth.register_client("second-app", "second-secret", ["http://localhost*"])
    back = _started(admin, fake)
    ends_on_settings(save_credentials(admin, fake.url, client_id="second-app", client_secret="second-secret"))
    ends_on_settings(admin.get(back))
    assert "changed while you were signing in" in settings_page(admin)
    assert_not_connected(web_app, fake)


def test_webhook_refused_connection_still_works(web_app, fake, admin):
    fake.state.oauth.register_client("tech-app", "tech-app-secret", ["http://localhost*"], system_admin=False)
    ends_on_settings(connect(admin, fake.url, client_id="tech-app", client_secret="tech-app-secret"))
    page = settings_page(admin)
    assert badge(page) == "connected"
    assert "Off: NinjaOne refused to register the webhook (HTTP 403)" in page
    assert "system administrator" in page and "scheduled sync still runs" in page
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.status == "connected" and integration.credential.access_token
        assert integration.webhook_state == "refused" and "system administrator" in integration.webhook_error
        run = session.scalars(select(SyncRun).where(SyncRun.trigger == "connect")).one()
        assert run.state == "succeeded", run.error
    assert fake.state.webhooks.configs() == {}


def test_webhook_registration_error_connection_still_works(web_app, fake, admin, no_backoff):
    back = _started(admin, fake)
    fake.state.faults.inject(Fault(path="/v2/webhook", kind="server_error", status=500, times=10))
    ends_on_settings(admin.get(back))
    page = settings_page(admin)
    assert badge(page) == "connected"
    assert "Off: NinjaOne did not accept the webhook" in page
    with tenant_db(web_app) as session:
        assert session.scalars(select(Integration)).one().webhook_state == "error"


def test_callback_is_no_open_redirect(web_app, fake, admin):
    back = _started(admin, fake)
    for url in (
        _with_query(back, state="forged", next="https://evil.example/"),
        _with_query(back, next="https://evil.example/", redirect="//evil.example"),
        PREFIX + "/oauth/callback?next=https://evil.example/&error=access_denied",
    ):
        ends_on_settings(admin.get(url))


def test_disconnect_completes_locally_when_ninjaone_is_unreachable(
    web_app, fake, admin, caplog, no_backoff, enabled_logs
):
    ends_on_settings(connect(admin, fake.url))
    fake.stop()
    caplog.set_level(logging.WARNING)
    ends_on_settings(admin.post(PREFIX + "/disconnect"))
    page = settings_page(admin)
    assert "NinjaOne disconnected: credentials erased" in page
    assert "could not be removed in NinjaOne" in page and "could not be revoked" in page
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.status == "disconnected" and integration.credential is None
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "disconnect"))
        assert entry.detail["webhook_removed"] is False and entry.detail["tokens_revoked"] is False
    assert any("owed release" in record.getMessage() for record in caplog.records)
