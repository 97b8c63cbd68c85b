"""Browser tests: the sample host served on a real socket, the fake NinjaOne, and Debian's Chromium
driven by Playwright (no browser download). CI installs Chromium and forbids skipping."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from flask_ninjaone.testing.fleets import Fleet
from tests.support.schema import create_schema_and_seed
from tests.support.services import REQUIRE

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("NINJAONE_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if os.path.exists(path):
        return path
    message = "Chromium not installed (apt-get install chromium, or set NINJAONE_TEST_CHROMIUM)"
    if REQUIRE:
        pytest.fail(f"{message}; NINJAONE_TEST_REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One Chromium for the session (launching one costs ~2.7 s on the loaded CI machine); every
    ``new_page()`` opens its own browser context, so tests share no cookies or storage."""
    executable = chromium_path()

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def ninjaone_fleet() -> Fleet:
    # One organization spelled like acme's seeded client "Northwind Traders": the mapping page suggests it.
    return Fleet(devices=60, organizations=3, seed=4, organization_names=("Northwind Traders, Inc.",))


class LiveServer:
    """The sample host on 127.0.0.1:<ephemeral port>, in a thread."""

    def __init__(self, app) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live(make_app) -> Iterator[LiveServer]:
    """The sample host, seeded, with CSRF on (a real browser submits real forms)."""
    app = make_app(WTF_CSRF_ENABLED=True, TESTING=False)
    create_schema_and_seed(app)
    with LiveServer(app) as server:
        app.config["NINJAONE_PUBLIC_BASE_URL"] = server.url  # where the fake delivers webhooks
        yield server
        runner = app.extensions.get("ninjaone_inline_jobs")
        if runner is not None:  # a button's detached job must end before the server and database go
            runner.wait()
