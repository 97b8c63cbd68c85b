"""``flask ninjaone billing``: managed devices per client by asset type and role, with the change since
the month end before (the same counts and rule as the billing page)."""

from __future__ import annotations

import json

import click

from ..inventory import billing
from ..organizations.client_mapping import client_names
from ..state import get_state
from ..tenancy import tenant_scope
from .group import ninjaone_cli
from .helpers import connected_integration, echo_table, instance_option, resolve_tenant, tenant_option


@ninjaone_cli.command("billing")
@tenant_option
@instance_option
@click.option("--month", default=None, metavar="YYYY-MM", help="An ended month's end (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def billing_command(tenant_ref: str, instance_ref: str | None, month: str | None, as_json: bool) -> None:
    """Billing counts of the tenant's clients, today or at the end of an ended month.

    Retired and held devices are not counted (see the rule printed with the table).
    """
    tenant = resolve_tenant(tenant_ref)
    try:
        wanted = billing.parse_month(month)
    except billing.BadMonth as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from exc
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        data = billing.report(get_state().db.session, integration, wanted)
        clients = client_names()
        roles = billing.role_names([integration])
    if not data.available:
        raise click.ClickException(f"No billing snapshot was taken for the end of {wanted}.")
    rows = list(billing.csv_rows(data, clients, roles))
    if as_json:
        keys = ("client", "client_id", "asset_type", "role", "role_id", "devices", "last_month", "change")
        lines = [
            {key: (None if value == "" else value) for key, value in zip(keys, row, strict=True)}
            for row in rows
        ]
        payload = {"month": data.month, "compared_to": data.compared_to, "rule": billing.RULE, "lines": lines}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    when = "Today" if data.month is None else f"End of {data.month}"
    click.echo(f"{when}, change since the end of {data.compared_to}.")
    click.echo(billing.RULE)
    if not rows:
        click.echo("No managed devices.")
        return
    echo_table(
        tuple(name.upper() for name in billing.CSV_HEADER), [tuple(str(cell) for cell in row) for row in rows]
    )
