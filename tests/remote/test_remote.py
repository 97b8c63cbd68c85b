"""Remote Connect: permissions, tenants, the link cache, the audit log and every message."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from flask_ninjaone import tenant_scope
from flask_ninjaone.connection.connect import disconnect
from flask_ninjaone.host import UserRef
from flask_ninjaone.models import AuditEntry, ConnectionStatus, Credential, Device, Integration, RemoteLink
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.remote import MESSAGES, RemoteOutcome, open_remote
from flask_ninjaone.testing.fake_ninjaone import api as fake_api
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from sample_host.models import Asset, Tenant, Ticket, ticket_assets
from tests.support.inventory import URL, FreshContextClient

ADMIN = UserRef(id="1", name="Ada Park")


def connect_url(asset_id) -> str:
    return f"{URL}/remote/assets/{asset_id}/connect"


def post_json(client, asset_id, **data):
    return client.post(connect_url(asset_id), data=data, headers={"Accept": "application/json"})


def audits(acme) -> list[AuditEntry]:
    with acme.scope():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "remote.connect")).all()
        db.session.expunge_all()
        return list(entries)


def dashboard_calls(acme) -> int:
    return acme.fake.state.request_counts().get("GET /v2/device/{id}/dashboard-url", 0)


@pytest.fixture
def device(acme):
    return next(d for d in acme.devices() if d.agent_status == "online")


def test_technician_gets_the_link_and_the_attempt_is_audited(acme, app, device):
    client = acme.login(app.test_client(), "tech@acme.test")
    response = post_json(client, device.host_asset_id)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] and body["result"] == "ok" and not body["cached"]
    assert body["url"].endswith(f"/#/deviceDashboard/{device.device_id}/overview")
    assert body["agent_status"] == "online" and body["last_contact"]
    (entry,) = audits(acme)
    assert (entry.user_name, entry.target_type, entry.target_id, entry.result) == (
        "Tomás Reyes", "asset", device.host_asset_id, "ok",
    )  # fmt: skip
    assert entry.remote_addr == "127.0.0.1"
    assert entry.detail["device_id"] == device.device_id and entry.detail["cached"] is False


def test_without_javascript_the_form_redirects_to_the_link(acme, app, device):
    client = acme.login(app.test_client(), "admin@acme.test")
    response = client.post(connect_url(device.host_asset_id))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/#/deviceDashboard/{device.device_id}/overview")
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("email", "expected"),
    [("admin@acme.test", 200), ("tech@acme.test", 200), ("viewer@acme.test", 403)],
)
def test_permission_matrix(acme, app, device, email, expected):
    client = acme.login(app.test_client(), email)
    response = post_json(client, device.host_asset_id)
    assert response.status_code == expected
    (entry,) = audits(acme)  # refused attempts are audited too
    assert entry.result == ("ok" if expected == 200 else "forbidden")
    if expected == 403:
        assert response.get_json()["url"] is None
        assert response.get_json()["message"] == MESSAGES[RemoteOutcome.FORBIDDEN]
        assert dashboard_calls(acme) == 0


def test_anonymous_is_sent_to_login(acme, app, device):
    client = app.test_client()
    response = client.post(connect_url(device.host_asset_id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert post_json(client, device.host_asset_id).status_code == 401
    assert audits(acme) == []


def test_another_tenant_cannot_reach_acme_devices(acme, app, device):
    client = acme.login(app.test_client(), "admin@globex.test", "globex")
    response = post_json(client, device.host_asset_id)
    body = response.get_json()
    assert body["url"] is None and body["result"] in ("disconnected", "not_managed")
    assert dashboard_calls(acme) == 0
    assert audits(acme) == []  # acme's log shows nothing; globex's own log has the attempt
    with acme.scope():
        assert db.session.scalars(select(RemoteLink)).all() == []


def test_link_is_cached_until_shortly_before_it_expires(acme, device):
    start = utcnow()
    with acme.scope():
        first = open_remote(device.host_asset_id, user=ADMIN, remote_addr="10.0.0.1", clock=lambda: start)
        assert not first.cached and dashboard_calls(acme) == 1
        link = db.session.scalars(select(RemoteLink)).one()
        assert link.url == first.url
        # expires in 300 s (the fake); cached until 60 s before that
        assert abs((link.expires_at - start) - timedelta(seconds=240)) < timedelta(seconds=5)
        later = open_remote(device.host_asset_id, user=ADMIN, remote_addr="10.0.0.1",
                            clock=lambda: start + timedelta(seconds=200))  # fmt: skip
        assert later.cached and later.url == first.url and dashboard_calls(acme) == 1
        expired = open_remote(device.host_asset_id, user=ADMIN, remote_addr="10.0.0.1",
                              clock=lambda: start + timedelta(seconds=250))  # fmt: skip
        assert not expired.cached and dashboard_calls(acme) == 2
    results = [(entry.result, entry.detail["cached"]) for entry in audits(acme)]
    assert results == [("ok", False), ("ok", True), ("ok", False)]


def test_link_is_never_cached_longer_than_ten_minutes(acme, device, monkeypatch):
    monkeypatch.setattr(fake_api, "DASHBOARD_LINK_LIFETIME", 6 * 3600)
    start = utcnow()
    with acme.scope():
        open_remote(device.host_asset_id, user=ADMIN, remote_addr=None, clock=lambda: start)
        link = db.session.scalars(select(RemoteLink)).one()
        assert link.expires_at <= start + timedelta(minutes=10)
        assert open_remote(device.host_asset_id, user=ADMIN, remote_addr=None,
                           clock=lambda: start + timedelta(minutes=9)).cached  # fmt: skip
        assert not open_remote(device.host_asset_id, user=ADMIN, remote_addr=None,
                               clock=lambda: start + timedelta(minutes=10, seconds=1)).cached  # fmt: skip


def test_cached_link_is_stored_encrypted(acme, device):
    with acme.scope():
        result = open_remote(device.host_asset_id, user=ADMIN, remote_addr=None)
        raw = db.session.execute(text("SELECT url FROM ninjaone_remote_links")).scalar_one()
        assert result.url and result.url not in raw


def test_offline_device_still_gets_the_link_and_says_so(acme, app, device):
    with acme.scope():
        row = db.session.scalars(select(Device).where(Device.device_id == device.device_id)).one()
        row.agent_status = "offline"
        db.session.commit()
    client = acme.login(app.test_client(), "tech@acme.test")
    body = post_json(client, device.host_asset_id).get_json()
    assert body["ok"] and body["result"] == "offline" and body["url"]
    assert "is offline" in body["message"] and "back online" in body["message"]
    # Without JavaScript: a page that explains and offers the link.
    page = client.post(connect_url(device.host_asset_id))
    assert page.status_code == 200
    assert b"Open in NinjaOne anyway" in page.data and b"is offline" in page.data
    assert [entry.result for entry in audits(acme)] == ["offline", "offline"]


def test_token_without_control_scope(acme, app, device):
    token = acme.fake.state.oauth.issue_access_token(scopes={"monitoring", "management"})
    with acme.scope():
        credential = db.session.scalars(select(Credential)).one()
        credential.access_token = token
        credential.token_expires_at = utcnow() + timedelta(hours=1)
        db.session.commit()
    client = acme.login(app.test_client(), "tech@acme.test")
    response = post_json(client, device.host_asset_id)
    assert response.status_code == 403
    body = response.get_json()
    assert body["result"] == "no_control_scope" and "'control' scope" in body["message"]
    assert audits(acme)[0].result == "no_control_scope"


def test_asset_not_managed_by_ninjaone(acme, app):
    with acme.scope():
        tenant_id = int(acme.tenant.id)
    plain = db.session.scalars(
        select(Asset).where(Asset.tenant_id == tenant_id, Asset.external_source.is_(None))
    ).first()
    client = acme.login(app.test_client(), "tech@acme.test")
    response = post_json(client, plain.id)
    assert response.status_code == 404
    assert response.get_json()["message"] == MESSAGES[RemoteOutcome.NOT_MANAGED]
    page = client.post(connect_url(plain.id))
    assert page.status_code == 404 and b"not managed by NinjaOne" in page.data


def test_device_deleted_in_ninjaone(acme, app, device):
    acme.fake.state.delete_device(device.device_id)
    client = acme.login(app.test_client(), "tech@acme.test")
    body = post_json(client, device.host_asset_id).get_json()
    assert body["result"] == "device_gone" and "no longer knows this device" in body["message"]


def test_disconnected_integration_drops_cached_links(acme, app, device):
    client = acme.login(app.test_client(), "tech@acme.test")
    assert post_json(client, device.host_asset_id).get_json()["ok"]
    with acme.scope():
        disconnect(db.session, db.session.scalars(select(Integration)).one(), None)
    response = post_json(client, device.host_asset_id)
    assert response.status_code == 409
    assert response.get_json()["message"] == MESSAGES[RemoteOutcome.DISCONNECTED]
    with acme.scope():
        assert db.session.scalars(select(RemoteLink)).all() == []


def test_reconnect_required(acme, app, device):
    with acme.scope():
        integration = db.session.scalars(select(Integration)).one()
        integration.status = ConnectionStatus.RECONNECT_REQUIRED
        db.session.commit()
    client = acme.login(app.test_client(), "tech@acme.test")
    response = post_json(client, device.host_asset_id)
    assert response.status_code == 409
    assert response.get_json()["result"] == "reconnect_required"
    assert "reconnect" in response.get_json()["message"]
    assert dashboard_calls(acme) == 0


def test_rejected_credentials_mean_reconnect_required(acme, app, device):
    with acme.scope():
        credential = db.session.scalars(select(Credential)).one()
        credential.access_token = "revoked-token"
        credential.token_expires_at = utcnow() + timedelta(hours=1)
        credential.client_secret = "wrong-secret-value"
        db.session.commit()
    client = acme.login(app.test_client(), "tech@acme.test")
    body = post_json(client, device.host_asset_id).get_json()
    assert body["result"] in ("reconnect_required", "api_error") and body["url"] is None


def test_api_error(acme, app, device):
    app.config["NINJAONE_HTTP_MAX_RETRIES"] = 0
    acme.fake.state.faults.inject(Fault(path="/v2/device/*/dashboard-url", kind="server_error", times=3))
    client = acme.login(app.test_client(), "tech@acme.test")
    response = post_json(client, device.host_asset_id)
    assert response.status_code == 502
    body = response.get_json()
    assert body["result"] == "api_error" and "HTTP 500" in body["message"] and "Try again" in body["message"]
    assert audits(acme)[0].result == "api_error"


def test_remote_connect_from_a_ticket_is_audited_with_the_ticket(acme, app, device):
    with acme.scope():
        tenant_id = int(acme.tenant.id)
    ticket_id = db.session.scalars(select(Ticket.id).where(Ticket.tenant_id == tenant_id)).first()
    db.session.execute(ticket_assets.insert().values(ticket_id=ticket_id, asset_id=int(device.host_asset_id)))
    db.session.commit()
    ticket = SimpleNamespace(id=ticket_id)
    client = acme.login(app.test_client(), "tech@acme.test")
    page = client.get(f"/tickets/{ticket.id}")
    assert page.status_code == 200
    assert connect_url(device.host_asset_id).encode() in page.data
    assert b'name="ticket_id" value="%d"' % ticket.id in page.data
    post_json(client, device.host_asset_id, ticket_id=str(ticket.id))
    assert audits(acme)[0].detail["ticket_id"] == str(ticket.id)


def test_audit_page_is_for_admins(acme, app, device):
    tech = acme.login(app.test_client(), "tech@acme.test")
    post_json(tech, device.host_asset_id)
    assert tech.get(f"{URL}/remote/audit").status_code == 403
    admin = acme.login(app.test_client(), "admin@acme.test")
    page = admin.get(f"{URL}/remote/audit")
    assert page.status_code == 200
    assert "Tomás Reyes".encode() in page.data and b"127.0.0.1" in page.data
    assert admin.get(f"{URL}/remote/audit?result=forbidden").data.count(b'data-result="ok"') == 0


def test_panel_shows_remote_connect_only_with_the_permission(acme, app, device):
    for email, visible in (("tech@acme.test", True), ("viewer@acme.test", False)):
        client = acme.login(app.test_client(), email)
        page = client.get(f"/assets/{device.host_asset_id}")
        assert page.status_code == 200
        assert (connect_url(device.host_asset_id).encode() in page.data) is visible
        assert b"Agent online" in page.data


def test_csrf_is_required(acme, make_app, device):
    app = make_app(WTF_CSRF_ENABLED=True)
    app.test_client_class = FreshContextClient
    with app.app_context():
        client = acme.login(app.test_client(), "tech@acme.test")
        assert post_json(client, device.host_asset_id).status_code == 400
        page = client.get(f"/assets/{device.host_asset_id}")
        token = page.data.split(b'name="csrf_token" value="')[1].split(b'"')[0].decode()
        response = post_json(client, device.host_asset_id, csrf_token=token)
        assert response.status_code == 200 and response.get_json()["ok"]


def test_tenant_of_globex_has_its_own_log(acme, app, device):
    client = acme.login(app.test_client(), "admin@globex.test", "globex")
    post_json(client, device.host_asset_id)
    globex = db.session.scalars(select(Tenant).where(Tenant.slug == "globex")).one()

    with tenant_scope(str(globex.id)):
        entries = db.session.scalars(select(AuditEntry)).all()
        assert [entry.result for entry in entries if entry.action == "remote.connect"] in (
            ["disconnected"],
            ["not_managed"],
        )
