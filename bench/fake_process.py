"""Run the fake NinjaOne in its own process so benchmarks measure only the code under test."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fake_ninjaone(devices: int, *, organizations: int = 20, seed: int = 0) -> Iterator[str]:
    """Start a seeded fake in a subprocess; yield its base URL; stop it afterwards."""
    port = free_port()
    code = (
        "from flask_ninjaone.testing.fake_ninjaone import FakeState, seed_fleet, create_fake_app\n"
        "from werkzeug.serving import make_server\n"
        "state = FakeState()\n"
        f"seed_fleet(state, devices={devices}, organizations={organizations}, seed={seed})\n"
        f"make_server('127.0.0.1', {port}, create_fake_app(state), threaded=True).serve_forever()\n"
    )
    # Logs go to a file: an unread pipe fills up and stalls the fake on long runs.
    log = tempfile.NamedTemporaryFile(prefix="fake-ninjaone-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(url + "/_fake/counters", timeout=1)
                break
            except requests.ConnectionError as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the fake did not start; see {log.name}") from exc
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
