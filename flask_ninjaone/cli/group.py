"""The ``flask ninjaone`` group itself: every command module registers on it; it imports none of them."""

from __future__ import annotations

import math
from typing import Any

import click
from flask.cli import AppGroup

from ..client import NinjaOneError, RateLimited, describe
from ..connection.api_client import MissingCredentials


class NinjaOneGroup(AppGroup):
    """The ``flask ninjaone`` group: NinjaOne's failures end a command as one line, never a traceback.

    The domain lets the client's typed errors through on purpose (a job retries on them, a page
    explains them), so every command that talks to NinjaOne can meet one: a connection that needs a
    human to reconnect, a token endpoint or API that fails or throttles, an unreachable instance. They
    are turned into ``Error: <what failed>`` and exit status 1 here, once for every command and
    subcommand, instead of a ``try``/``except`` in each.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (NinjaOneError, MissingCredentials) as exc:
            raise click.ClickException(_one_line(exc)) from exc


def _one_line(exc: NinjaOneError | MissingCredentials) -> str:
    """The error line; a throttled command also says when NinjaOne will take requests again."""
    if not isinstance(exc, NinjaOneError):
        return str(exc)
    message = describe(exc)
    if isinstance(exc, RateLimited):
        wait = f"in {math.ceil(exc.retry_after)} s" if exc.retry_after else "in a minute"
        message += f"; try again {wait}"
    return message


ninjaone_cli = NinjaOneGroup("ninjaone", help="NinjaOne RMM integration.")
