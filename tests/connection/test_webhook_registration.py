"""Webhook registration, secret rotation (page and CLI), the public base URL, and
`flask ninjaone disconnect`."""

from __future__ import annotations

import functools
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from flask_ninjaone.client import NinjaOneClient
from flask_ninjaone.connection import api_client as clients
from flask_ninjaone.models import AuditEntry, Integration
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.testing.fake_ninjaone.enums import ACTIVITY_TYPES, STATUS_CODES
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from flask_ninjaone.webhooks.registration import (
    WEBHOOK_ACTIVITIES,
    accepted_secrets,
    receiver_url,
    secret_matches,
)
from tests.support.connection_flow import (
    DEMO_ID,
    DEMO_SECRET,
    PREFIX,
    authorize,
    connect,
    ends_on_settings,
    save_credentials,
    settings_page,
    start_connect,
    tenant_db,
    user_id,
)

HEADER = "X-NinjaOne-Webhook-Secret"


def _integration(app) -> Integration:
    with tenant_db(app) as session:
        integration = session.scalars(select(Integration)).one()
        session.expunge(integration)
        return integration


def _fake_secret(fake) -> str:
    (header,) = fake.state.webhooks.config(DEMO_ID).headers
    assert header["name"] == HEADER
    return header["value"]


def test_subscription_table_uses_only_real_activity_types_and_codes():
    assert set(WEBHOOK_ACTIVITIES) <= ACTIVITY_TYPES
    for activity_type, codes in WEBHOOK_ACTIVITIES.items():
        assert set(codes) <= STATUS_CODES, activity_type
        assert len(codes) == len(set(codes))
    assert {"TRIGGERED", "RESET", "ACKNOWLEDGED"} <= set(WEBHOOK_ACTIVITIES["CONDITION"])
    assert {"NODE_CREATED", "NODE_DELETED", "NODE_MANUALLY_APPROVED"} <= set(WEBHOOK_ACTIVITIES["SYSTEM"])
    assert {"SYSTEM_REBOOTED", "CPU_ADDED", "DISK_DRIVE_REMOVED", "USER_LOGGED_IN"} <= set(
        WEBHOOK_ACTIVITIES["MONITOR"]
    )
    assert WEBHOOK_ACTIVITIES["ANTIVIRUS"] == ()  # every vendor's codes
    assert "PATCH_MANAGEMENT_INSTALL_FAILED" in WEBHOOK_ACTIVITIES["PATCH_MANAGEMENT"]
    assert "SOFTWARE_PATCH_MANAGEMENT_INSTALL_FAILED" in WEBHOOK_ACTIVITIES["SOFTWARE_PATCH_MANAGEMENT"]


def test_the_fake_delivers_what_we_subscribed_to(web_app, fake, admin):
    ends_on_settings(connect(admin, fake.url))
    device = fake.state.devices_page(None, 1)[0]["id"]
    fake.state.trigger_condition(device)
    fake.state.reboot_device(device)
    fake.state.record_activity(
        activity_type="ANTIVIRUS", status_code="WEBROOT_THREAT_DETECTED", device_id=device
    )
    fake.state.record_activity(
        activity_type="SOFTWARE_PATCH_MANAGEMENT",
        status_code="SOFTWARE_PATCH_MANAGEMENT_INSTALL_FAILED",
        device_id=device,
    )
    fake.state.record_activity(activity_type="SYSTEM", status_code="NODE_ROLE_CREATED", device_id=device)
    delivered = [
        (d.payload["activityType"], d.payload["statusCode"]) for d in fake.state.webhooks.deliveries()
    ]
    assert delivered == [
        ("CONDITION", "TRIGGERED"),
        ("MONITOR", "SYSTEM_REBOOTED"),
        ("ANTIVIRUS", "WEBROOT_THREAT_DETECTED"),
        ("SOFTWARE_PATCH_MANAGEMENT", "SOFTWARE_PATCH_MANAGEMENT_INSTALL_FAILED"),
    ]
    integration = _integration(web_app)
    for delivery in fake.state.webhooks.deliveries():
        assert delivery.url == f"http://localhost/webhooks/ninjaone/{integration.public_id}"
        assert delivery.headers[HEADER] == integration.webhook_secret
        assert delivery.payload["device"]["id"] == device  # expanded


def test_rotation_from_the_page_keeps_the_old_secret_for_the_grace_period(web_app, fake, admin):
    ends_on_settings(connect(admin, fake.url))
    old = _integration(web_app).webhook_secret
    ends_on_settings(admin.post(PREFIX + "/webhook/rotate"))
    page = settings_page(admin)
    assert "Webhook secret rotated and sent to NinjaOne. The previous secret is still accepted until" in page
    integration = _integration(web_app)
    new = integration.webhook_secret
    assert new != old and integration.webhook_previous_secret == old
    grace = integration.webhook_previous_secret_expires_at - utcnow()
    assert timedelta(hours=23, minutes=59) < grace <= timedelta(hours=24)
    assert _fake_secret(fake) == new
    assert secret_matches(integration, new) and secret_matches(integration, old)
    later = integration.webhook_previous_secret_expires_at + timedelta(seconds=1)
    assert accepted_secrets(integration, later) == [new]
    assert secret_matches(integration, new, later) and not secret_matches(integration, old, later)
    assert not secret_matches(integration, "") and not secret_matches(integration, None)
    assert not secret_matches(integration, new + "x")
    with tenant_db(web_app) as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "webhook_secret_rotated"))
        assert entry.user_name == "Ada Park"


def test_refused_rotation_changes_nothing(web_app, fake, admin, monkeypatch):
    monkeypatch.setattr(clients, "NinjaOneClient", functools.partial(NinjaOneClient, sleep=lambda _s: None))
    ends_on_settings(connect(admin, fake.url))
    before = _integration(web_app)
    fake.state.faults.inject(Fault(path="/v2/webhook", kind="server_error", status=503, times=10))
    ends_on_settings(admin.post(PREFIX + "/webhook/rotate"))
    assert "The webhook secret was not changed. NinjaOne did not accept the webhook" in settings_page(admin)
    after = _integration(web_app)
    assert after.webhook_secret == before.webhook_secret and after.webhook_previous_secret is None
    assert after.webhook_state == "active"
    assert _fake_secret(fake) == before.webhook_secret


def test_rotation_needs_a_connection(web_app, fake, admin):
    ends_on_settings(save_credentials(admin, fake.url))
    ends_on_settings(admin.post(PREFIX + "/webhook/rotate"))
    assert "Connect NinjaOne before rotating the webhook secret." in settings_page(admin)
    assert _integration(web_app).webhook_secret is None


def test_rotate_webhook_secret_cli(web_app, fake, admin):
    ends_on_settings(connect(admin, fake.url))
    old = _integration(web_app).webhook_secret
    runner = web_app.test_cli_runner()
    refused = runner.invoke(args=["ninjaone", "rotate-webhook-secret", "--tenant", "acme"])
    assert refused.exit_code != 0 and "NINJAONE_PUBLIC_BASE_URL" in refused.output
    assert _integration(web_app).webhook_secret == old
    result = runner.invoke(args=["ninjaone", "rotate-webhook-secret", "--tenant", "acme",
                                 "--public-url", "http://localhost/"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Rotated the webhook secret of acme; the previous secret is accepted until" in result.output
    integration = _integration(web_app)
    assert integration.webhook_previous_secret == old and _fake_secret(fake) == integration.webhook_secret
    assert old not in result.output and integration.webhook_secret not in result.output
    with web_app.app_context():
        assert fake.state.webhooks.config(DEMO_ID).url == receiver_url(integration, "http://localhost")
    assert runner.invoke(args=["ninjaone", "rotate-webhook-secret", "--tenant", "globex"]).exit_code != 0
    assert runner.invoke(args=["ninjaone", "rotate-webhook-secret", "--tenant", "nosuch"]).exit_code != 0


def test_disconnect_cli(web_app, fake, admin):
    ends_on_settings(connect(admin, fake.url))
    runner = web_app.test_cli_runner()
    aborted = runner.invoke(args=["ninjaone", "disconnect", "--tenant", "acme"], input="n\n")
    assert aborted.exit_code != 0 and _integration(web_app).status == "connected"
    result = runner.invoke(args=["ninjaone", "disconnect", "--tenant", "acme", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Disconnected acme: webhook removed; tokens revoked; credentials erased." in result.output
    integration = _integration(web_app)
    assert integration.status == "disconnected" and integration.webhook_state == "off"
    assert fake.state.webhooks.config(DEMO_ID) is None
    with tenant_db(web_app) as session:
        assert session.scalars(select(Integration)).one().credential is None
        assert (
            session.scalar(select(AuditEntry).where(AuditEntry.action == "disconnect")).user_name == "system"
        )
    again = runner.invoke(args=["ninjaone", "disconnect", "--tenant", "acme", "--yes"])
    assert again.exit_code != 0 and "nothing to disconnect" in again.output
    assert runner.invoke(args=["ninjaone", "disconnect", "--tenant", "globex", "--yes"]).exit_code != 0


@pytest.fixture
def public_app(make_app, web_app):
    """A second app on the seeded database (``web_app`` seeds it on PostgreSQL too)."""
    return make_app(NINJAONE_PUBLIC_BASE_URL="http://127.0.0.1:8123/")


def test_public_base_url_is_used_for_redirect_and_webhook(public_app, fake):
    client = public_app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user_id(public_app, "admin@acme.test", "acme")
    page = settings_page(client)
    assert "http://127.0.0.1:8123/integrations/ninjaone/oauth/callback</code>" in page
    ends_on_settings(save_credentials(client, fake.url))
    started = start_connect(client)
    redirect_uri = parse_qs(urlsplit(started.location).query)["redirect_uri"][0]
    assert redirect_uri == "http://127.0.0.1:8123/integrations/ninjaone/oauth/callback"
    back = urlsplit(authorize(started.location))
    assert back.geturl().startswith(redirect_uri)
    response = client.get(f"{back.path}?{back.query}")  # as the proxy in front of 127.0.0.1:8123 forwards it
    assert response.status_code == 302 and response.location.endswith("/integrations/ninjaone/")
    integration = _integration(public_app)
    assert integration.status == "connected"
    assert (
        fake.state.webhooks.config(DEMO_ID).url
        == f"http://127.0.0.1:8123/webhooks/ninjaone/{integration.public_id}"
    )
    result = public_app.test_cli_runner().invoke(
        args=["ninjaone", "rotate-webhook-secret", "--tenant", "acme"]
    )
    assert result.exit_code == 0, result.output


def test_changing_the_api_client_of_a_connection_releases_it(web_app, fake, admin):
    fake.state.oauth.register_client("second-app", "second-secret", ["http://localhost*"])
    ends_on_settings(connect(admin, fake.url))
    token = _integration(web_app).public_id
    ends_on_settings(
        admin.post(
            PREFIX + "/credentials",
            data={
                "client_id": "second-app",
                "client_secret": "second-secret",
                "region": "custom",
                "custom_url": fake.url,
            },
        )  # fmt: skip
    )
    integration = _integration(web_app)
    assert integration.public_id == token and integration.base_url == fake.url  # the same instance
    assert integration.status == "disconnected" and integration.webhook_state == "off"
    assert "connect again" in integration.status_reason
    assert fake.state.webhooks.config(DEMO_ID) is None, "the old webhook was removed"
    with tenant_db(web_app) as session:
        credential = session.scalars(select(Integration)).one().credential
        assert credential.access_token is None and credential.client_id == "second-app"


def test_changing_the_instance_of_a_connection_is_refused(web_app, fake, admin):
    """Another instance numbers its devices and organizations on its own: a connected integration does
    not move (tests/connection/test_instance_change.py has the whole switch)."""
    ends_on_settings(connect(admin, fake.url))
    token = _integration(web_app).public_id
    response = admin.post(
        PREFIX + "/credentials", data={"client_id": DEMO_ID, "client_secret": DEMO_SECRET, "region": "eu"}
    )
    assert response.status_code == 400 and "Disconnect first" in response.get_data(as_text=True)
    integration = _integration(web_app)
    assert (integration.public_id, integration.base_url, integration.status) == (token, fake.url, "connected")
    assert fake.state.webhooks.config(DEMO_ID) is not None, "the webhook is still registered"
