"""The address guard: which addresses it refuses, and that it refuses before connecting (real sockets)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from flask_ninjaone.client import address_guard
from flask_ninjaone.client.address_guard import AddressRefused, forbidden_address, is_refusal
from flask_ninjaone.client.deadlines import deadline_session

REFUSED = [
    "127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "10.0.0.1", "172.16.5.4", "192.168.1.1",
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "fe80::1", "fe80::1%eth0", "100.64.0.1",
    "100.100.100.200", "224.0.0.1", "ff02::1", "255.255.255.255", "192.0.2.1", "::ffff:127.0.0.1",
    "::ffff:10.0.0.1", "not-an-address",
]  # fmt: skip
ALLOWED = ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "34.120.1.2"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address):
    assert forbidden_address(address)


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address):
    assert not forbidden_address(address)


def guarded_session() -> requests.Session:
    return deadline_session(restrict_addresses=True)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP port listening on loopback, non-blocking: ``accept()`` tells whether anyone connected."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_guarded_session_never_connects_to_loopback(listener, host):
    port = listener.getsockname()[1]
    with guarded_session() as session, pytest.raises(requests.ConnectionError) as caught:
        session.post(f"http://{host}:{port}/ws/oauth/token", data={"client_secret": "x"}, timeout=5)
    assert is_refusal(caught.value)
    with pytest.raises(BlockingIOError):
        listener.accept()  # no connection was ever made
    with requests.Session() as plain, pytest.raises(requests.RequestException):
        plain.get(f"http://{host}:{port}/", timeout=(5, 0.01))  # the control: a plain session connects
    listener.accept()[0].close()


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args: object) -> None:
        pass


def test_a_guarded_session_connects_to_an_address_it_allows(monkeypatch):
    """The path every region takes: the vetted address is connected to and the request answered.

    Only refusals were tested, and the allowed path called a function urllib3 does not have (found
    by mypy): every guarded request to a public address raised ``AttributeError``. Loopback stands in
    for a public address here by making the guard treat it as one.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(address_guard, "forbidden_address", lambda address: address != "127.0.0.1")
    try:
        with guarded_session() as session:
            answer = session.get(f"http://127.0.0.1:{server.server_address[1]}/", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert (answer.status_code, answer.text) == (200, "hello")


def test_a_guarded_session_ignores_proxy_settings(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    session = guarded_session()
    assert session.trust_env is False and session.proxies == {}
    adapter = session.get_adapter("http://example.com/")
    with pytest.raises(AddressRefused):  # and its adapter refuses a proxy it is handed anyway
        adapter.proxy_manager_for("http://127.0.0.1:9")


def test_an_unguarded_session_keeps_proxies_and_connects_anywhere():
    session = deadline_session()
    assert session.trust_env is True


def test_other_errors_are_not_refusals():
    assert not is_refusal(requests.ConnectionError("connection refused"))
