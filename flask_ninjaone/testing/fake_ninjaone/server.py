"""Run the fake NinjaOne over real HTTP: embedded in a test, or standalone for the demo.

``FakeNinjaOne`` serves on an ephemeral port of 127.0.0.1 from a background thread, so a client under test
talks to it exactly as to the real service (real sockets, real redirects, keep-alive), and each test can
own an isolated instance::

    with FakeNinjaOne() as fake:
        seed_fleet(fake.state, devices=200)
        client = NinjaOneClient(base_url=fake.url, ...)

``run_simulator`` is the standalone server behind ``flask ninjaone simulator``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from types import TracebackType

import click
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import create_fake_app
from .checkpoint import FakeCheckpoint
from .generator import seed_fleet
from .oauth_store import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from .state import FakeState


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log: a paging test makes thousands of requests."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class FakeNinjaOne:
    """An embeddable fake NinjaOne server; ``.url`` and ``.state`` are valid once started."""

    def __init__(self, state: FakeState | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state if state is not None else FakeState()
        self.app: Flask = create_fake_app(self.state)
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._baseline: FakeCheckpoint | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        """Base URL to give the client (``http://127.0.0.1:<port>``), like ``https://eu.ninjarmm.com``."""
        if self._server is None:
            raise RuntimeError("FakeNinjaOne is not started")
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> FakeNinjaOne:
        if self._server is not None:
            raise RuntimeError("FakeNinjaOne is already started")
        self._server = make_server(
            self._host, self._port, self.app, threaded=True, request_handler=_QuietRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # stop() returns within 10 ms: tests start many servers
            name="fake-ninjaone",
            daemon=True,
        )
        self._thread.start()
        return self

    def save_baseline(self) -> None:
        """Remember the state as it is now (a seeded fleet, say): :meth:`reset` comes back to it."""
        self._baseline = self.state.checkpoint()

    def reset(self) -> None:
        """Back to the saved baseline, completely (see ``checkpoint.py``): one server can serve a whole
        test session, each test finding it as if just started and seeded."""
        if self._baseline is None:
            raise RuntimeError("FakeNinjaOne.reset() needs save_baseline() first")
        self.state.restore(self._baseline)

    def stop(self) -> None:
        """Stop serving and the webhook sender; safe to call twice."""
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()
        self.state.close()

    def __enter__(self) -> FakeNinjaOne:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def run_simulator(
    port: int, devices: int, seed: int = 0, host: str = "127.0.0.1", organization_names: Sequence[str] = ()
) -> None:
    """Seed a fleet and serve it until interrupted, with an access log (for ``flask ninjaone simulator``)."""
    state = FakeState()
    seed_fleet(state, devices=devices, seed=seed, organization_names=organization_names)
    server = make_server(host, port, create_fake_app(state), threaded=True)
    base = f"http://{host}:{server.server_port}"
    click.echo(f"Fake NinjaOne serving {devices} devices (seed {seed}) at {base}")
    click.echo(f"  API client app: client_id={DEMO_CLIENT_ID} client_secret={DEMO_CLIENT_SECRET}")
    click.echo(f"  OAuth: {base}/ws/oauth/authorize  {base}/ws/oauth/token")
    click.echo(f"  Control API: {base}/_fake/  (see flask_ninjaone/testing/fake_ninjaone/control.py)")
    click.echo(f"  Device pages (what 'Open in NinjaOne' and Remote Connect open): {base}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        state.close()
