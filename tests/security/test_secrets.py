"""No secret ever leaves the database: not in a page, JSON, CSV, redirect, flash message, session cookie,
error page, log line (captured at DEBUG from every logger) or job payload, across a whole connection's
life — OAuth connect, sync, webhook, alert handling, secret rotation, failures, disconnect.

Job payloads are read where they really travel: the serialized job data in Redis when the suite has
one (``NINJAONE_TEST_REDIS_URL``; the jobs are then run by an in-process RQ worker), else the keyword
arguments every caller hands to ``flask_ninjaone.jobs.enqueue``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import zlib
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import select

from flask_ninjaone import jobs
from flask_ninjaone.jobs import inline_runner
from flask_ninjaone.models import Credential, Integration, SyncRun
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from flask_ninjaone.worker import PubSubStopsAtOnce
from tests.support.security_routes import cases, request_kwargs, route_app
from tests.support.security_world import (
    CLIENT_SECRET,
    FERNET_KEY,
    PREFIX,
    condition_delivery,
    login,
    post_delivery,
    tenant_db,
)
from tests.support.services import redis_url

GET_CASES = cases(route_app(), methods=frozenset({"GET"}))


class Recorder:
    """Everything a browser, an operator or a log reader could see."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def response(self, label: str, response) -> Any:
        headers = "\n".join(f"{key}: {value}" for key, value in response.headers.items())
        self.seen.append((label, headers + "\n\n" + response.get_data(as_text=True)))
        return response

    def session(self, label: str, client) -> None:
        with client.session_transaction() as session:
            self.seen.append((label + " (session)", json.dumps(dict(session), default=str)))

    def text(self, label: str, text: str) -> None:
        self.seen.append((label, text))


class _InProcessWorker(PubSubStopsAtOnce, SimpleWorker):
    """Runs the jobs in the test's process (its log capture sees them), and stops when they are done."""


class JobPayloads:
    """Serialized job payloads: from Redis (and then run by a worker), or from an ``enqueue`` spy."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, app, redis: str | None) -> None:
        self.app = app
        self.redis = redis
        self.payloads: list[str] = []
        if redis is None:
            self._spy(monkeypatch)
        else:
            self.connection = Redis.from_url(redis)
            self.connection.flushdb()

    def _spy(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = jobs.enqueue

        def spy(name: str, **kwargs: Any) -> Any:
            self.payloads.append(json.dumps({"name": name, **kwargs}, default=str))
            return real(name, **kwargs)

        patched = 0
        for module in list(sys.modules.values()):
            if (
                getattr(module, "__name__", "").startswith("flask_ninjaone")
                and getattr(module, "enqueue", None) is real
            ):
                monkeypatch.setattr(module, "enqueue", spy)
                patched += 1
        assert patched >= 3, "enqueue is imported by the blueprints, the inbox and sync requests"

    def drain(self) -> None:
        """Read every queued job as stored, then run them (Redis only; inline jobs already ran)."""
        if self.redis is None:
            return

        for key in self.connection.scan_iter("rq:job:*"):
            if self.connection.type(key) != b"hash":
                continue
            for field, value in self.connection.hgetall(key).items():
                if field == b"data":
                    with contextlib.suppress(zlib.error):
                        value = zlib.decompress(value)
                self.payloads.append(f"{key.decode()} {field.decode()}: {value.decode('utf-8', 'replace')}")
        with self.app.app_context():
            queue = jobs.queue()
            worker = _InProcessWorker([queue], connection=queue.connection, serializer=jobs.JobSerializer)
            worker.work(burst=True)


def _secrets(app) -> dict[str, str]:
    """Every secret stored right now, both tenants."""
    found = {"Fernet key": FERNET_KEY, "client secret": CLIENT_SECRET}
    for slug in ("acme", "globex"):
        with tenant_db(app, slug) as session:
            for integration in session.scalars(select(Integration)):
                for name in ("webhook_secret", "webhook_previous_secret"):
                    if getattr(integration, name):
                        found[f"{slug} {name}"] = getattr(integration, name)
            for credential in session.scalars(select(Credential)):
                for name in ("client_secret", "access_token", "refresh_token"):
                    if getattr(credential, name):
                        found[f"{slug} {name}"] = getattr(credential, name)
    return found


@pytest.fixture
def loggers_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Alembic's fileConfig (run by the migration tests) disables existing loggers; undo that here."""
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            monkeypatch.setattr(logger, "disabled", False)


def test_no_secret_leaks_through_a_connections_life(world, caplog, monkeypatch, loggers_enabled) -> None:
    caplog.set_level(logging.DEBUG)
    redis = redis_url() if os.environ.get("NINJAONE_TEST_REDIS_URL") else None
    app = world.make_app(NINJAONE_REDIS_URL=redis) if redis else world.app
    payloads = JobPayloads(monkeypatch, app, redis)
    fake = world.fakes["acme"]
    seen = Recorder()
    secrets: dict[str, str] = {}
    admin = login(app, "admin")

    def remember_secrets() -> None:
        for name, value in _secrets(app).items():
            secrets[f"{name} ({value[:6]}…)"] = value

    def visit(stage: str) -> None:
        for role in ("admin", "technician", "viewer"):
            client = admin if role == "admin" else login(app, role)
            for route, method in GET_CASES:
                values = route.values(world.acme)
                response = client.open(
                    route.url(values), **request_kwargs(route, method, world.acme, values, fake.url)
                )
                assert response.status_code < 500, (stage, route, response.status_code)
                seen.response(f"{stage}: {role} {route.rule}", response)
            for path in (
                "/settings/integrations",
                f"/assets/{world.acme.host_asset_id}",
                f"/tickets/{world.acme.ticket_id}",
            ):
                seen.response(f"{stage}: {role} {path}", client.get(path))
        seen.session(stage, admin)

    def step(label: str, response) -> None:
        seen.response(label, response)
        seen.session(label, admin)
        payloads.drain()
        location = response.headers.get("Location", "")
        if location.startswith("/"):
            seen.response(label + " → " + location, admin.get(location))

    remember_secrets()
    visit("client-credentials connection")

    # Reconnect through OAuth (authorization code + PKCE), which also gives a refresh token.
    started = admin.post(PREFIX + "/connect")
    step("connect", started)
    assert started.location.startswith(fake.url)
    back = requests.get(started.location, allow_redirects=False, timeout=10).headers["Location"]
    step("callback", admin.get(back))
    remember_secrets()
    assert any("refresh_token" in name for name in secrets), "the OAuth connection stored a refresh token"

    step("sync now", admin.post(PREFIX + "/sync/now", data={"kind": "full"}))
    inline_runner(app).wait()  # the button's sync is a detached job
    # A refusal NinjaOne does not retry: the error ends up on the sync page and in the logs.
    fake.state.faults.inject(Fault(path="/v2/devices-detailed", kind="server_error", status=403))
    step("failing sync", admin.post(PREFIX + "/sync/now", data={"kind": "full"}))
    inline_runner(app).wait()
    seen.response("failed run's progress", admin.get(PREFIX + "/sync/"))
    fake.state.faults.clear()
    with tenant_db(app, "acme") as session:
        assert session.scalars(select(SyncRun.state).order_by(SyncRun.id.desc())).first() == "failed"

    delivery = condition_delivery(fake.state, world.acme.device_id, "Disk almost full")
    step("webhook", post_delivery(app, world.acme.receiver_path, world.acme.webhook_secret, delivery))
    step(
        "duplicate webhook", post_delivery(app, world.acme.receiver_path, world.acme.webhook_secret, delivery)
    )
    step("unauthenticated webhook", post_delivery(app, world.acme.receiver_path, "wrong", delivery))
    alert = world.acme.alert_id
    mine = {"integration": world.acme.integration_id}
    step("acknowledge", admin.post(f"{PREFIX}/alerts/{alert}/acknowledge", data=mine))
    step(
        "resolve + reset",
        admin.post(f"{PREFIX}/alerts/{alert}/resolve", data={"reset_in_ninjaone": "y", **mine}),
    )
    step("rotate webhook secret", admin.post(PREFIX + "/webhook/rotate"))
    remember_secrets()
    step("remote connect", admin.post(f"{PREFIX}/remote/assets/{world.acme.host_asset_id}/connect"))
    step("refresh device", admin.post(f"{PREFIX}/assets/{world.acme.host_asset_id}/refresh"))
    step("inventory refresh", admin.post(PREFIX + "/compliance/refresh"))
    inline_runner(app).wait()
    step(
        "bad credentials form",
        admin.post(PREFIX + "/credentials", data={"client_id": "x y", "client_secret": CLIENT_SECRET}),
    )
    step("bad sync settings", admin.post(PREFIX + "/sync-settings", data={"sync_interval_minutes": "x"}))
    for label, response in (
        ("404 page", admin.get(PREFIX + "/no-such-page")),
        ("405 page", admin.get(PREFIX + "/disconnect")),
        ("403 page", login(app, "viewer").post(PREFIX + "/disconnect")),
        ("404 object", admin.get(f"{PREFIX}/alerts/987654")),
    ):
        step(label, response)
    for args in (
        ["status"],
        ["status", "--json"],
        ["alerts", "--tenant", "acme", "--json"],
        ["webhook-url", "--tenant", "acme"],
        ["inbox", "list", "--tenant", "acme"],
    ):
        result = app.test_cli_runner().invoke(args=["ninjaone", *args])
        seen.text("flask ninjaone " + " ".join(args), result.output + str(result.exception or ""))
    visit("connected")
    remember_secrets()

    step("disconnect", admin.post(PREFIX + "/disconnect"))
    visit("disconnected")

    assert len(secrets) >= 8, sorted(secrets)
    logs = "\n".join(
        [caplog.text]
        + [repr(record.args) for record in caplog.records]
        + [record.exc_text or "" for record in caplog.records]
    )
    assert "ninjaone" in logs, "logs were captured"
    assert any("webhooks.drain" in payload for payload in payloads.payloads), "job payloads were captured"
    assert any("sync" in payload for payload in payloads.payloads)
    problems = []
    for name, value in secrets.items():
        problems += [f"{name} in {label}" for label, text in seen.seen if value in text]
        problems += [f"{name} in the logs" for _ in [1] if value in logs]
        problems += [f"{name} in a job payload" for payload in payloads.payloads if value in payload]
    assert not problems, "\n".join(sorted(set(problems)))
    assert urlsplit(back).path == PREFIX + "/oauth/callback"
