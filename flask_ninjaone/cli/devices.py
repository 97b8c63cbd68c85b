"""``flask ninjaone devices``: every mirrored device and where its asset stands (active, held, retired)."""

from __future__ import annotations

from typing import Any

import click

from ..state import get_state
from ..sync.device_states import device_rows
from ..tenancy import tenant_scope
from .group import ninjaone_cli
from .helpers import connected_integration, echo_listing, instance_option, resolve_tenant, tenant_option


@ninjaone_cli.command("devices")
@tenant_option
@instance_option
@click.option(
    "--status",
    "states",
    multiple=True,
    type=click.Choice(["active", "held", "retired"], case_sensitive=False),
    help="Only devices whose asset is in this state (repeatable).",
)
@click.option(
    "--approval",
    multiple=True,
    type=click.Choice(["APPROVED", "PENDING", "STAGED", "DECOMMISSIONED"], case_sensitive=False),
    help="Only devices with this NinjaOne approval status (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def devices_command(
    tenant_ref: str,
    instance_ref: str | None,
    states: tuple[str, ...],
    approval: tuple[str, ...],
    as_json: bool,
) -> None:
    """List the tenant's NinjaOne devices: id, name, organization, approval status, asset and its state.

    A held asset is inactive on purpose while NinjaOne still has the device (awaiting approval, or in
    an organization that is not mapped); a retired one belongs to a device that is gone. Both say why.
    """
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        rows = device_rows(
            get_state().db.session,
            integration.id,
            states={state.lower() for state in states},
            approval={status.upper() for status in approval},
        )
    echo_listing(
        rows,
        as_json=as_json,
        empty="No devices.",
        header=("ID", "NAME", "ORGANIZATION", "APPROVAL", "ASSET", "STATE"),
        line=_device_line,
    )


def _device_line(row: dict[str, Any]) -> tuple[str, ...]:
    return (
        str(row["device_id"]),
        row["name"],
        f"{row['organization'] or '?'} ({row['organization_id']})",
        row["approval_status"] or "-",
        row["asset_id"] or "-",
        row["asset_state"] + (f": {row['reason']}" if row["reason"] else ""),
    )
