"""Commands on one tenant's connection: connect, status, organizations, mappings, sync."""

from __future__ import annotations

import json
from typing import Any

import click

from ..client import INSTANCES
from ..connection.api_client import client_for
from ..connection.connect import ConnectError, connect_client_credentials
from ..connection.connect import status as connection_status
from ..connection.instances import tenant_instances
from ..organizations import client_mapping
from ..organizations.lookup import integration_organizations
from ..organizations.refresh import refresh_organizations
from ..state import get_state
from ..sync.requests import forget_written, request_sync
from ..sync.runner import AlreadyRunning, run_summary, run_sync
from ..tenancy import tenant_scope
from ..unit_of_work import unit_of_work
from .group import ninjaone_cli
from .helpers import connected_integration, instance_option, resolve_tenant, tenant_option


@ninjaone_cli.command("connect")
@tenant_option
@click.option("--client-id", required=True, help="Client ID of a NinjaOne 'API Services' app.")
@click.option("--client-secret", prompt=True, hide_input=True, help="Client secret (prompted if omitted).")
@click.option("--region", type=click.Choice(sorted(INSTANCES)), help="NinjaOne instance.")
@click.option("--base-url", help="Custom instance URL instead of --region.")
@instance_option
@click.option("--add", "add", is_flag=True, help="Add another NinjaOne instance beside the tenant's others.")
@click.option("--name", default=None, help="Name the instance (default: its region or host).")
def connect(
    tenant_ref: str, client_id: str, client_secret: str, region: str | None, base_url: str | None,
    instance_ref: str | None, add: bool, name: str | None,
) -> None:  # fmt: skip
    """Connect a tenant with the client-credentials grant (machine-to-machine apps).

    Without --add the credentials go on the tenant's instance (--instance when it has several);
    --add connects one more (at most NINJAONE_MAX_INSTANCES_PER_TENANT).
    """
    if bool(region) == bool(base_url):
        raise click.UsageError("give exactly one of --region or --base-url")
    if add and instance_ref is not None:
        raise click.UsageError("--add starts a new instance: it does not go with --instance")
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        instance = None if add or instance_ref is None else connected_integration(tenant, instance_ref)
        try:
            result = connect_client_credentials(
                get_state().db.session,
                client_id=client_id,
                client_secret=client_secret,
                region=region,
                custom_url=base_url,
                actor=None,
                set_by_operator=True,  # the operator's CLI is trusted with any instance URL
                instance=instance,
                add=add,
                name=name,
            )
        except ConnectError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Connected {tenant.slug}: {result.organizations} organization(s); webhooks {result.webhook_state} "
        f"(instance {result.instance_name!r})."
    )
    for note in result.notes:
        click.echo(f"Note: {note}")


@ninjaone_cli.command("status")
@tenant_option
@instance_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (stable keys).")
def status(tenant_ref: str, instance_ref: str | None, as_json: bool) -> None:
    """Show a tenant's connections (every instance, or the one --instance names): device counts,
    webhook state and last sync."""
    tenant = resolve_tenant(tenant_ref)
    session = get_state().db.session
    with tenant_scope(tenant.id):
        if instance_ref is not None:
            chosen = [connected_integration(tenant, instance_ref)]
        else:
            chosen = tenant_instances(session)
        infos = [connection_status(session, tenant.id, row) for row in chosen] or [
            connection_status(session, tenant.id, None)
        ]
    if as_json:
        # One instance: its object, as before instances existed; several: every one under "instances".
        data = infos[0] if len(infos) == 1 else {"tenant": tenant.id, "instances": infos}
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    click.echo(f"Tenant:        {tenant.slug}")
    for info in infos:
        _echo_status(info, several=len(infos) > 1)


def _echo_status(info: dict[str, Any], *, several: bool) -> None:
    """One instance's lines of ``status``; with several, each block starts with the instance's name."""
    if several:
        click.echo(f"\n[{info['instance']['name']}] (id {info['instance']['id']})")
    click.echo(f"Status:        {info['status']}")
    if not info["configured"]:
        return
    if not several and "instance" in info:
        click.echo(f"Name:          {info['instance']['name']} (id {info['instance']['id']})")
    click.echo(f"Instance:      {info['instance_url']} ({info['auth_mode']})")
    click.echo(f"Devices:       {info['device_count']} ({info['linked_asset_count']} linked to assets)")
    orgs = info["organizations"]
    click.echo(f"Organizations: {orgs['total']} ({orgs['mapped']} mapped, {orgs['unmapped']} unmapped)")
    click.echo(f"Webhooks:      {info['webhook']['state']}")
    last = info["last_sync"]
    click.echo(f"Last sync:     {last['state'] + ' at ' + str(last['started_at']) if last else 'never'}")
    if info["last_error"]:
        click.echo(f"Last error:    {info['last_error']}")


@ninjaone_cli.command("orgs")
@tenant_option
@instance_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--refresh/--no-refresh", default=True, help="Reload organizations from NinjaOne first.")
def orgs(tenant_ref: str, instance_ref: str | None, as_json: bool, refresh: bool) -> None:
    """List a tenant's NinjaOne organizations and their mapping state."""
    tenant = resolve_tenant(tenant_ref)
    session = get_state().db.session
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        if refresh:
            with unit_of_work(session), client_for(integration) as client:
                refresh_organizations(session, integration, client)
        rows = integration_organizations(session, integration)
        data = [
            {
                "id": row.organization_id,
                "name": row.name,
                "state": row.state,
                "client_id": row.host_client_id,
                "locations": row.locations,
            }
            for row in rows
        ]
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    for org in data:
        mapped_to = f" -> client {org['client_id']}" if org["client_id"] else ""
        click.echo(f"{org['id']:>8}  {org['name']}  [{org['state']}]{mapped_to}")


@ninjaone_cli.command("map")
@tenant_option
@instance_option
@click.option("--org", "org_id", type=int, help="NinjaOne organization id to map.")
@click.option("--client", "client_id", help="Host client id to map --org to ('' to unmap).")
@click.option(
    "--all", "map_all", is_flag=True, help="Map every unmapped organization to its suggested client."
)
@click.option("--create-missing-clients", is_flag=True, help="With --all: create clients that have no match.")
@click.option(
    "--no-auto-sync", is_flag=True, help="With --org: map but do not sync its devices automatically."
)
def map_command(
    tenant_ref: str, instance_ref: str | None, org_id: int | None, client_id: str | None, map_all: bool,
    create_missing_clients: bool, no_auto_sync: bool,
) -> None:  # fmt: skip
    """Map NinjaOne organizations to host clients."""
    if map_all == (org_id is not None):
        raise click.UsageError("give either --org ID --client C, or --all")
    if org_id is not None and client_id is None:
        raise click.UsageError("--org needs --client")
    if create_missing_clients and not map_all:
        raise click.UsageError("--create-missing-clients only goes with --all")
    tenant = resolve_tenant(tenant_ref)
    session = get_state().db.session
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        try:
            if org_id is None:  # --all: exactly one of the two was given (checked above)
                count = client_mapping.apply_suggestions(
                    session, integration, create_missing=create_missing_clients
                )
                click.echo(f"Mapped {count} organization(s).")
            else:
                row = client_mapping.map_organization(
                    session, integration, org_id, client_id or None, auto_sync=not no_auto_sync
                )
                click.echo(
                    f"{row.name}: {row.state}"
                    + (f" -> client {row.host_client_id}" if row.host_client_id else "")
                )
        except client_mapping.MappingError as exc:
            raise click.ClickException(str(exc)) from exc


@ninjaone_cli.command("sync")
@tenant_option
@instance_option
@click.option(
    "--full", "full", is_flag=True, help="Walk every device (default: changes since the last sync)."
)
@click.option(
    "--rewrite",
    is_flag=True,
    help="Map and write every device again even if unchanged (e.g. after changing the host adapter). "
    "Implies --full.",
)
@click.option("--wait", is_flag=True, help="Run here and now and print the result instead of queueing a job.")
def sync_command(tenant_ref: str, instance_ref: str | None, full: bool, rewrite: bool, wait: bool) -> None:
    """Sync a tenant's NinjaOne devices into host assets."""
    tenant = resolve_tenant(tenant_ref)
    kind = "full" if full or rewrite else "incremental"
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        if rewrite:
            click.echo(
                f"{forget_written(get_state().db.session, integration)} devices will be written again."
            )
        if not wait:
            result = request_sync(integration, kind=kind, trigger="cli")
            click.echo(result.message)
            return
        try:
            summary = run_summary(run_sync(integration.id, kind=kind, trigger="cli"))
        except AlreadyRunning as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(summary, indent=2, sort_keys=True))
    if summary["state"] != "succeeded":
        raise click.ClickException(f"Sync of {tenant.slug} failed: {summary['error']}")
