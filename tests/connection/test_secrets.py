"""No secret — client secret, access/refresh token, webhook secret, PKCE verifier — ever reaches HTML,
JSON, flash messages, logs (captured at DEBUG) or job payloads, through the whole life of a connection."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

from flask_ninjaone import jobs
from flask_ninjaone.client import s256_code_challenge
from flask_ninjaone.crypto import fernet_for
from flask_ninjaone.models import Integration
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from tests.support.connection_flow import (
    DEMO_SECRET,
    PREFIX,
    SETTINGS,
    authorize,
    flashed,
    save_credentials,
    start_connect,
    tenant_db,
)

PAGES = (
    SETTINGS,
    PREFIX + "/status.json",
    "/settings/integrations",
    PREFIX + "/sync/",
    PREFIX + "/organizations/",
)


def test_secrets_never_leak(web_app, fake, login, caplog, monkeypatch, enabled_logs):
    caplog.set_level(logging.DEBUG)
    payloads: list[str] = []
    real_enqueue = jobs.enqueue

    def recording_enqueue(name, **kwargs):
        payloads.append(json.dumps({"name": name, **kwargs}))
        return real_enqueue(name, **kwargs)

    monkeypatch.setattr(jobs, "enqueue", recording_enqueue)
    monkeypatch.setattr("flask_ninjaone.sync.requests.enqueue", recording_enqueue)

    admin = login("admin")
    seen: list[str] = []

    def visit() -> None:
        seen.extend(flashed(admin))
        for role in ("admin", "viewer"):
            client = admin if role == "admin" else login(role)
            for url in PAGES:
                response = client.get(url)
                # The sync and organization pages answer 404 until an integration exists.
                assert response.status_code == 200 or (response.status_code == 404 and url in PAGES[3:]), url
                seen.append(response.get_data(as_text=True))

    def step(response) -> None:
        seen.append(response.get_data(as_text=True))
        seen.extend(flashed(admin))

    def attempt(*, failing: bool = False) -> tuple[str, str]:
        """Connect → consent → callback; returns the PKCE verifier and the authorization code used."""
        started = start_connect(admin)
        step(started)
        with admin.session_transaction() as session:
            (entry,) = session["ninjaone_oauth"].values()
            stored = entry["verifier"]
            seen.append(json.dumps(dict(session)))
        with web_app.app_context():
            verifier = fernet_for(web_app).decrypt(stored.encode()).decode()
        assert s256_code_challenge(verifier) in started.location, "the session keeps the real verifier"
        assert verifier not in stored, "...encrypted"
        back = authorize(started.location)
        if failing:
            fake.state.faults.inject(Fault(path="/ws/oauth/token", kind="server_error", status=502))
        step(admin.get(back))
        return verifier, dict(parse_qsl(urlsplit(back).query))["code"]

    visit()
    step(save_credentials(admin, fake.url))
    failed_verifier, failed_code = attempt(failing=True)
    assert any("HTTP 502" in text for text in seen[-3:]), "the first code exchange failed"
    verifier, code = attempt()
    visit()
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        secrets = {
            "client secret": DEMO_SECRET,
            "access token": integration.credential.access_token,
            "refresh token": integration.credential.refresh_token,
            "webhook secret": integration.webhook_secret,
            "PKCE verifier": verifier,
            "authorization code": code,
            "PKCE verifier of a failed attempt": failed_verifier,
            "authorization code of a failed attempt": failed_code,
        }

    # A failed rotation and a successful one, a refused sync settings form, then disconnect.
    fake.state.faults.inject(Fault(path="/v2/webhook", kind="server_error", status=400))
    step(admin.post(PREFIX + "/webhook/rotate"))
    step(admin.post(PREFIX + "/webhook/rotate"))
    with tenant_db(web_app) as session:
        secrets["rotated webhook secret"] = session.scalars(select(Integration)).one().webhook_secret
    step(admin.post(PREFIX + "/sync-settings", data={"sync_interval_minutes": "x"}))
    step(admin.post(PREFIX + "/credentials", data={"client_id": "", "client_secret": DEMO_SECRET}))
    visit()
    step(admin.post(PREFIX + "/disconnect"))
    visit()
    step(admin.get(PREFIX + "/no-such-page"))

    assert len(set(secrets.values())) == len(secrets) and all(secrets.values())
    logs = caplog.text + "\n".join(str(record.args) for record in caplog.records)
    assert "ninjaone" in logs, "logs were captured"
    assert payloads and any("connect" in payload for payload in payloads), "job payloads were captured"
    for what, value in secrets.items():
        for index, text in enumerate(seen):
            assert value not in text, f"{what} in rendered output #{index}"
        assert value not in logs, f"{what} in the logs"
        for payload in payloads:
            assert value not in payload, f"{what} in a job payload"
