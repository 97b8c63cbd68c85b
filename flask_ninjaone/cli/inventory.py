"""``flask ninjaone inventory``: refresh a tenant's software, patch, antivirus and health inventory now."""

from __future__ import annotations

import json

import click

from ..inventory.device_refresh import refresh_device
from ..inventory.refresh import InventoryAlreadyRunning, refresh_inventory
from ..sync.runner import run_summary
from ..tenancy import tenant_scope
from .group import ninjaone_cli
from .helpers import connected_integration, instance_option, resolve_tenant, tenant_option


@ninjaone_cli.command("inventory")
@tenant_option
@instance_option
@click.option("--device", "device_id", type=int, default=None, help="Refresh one NinjaOne device only.")
@click.option("--json", "as_json", is_flag=True, help="Print the run record as JSON.")
def inventory(tenant_ref: str, instance_ref: str | None, device_id: int | None, as_json: bool) -> None:
    """Walk the /v2/queries reports (1000 rows per request) and write what changed.

    Runs in this process (not on the queue), like ``flask ninjaone sync`` does for operators.
    """
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        if device_id is not None:
            result = refresh_device(integration.id, device_id)
            if not result.ok:
                raise click.ClickException(result.message)
            click.echo(json.dumps(result.counts) if as_json else f"{result.message} {_counts(result.counts)}")
            return
        try:
            run = refresh_inventory(integration.id, trigger="cli")
        except InventoryAlreadyRunning as exc:
            raise click.ClickException(str(exc)) from exc
        summary = run_summary(run)
    if as_json:
        click.echo(json.dumps({**summary, "api_calls": run.api_calls}, default=str))
    elif summary["state"] != "succeeded":
        raise click.ClickException(f"Inventory refresh of {tenant.slug} failed: {summary['error']}")
    else:
        requests = (run.api_calls or {}).get("requests", 0)
        counts = summary["counts"]
        devices = counts.get("devices", 0)
        click.echo(
            f"Inventory of {tenant.slug} refreshed ({devices} devices): {_counts(counts)}; "
            f"{requests} API request(s)."
        )


#: Counts that say what was looked at, not what changed.
_NOT_CHANGES = ("devices", "devices_skipped")


def _counts(counts: dict[str, int]) -> str:
    parts = [
        f"{key.replace('_', ' ')} {value}"
        for key, value in counts.items()
        if value and key not in _NOT_CHANGES
    ]
    return ", ".join(parts) or "nothing changed"
