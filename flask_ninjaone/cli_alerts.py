"""``flask ninjaone alerts``: list a tenant's alerts (series uid, device, severity, status, count, ticket)."""

from __future__ import annotations

import json

import click

from .cli import _resolve_tenant, echo_table, ninjaone_cli, tenant_option
from .extension import get_state
from .tenancy import tenant_scope


@ninjaone_cli.command("alerts")
@tenant_option
@click.option(
    "--status",
    type=click.Choice(["open", "active", "acknowledged", "resolved", "all"], case_sensitive=False),
    default="all",
    show_default=True,
    help="Which alerts: open = active or acknowledged.",
)
@click.option(
    "--limit", type=click.IntRange(1, 100_000), default=1000, show_default=True, help="Newest N alerts."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def alerts_command(tenant_ref: str, status: str, limit: int, as_json: bool) -> None:
    """List the tenant's NinjaOne alerts, newest first."""
    from .alerts.panel import cli_rows

    tenant = _resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        rows = cli_rows(get_state().db.session, status=status.lower(), limit=limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No alerts.")
        return
    header = ("SERIES UID", "DEVICE", "SEVERITY", "STATUS", "COUNT", "TICKET")
    echo_table(
        header,
        [
            (
                row["series_uid"],
                "-" if row["device_id"] is None else str(row["device_id"]),
                row["severity"],
                row["status"],
                str(row["occurrence_count"]),
                row["ticket_id"] or "-",
            )
            for row in rows
        ],
    )
