"""``flask ninjaone doctor``: print the deployment checks (:mod:`flask_ninjaone.doctor`)."""

from __future__ import annotations

import json

import click

from ..doctor import healthy, run_checks
from ..state import current_app_object
from .group import ninjaone_cli


@ninjaone_cli.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (stable keys).")
def doctor(as_json: bool) -> None:
    """Check this deployment (keys, database, receiver, Redis, workers, schedule, tenants, webhooks)
    and say how to fix what is wrong; exit status 1 if any check FAILs (WARN is allowed)."""
    checks = run_checks(current_app_object())
    ok = healthy(checks)
    if as_json:
        click.echo(json.dumps({"ok": ok, "checks": [check.as_dict() for check in checks]}, indent=2))
    else:
        for check in checks:
            fix = f" — fix: {check.fix}" if check.fix else ""
            click.echo(f"{check.verdict:<4}  {check.name}: {check.what}{fix}")
            for detail in check.details:
                click.echo(f"        {detail}")
    if not ok:
        click.get_current_context().exit(1)
