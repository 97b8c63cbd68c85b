"""Fixtures for the fake NinjaOne's own tests: a real server on an ephemeral port, a bearer session, and a
tiny webhook receiver (a second real server) that records what it is sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, seed_fleet
from flask_ninjaone.testing.fake_ninjaone.oauth_store import ALL_SCOPES
from tests.support.shared import SHARED_NINJAONE

SHARED = SHARED_NINJAONE
FLEET_SIZE = 150


class Api:
    """A requests session bound to the fake's base URL, with an optional bearer token."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 15)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, params=params)

    def close(self) -> None:
        self.session.close()


@pytest.fixture
def fake() -> Iterator[FakeNinjaOne]:
    """A started fake with a small seeded fleet; webhooks are delivered synchronously."""
    with FakeNinjaOne() as server:
        seed_fleet(server.state, devices=FLEET_SIZE, organizations=6, seed=7)
        server.state.webhooks.synchronous = True
        yield server


@pytest.fixture
def api(fake: FakeNinjaOne) -> Iterator[Api]:
    """A session whose token carries every scope."""
    session = Api(fake.url, fake.state.oauth.issue_access_token(scopes=ALL_SCOPES))
    yield session
    session.close()


@pytest.fixture
def control(fake: FakeNinjaOne) -> Iterator[Api]:
    """A session for the unauthenticated ``/_fake/`` control API."""
    session = Api(fake.url)
    yield session
    session.close()


@dataclass
class Receiver:
    """Records every POST it receives; answers ``status``."""

    url: str = ""
    status: int = 200
    received: list[dict[str, Any]] = field(default_factory=list)

    def payloads(self) -> list[dict[str, Any]]:
        return [item["json"] for item in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    record = Receiver()
    lock = threading.Lock()

    @Request.application
    def app(request: Request) -> Response:
        with lock:
            record.received.append(
                {"path": request.path, "headers": dict(request.headers), "json": json.loads(request.data)}
            )
        return Response("", status=record.status)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    record.url = f"http://127.0.0.1:{server.server_port}/hooks/ninjaone/abc123"
    yield record
    server.shutdown()
    server.server_close()
    thread.join()
