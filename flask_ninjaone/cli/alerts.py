"""``flask ninjaone alerts``: list a tenant's alerts (with the resets still owed to NinjaOne), and
``flask ninjaone alerts reconcile``: compare them with NinjaOne now and print what was repaired."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext

from ..alerts.panel import cli_rows
from ..alerts.reconcile import RECONCILABLE, reconcile
from ..client import NinjaOneError
from ..connection.api_client import MissingCredentials, client_for
from ..state import get_state
from ..tenancy import tenant_scope
from .group import ninjaone_cli
from .helpers import connected_integration, echo_listing, instance_option, resolve_tenant, tenant_option


@ninjaone_cli.group("alerts", invoke_without_command=True)
@click.option("--tenant", "tenant_ref", help="Tenant id or slug (required to list).")
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
@click.pass_context
@with_appcontext  # a group's own callback is not wrapped like its commands are
def alerts_command(
    ctx: click.Context, tenant_ref: str | None, status: str, limit: int, as_json: bool
) -> None:
    """List the tenant's NinjaOne alerts, newest first, with any reset still owed to NinjaOne."""
    if ctx.invoked_subcommand is not None:
        return
    if not tenant_ref:
        raise click.UsageError("Missing option '--tenant'.")
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        rows = cli_rows(get_state().db.session, status=status.lower(), limit=limit)
    echo_listing(
        rows,
        as_json=as_json,
        empty="No alerts.",
        header=("ID", "SERIES UID", "DEVICE", "SEVERITY", "STATUS", "COUNT", "TICKET", "RESET OWED"),
        line=_alert_line,
    )


def _alert_line(row: dict[str, Any]) -> tuple[str, ...]:
    return (
        str(row["id"]),
        row["series_uid"],
        "-" if row["device_id"] is None else str(row["device_id"]),
        row["severity"],
        row["status"],
        str(row["occurrence_count"]),
        row["ticket_id"] or "-",
        _owed_cell(row["owed_reset"]),
    )


def _owed_cell(owed: dict[str, Any] | None) -> str:
    if owed is None:
        return "-"
    return f"yes, {owed['attempts']} attempt(s), next {owed['next_attempt_at'][:19]}Z"


@alerts_command.command("reconcile")
@tenant_option
@instance_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def reconcile_command(tenant_ref: str, instance_ref: str | None, as_json: bool) -> None:
    """Compare the tenant's alerts with NinjaOne's active ones now, send the resets owed to it, and
    print what was repaired."""
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        if integration.status not in RECONCILABLE:
            raise click.ClickException(
                f"{tenant.slug} cannot reach NinjaOne: the connection is {integration.status}"
            )
        try:
            with client_for(integration) as client:
                counts = reconcile(get_state().db.session, integration, client)
        except (NinjaOneError, MissingCredentials) as exc:
            raise click.ClickException(f"the reconciliation of {tenant.slug} failed: {exc}") from None
    if as_json:
        click.echo(json.dumps(counts, indent=2, sort_keys=True))
        return
    click.echo(
        f"Reconciled {tenant.slug} with NinjaOne ({counts['remote']} alert(s) active there): "
        f"{counts['created']} missed alert(s) recorded, {counts['resolved']} reset meanwhile resolved, "
        f"{counts['resets_sent']} owed reset(s) confirmed, {counts['resets_owed']} still owed."
    )
