"""The whole connection over real HTTP: log in through the host's form → save credentials → Connect →
the fake NinjaOne's consent page → callback → connected, webhook registered at the fake with our header
and URL, first sync queued → disconnect removes the webhook, revokes the tokens and erases credentials
→ reconnect keeps the organization mappings."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from flask_ninjaone.models import (
    AuditEntry,
    Credential,
    Integration,
    MappingState,
    OrganizationMapping,
    SyncRun,
)
from flask_ninjaone.webhooks.registration import WEBHOOK_ACTIVITIES
from sample_host.seed import DEMO_PASSWORD
from tests.support.connection_flow import (
    DEMO_ID,
    DEMO_SECRET,
    PREFIX,
    SETTINGS,
    authorize,
    badge,
    ends_on_settings,
    save_credentials,
    settings_page,
    start_connect,
    tenant_db,
)

HEADER = "X-NinjaOne-Webhook-Secret"


def _log_in_with_the_form(client) -> None:
    response = client.post(
        "/login", data={"tenant": "acme", "email": "admin@acme.test", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_full_connection_flow_against_the_fake(web_app, fake):
    client = web_app.test_client()
    _log_in_with_the_form(client)

    # Before anything: not connected, Connect disabled, setup instructions with the exact redirect URI.
    page = settings_page(client)
    assert badge(page) == "not_connected" and "Not connected" in page
    assert "Administration → Apps → API" in page
    assert (
        '<code id="ninjaone-redirect-uri" class="ninjaone-uri">http://localhost/integrations/ninjaone/oauth/callback</code>'
        in page
    )
    assert "disabled" in page.split(">Connect<")[0].rsplit("<button", 1)[1]

    # Save credentials: the secret is never rendered back, only its last four characters.
    ends_on_settings(save_credentials(client, fake.url))
    page = settings_page(client)
    assert DEMO_SECRET not in page and "Saved, ending in …cret" in page
    assert "NinjaOne credentials saved" in page

    # Connect: off to NinjaOne's authorize endpoint with PKCE and a state bound to this session.
    started = start_connect(client)
    assert started.status_code == 302
    authorize_url = urlsplit(started.location)
    assert f"{authorize_url.scheme}://{authorize_url.netloc}" == fake.url
    assert authorize_url.path == "/ws/oauth/authorize"
    query = parse_qs(authorize_url.query)
    assert query["client_id"] == [DEMO_ID]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["redirect_uri"] == ["http://localhost/integrations/ninjaone/oauth/callback"]
    assert set(query["scope"][0].split()) == {"monitoring", "management", "control", "offline_access"}
    state = query["state"][0]
    assert len(state) >= 40

    # The browser approves at the fake and comes back to the callback.
    back = authorize(started.location)
    assert back.startswith("http://localhost/integrations/ninjaone/oauth/callback?")
    assert parse_qs(urlsplit(back).query)["state"] == [state]
    finished = client.get(back)
    ends_on_settings(finished)

    page = settings_page(client)
    assert badge(page) == "connected", page
    assert "Connected to NinjaOne: 3 organization(s) found" in page
    assert "Sync finished: succeeded." in page
    assert "On: NinjaOne sends events in real time." in page

    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        credential = integration.credential
        assert integration.status == "connected" and integration.auth_mode == "authorization_code"
        assert credential.access_token and credential.refresh_token
        assert integration.webhook_state == "active" and integration.webhook_secret
        secret, public_id = integration.webhook_secret, integration.public_id
        access_token = credential.access_token
        assert session.scalars(select(SyncRun).where(SyncRun.trigger == "connect")).first() is not None
        assert (
            session.scalar(select(AuditEntry).where(AuditEntry.action == "connect")).user_name == "Ada Park"
        )
        assert len(session.scalars(select(OrganizationMapping)).all()) == 3

    # The webhook at the fake: our receiver URL, our secret header, the activities we process.
    config = fake.state.webhooks.config(DEMO_ID)
    assert config is not None
    assert config.url == f"http://localhost/webhooks/ninjaone/{public_id}"
    assert config.headers == [{"name": HEADER, "value": secret}]
    assert config.expand == ["device"]
    assert config.activities == {key: list(codes) for key, codes in WEBHOOK_ACTIVITIES.items()}

    # The status JSON the page polls.
    info = client.get(PREFIX + "/status.json").get_json()
    assert info["status"] == "connected" and info["webhook"]["state"] == "active"
    assert info["organizations"]["total"] == 3 and info["client_secret_hint"] == "cret"

    # Map an organization, then disconnect: webhook removed at the fake, tokens revoked, credentials erased.
    with tenant_db(web_app) as session:
        org = session.scalars(select(OrganizationMapping).order_by(OrganizationMapping.id)).first()
        org.host_client_id, org.state = "1", MappingState.MAPPED
        session.commit()
    page = settings_page(client)
    for consequence in ("webhook is removed in NinjaOne", "tokens are revoked", "Client Secret are erased",
                        "kept, but no longer updated", "alerts stop"):  # fmt: skip
        assert consequence in page
    ends_on_settings(client.post(PREFIX + "/disconnect"))
    page = settings_page(client)
    assert "NinjaOne disconnected: webhook removed in NinjaOne, tokens revoked, credentials erased" in page
    assert badge(page) == "disconnected"
    # One coherent message: the flash says what was done, the status what it means, each once.
    text = re.sub(r"<[^>]+>", "", page)  # what is read (the badge repeats the reason as its tooltip)
    assert text.count("no longer updated") == 1 and "Disconnect NinjaOne" not in page
    assert fake.state.webhooks.config(DEMO_ID) is None
    revoked = requests.get(
        f"{fake.url}/v2/organizations", headers={"Authorization": f"Bearer {access_token}"}
    )
    assert revoked.status_code == 401
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.status == "disconnected" and integration.credential is None
        assert session.scalars(select(Credential)).all() == []
        assert integration.webhook_state == "off" and integration.webhook_secret is None
        disconnect = session.scalar(select(AuditEntry).where(AuditEntry.action == "disconnect"))
        assert disconnect.user_name == "Ada Park"
        assert disconnect.detail["webhook_removed"] and disconnect.detail["tokens_revoked"]
        assert session.scalars(select(OrganizationMapping)).first().state == MappingState.MAPPED

    # Reconnect: same integration row, mappings kept, a new webhook secret.
    ends_on_settings(save_credentials(client, fake.url))
    back = authorize(start_connect(client).location)
    ends_on_settings(client.get(back))
    assert badge(settings_page(client)) == "connected"
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.public_id == public_id and integration.webhook_secret != secret
        mapped = session.scalars(
            select(OrganizationMapping).where(OrganizationMapping.state == "mapped")
        ).all()
        assert len(mapped) == 1
    assert fake.state.webhooks.config(DEMO_ID).headers[0]["value"] != secret
    assert client.get(SETTINGS).status_code == 200
