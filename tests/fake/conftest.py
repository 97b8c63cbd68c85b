"""Fixtures for the fake NinjaOne's own tests: a real server on an ephemeral port, a bearer session, and a
tiny webhook receiver (a second real server) that records what it is sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fake_ninjaone.oauth_store import ALL_SCOPES
from flask_ninjaone.testing.fleets import Fleet
from tests.support.fake_api import FLEET_SIZE, Api, Receiver


@pytest.fixture
def ninjaone_fleet() -> Fleet:
    """A small seeded fleet; webhooks are delivered synchronously."""
    return Fleet(devices=FLEET_SIZE, organizations=6, seed=7, synchronous_webhooks=True)


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
