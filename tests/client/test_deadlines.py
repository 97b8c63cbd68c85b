"""The total deadline of an exchange, over real sockets: a server trickling its answer (body or
headers) is cut off at the deadline although it never stays quiet long enough for a read timeout."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from flask_ninjaone.client import InMemoryTokenStore, NetworkError, NinjaOneClient, TokenSet
from flask_ninjaone.client.deadlines import DeadlineExceeded, deadline_session
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from flask_ninjaone.testing.fleets import Fleet

#: Far below the trickles below (tens of seconds in all), so only the deadline can end them early.
DEADLINE = 0.6


@pytest.fixture
def ninjaone_fleet() -> Fleet:
    return Fleet(devices=5, organizations=1, seed=2)


def _client(fake: FakeNinjaOne, **options) -> NinjaOneClient:
    token = fake.state.oauth.issue_access_token()
    store = InMemoryTokenStore(TokenSet(token, None, time.time() + 3600, "monitoring", "Bearer"))
    options.setdefault("timeout", (5.0, 5.0))  # longer than any pause of the trickles: never trips
    return NinjaOneClient(fake.url, "demo-client-id", "demo-client-secret", store, **options)


def test_a_trickled_answer_is_cut_off_at_the_deadline(fake) -> None:
    device_id = fake.state.devices_page(None, 1)[0]["id"]
    # 12 bytes every 0.3 s: a device of ~2 kB would take over a minute, each read well within 5 s.
    fake.state.faults.inject(Fault(f"/v2/device/{device_id}", "trickle", times=10, seconds=0.3))
    with _client(fake, deadline=DEADLINE, max_retries=1, sleep=lambda _: None) as client:
        started = time.monotonic()
        with pytest.raises(NetworkError, match=f"did not finish answering in {DEADLINE:g} s \\(2 attempts"):
            client.device(device_id)
        took = time.monotonic() - started
    assert took < 10  # two cut-off attempts, not two full trickles (over two minutes)
    assert fake.state.request_counts()["GET /v2/device/{id}"] == 2


def test_an_answer_within_its_deadline_is_read_whole(fake) -> None:
    device_id = fake.state.devices_page(None, 1)[0]["id"]
    expected = _client(fake).device(device_id)
    fake.state.faults.inject(Fault(f"/v2/device/{device_id}", "trickle", seconds=0.01, chunk_bytes=512))
    with _client(fake, deadline=30.0) as client:
        assert client.device(device_id) == expected


class _HeaderTrickler:
    """A server that sends its status line and headers one byte at a time: the body is never reached."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        connection, _ = self._listener.accept()
        with connection:
            connection.recv(65536)
            head = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 1000 + b"\r\n"
            for byte in head:
                if self._stop.wait(0.05):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return  # the client hung up: what the deadline should do

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=10)


def test_trickled_headers_are_cut_off_too() -> None:
    server = _HeaderTrickler()
    try:
        with deadline_session(DEADLINE) as session, pytest.raises(DeadlineExceeded):
            session.get(server.url, timeout=(5.0, 5.0))  # ~50 s of headers, a byte every 50 ms
    finally:
        server.close()


class _LateTimer(threading.Timer):
    """The watchdog as a loaded machine runs it: a few tenths of a second after it was due."""

    def __init__(self, interval: float, function, *args, **kwargs) -> None:
        super().__init__(interval + 0.6, function, *args, **kwargs)


def test_a_late_watchdog_still_reports_the_deadline_not_a_lost_connection(fake, monkeypatch) -> None:
    """The transport hands the deadline over as a urllib3 ``Timeout(total=...)``; urllib3 must not
    also end the read at that total, or whichever fires first decides what the caller is told (CI:
    "could not reach NinjaOne (ConnectionError)" for a server that was only slow)."""
    monkeypatch.setattr("flask_ninjaone.client.deadlines.threading.Timer", _LateTimer)
    device_id = fake.state.devices_page(None, 1)[0]["id"]
    fake.state.faults.inject(Fault(f"/v2/device/{device_id}", "trickle", seconds=1.5))
    expected = f"did not finish answering in {DEADLINE:g} s"
    with (
        _client(fake, deadline=DEADLINE, max_retries=0) as client,
        pytest.raises(NetworkError, match=expected),
    ):
        client.device(device_id)
