"""Driving ``flask ninjaone`` for a tenant with several NinjaOne instances (issue 22): the click runner
wrapper, connecting an instance by URL, and the result checks the instance tests share."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from click.testing import Result
from flask import Flask

from tests.support.connection_flow import DEMO_ID, DEMO_SECRET

Cli = Callable[..., Result]


def cli_runner(app: Flask) -> Cli:
    """``cli("sync", "--tenant", "acme", …)`` runs ``flask ninjaone sync …`` on ``app``."""
    runner = app.test_cli_runner()

    def invoke(*args: str) -> Result:
        return runner.invoke(args=["ninjaone", *args], catch_exceptions=False)

    return invoke


def connect(cli: Cli, url: str, *extra: str) -> Result:
    """``flask ninjaone connect`` for acme with the demo API client at ``url``."""
    return cli("connect", "--tenant", "acme", "--client-id", DEMO_ID, "--client-secret", DEMO_SECRET,
               "--base-url", url, *extra)  # fmt: skip


def ok(result: Result) -> Result:
    """``result``, after checking the command succeeded (its output is the failure message)."""
    assert result.exit_code == 0, result.output
    return result


def json_of(result: Result) -> Any:
    """The JSON a successful command printed."""
    return json.loads(ok(result).output)
