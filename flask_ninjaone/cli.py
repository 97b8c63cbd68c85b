"""The ``flask ninjaone`` command group: operators' and scripts' way in."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import click
from cryptography.fernet import Fernet
from flask import current_app
from flask.cli import AppGroup

from . import jobs
from .client import INSTANCES, NinjaOneError, RateLimited, describe
from .host import TenantRef
from .services.clients import MissingCredentials
from .state import get_state
from .tenancy import system_scope, tenant_scope
from .worker import NinjaOneWorker

if TYPE_CHECKING:
    from .models import Integration


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


@ninjaone_cli.command("generate-key")
def generate_key() -> None:
    """Print a new Fernet key for NINJAONE_ENCRYPTION_KEYS."""
    click.echo(Fernet.generate_key().decode())


@ninjaone_cli.command("config-reference")
def config_reference() -> None:
    """Print the configuration reference (Markdown) generated from the defaults."""
    from .config import reference_markdown

    click.echo(reference_markdown(), nl=False)


@ninjaone_cli.command("adapter-reference")
def adapter_reference() -> None:
    """Print the host adapter reference (Markdown): HostAdapter, the seam's types, signals, blocks."""
    from .host_reference import reference_markdown

    click.echo(reference_markdown(), nl=False)


@ninjaone_cli.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored secret under the first (newest) key of NINJAONE_ENCRYPTION_KEYS."""
    from .key_rotation import rotate_all

    with system_scope():
        count = rotate_all(get_state().db.session)
    click.echo(f"Re-encrypted {count} secret(s) under the newest key.")


@ninjaone_cli.command("worker")
@click.option(
    "--burst", is_flag=True, help="Exit when the queues are empty; keeps no schedule (tests, one-off runs)."
)
@click.option("--name", default=None, help="Worker name (default: RQ's host:pid).")
def worker(burst: bool, name: str | None) -> None:
    """Run an RQ worker for the extension's queues (urgent first) inside this Flask app; the workers
    also keep the schedule (inbox sweeps, the scheduler tick): no other process is needed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queues = [jobs.queue(app, urgent=True), jobs.queue(app)]
    jobs.registered_tasks()
    jobs.bind_worker_app(app)
    rq_worker = NinjaOneWorker(
        queues,
        app=app,
        keep_schedule=not burst,
        connection=queues[0].connection,
        serializer=jobs.JobSerializer,
        name=name,
    )
    rq_worker.work(burst=burst, with_scheduler=True)  # the scheduler runs delayed retries


@ninjaone_cli.command("simulator")
@click.option("--port", default=5055, show_default=True, help="Port to listen on (0 = any free port).")
@click.option("--devices", default=250, show_default=True, help="Number of devices to seed.")
@click.option("--seed", default=0, show_default=True, help="Random seed of the generated fleet.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
def simulator(port: int, devices: int, seed: int, host: str) -> None:
    """Run the fake NinjaOne (OAuth, API, webhooks, control API) with a generated fleet."""
    from .testing.fake_ninjaone import run_simulator

    run_simulator(port=port, devices=devices, seed=seed, host=host)


def _resolve_tenant(ref: str) -> TenantRef:
    tenant = get_state().host.find_tenant(ref)
    if tenant is None:
        raise click.BadParameter(f"no tenant with id or slug {ref!r}", param_hint="--tenant")
    return tenant


tenant_option = click.option("--tenant", "tenant_ref", required=True, help="Tenant id or slug.")


def echo_table(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> None:
    """Print rows as left-aligned columns under ``header`` (the listing commands' plain output)."""
    table = [header, *lines]
    widths = [max(len(line[index]) for line in table) for index in range(len(header))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


@ninjaone_cli.command("connect")
@tenant_option
@click.option("--client-id", required=True, help="Client ID of a NinjaOne 'API Services' app.")
@click.option("--client-secret", prompt=True, hide_input=True, help="Client secret (prompted if omitted).")
@click.option("--region", type=click.Choice(sorted(INSTANCES)), help="NinjaOne instance.")
@click.option("--base-url", help="Custom instance URL instead of --region.")
def connect(
    tenant_ref: str, client_id: str, client_secret: str, region: str | None, base_url: str | None
) -> None:
    """Connect a tenant with the client-credentials grant (machine-to-machine apps)."""
    from .services.connection import ConnectError, connect_client_credentials

    if bool(region) == bool(base_url):
        raise click.UsageError("give exactly one of --region or --base-url")
    tenant = _resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        try:
            result = connect_client_credentials(
                get_state().db.session,
                client_id=client_id,
                client_secret=client_secret,
                region=region,
                custom_url=base_url,
                actor=None,
                set_by_operator=True,  # the operator's CLI is trusted with any instance URL
            )
        except ConnectError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Connected {tenant.slug}: {result.organizations} organization(s); webhooks {result.webhook_state}."
    )
    for note in result.notes:
        click.echo(f"Note: {note}")


@ninjaone_cli.command("status")
@tenant_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (stable keys).")
def status(tenant_ref: str, as_json: bool) -> None:
    """Show a tenant's connection, device counts, webhook state and last sync."""
    from .services.connection import status as connection_status

    tenant = _resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        info = connection_status(get_state().db.session, tenant.id)
    if as_json:
        click.echo(json.dumps(info, indent=2, sort_keys=True))
        return
    click.echo(f"Tenant:        {tenant.slug}")
    click.echo(f"Status:        {info['status']}")
    if not info["configured"]:
        return
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
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--refresh/--no-refresh", default=True, help="Reload organizations from NinjaOne first.")
def orgs(tenant_ref: str, as_json: bool, refresh: bool) -> None:
    """List a tenant's NinjaOne organizations and their mapping state."""
    from sqlalchemy import select

    from .models import OrganizationMapping
    from .services.clients import client_for
    from .services.organizations import refresh_organizations

    tenant = _resolve_tenant(tenant_ref)
    session = get_state().db.session
    with tenant_scope(tenant.id):
        integration = _connected_integration(tenant)
        if refresh:
            with client_for(integration) as client:
                refresh_organizations(session, integration, client)
            session.commit()
        rows = session.scalars(
            select(OrganizationMapping)
            .where(OrganizationMapping.integration_id == integration.id)
            .order_by(OrganizationMapping.name)
        ).all()
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
        client = f" -> client {org['client_id']}" if org["client_id"] else ""
        click.echo(f"{org['id']:>8}  {org['name']}  [{org['state']}]{client}")


def _connected_integration(tenant: TenantRef) -> Integration:
    """The tenant's integration (call inside its ``tenant_scope``), or a clean CLI error."""
    from .services.connection import tenant_integration

    integration = tenant_integration(get_state().db.session)
    if integration is None:
        raise click.ClickException(f"{tenant.slug} is not connected to NinjaOne")
    return integration


@ninjaone_cli.command("map")
@tenant_option
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
    tenant_ref: str, org_id: int | None, client_id: str | None, map_all: bool, create_missing_clients: bool,
    no_auto_sync: bool,
) -> None:  # fmt: skip
    """Map NinjaOne organizations to host clients."""
    from .services import mapping

    if map_all == (org_id is not None):
        raise click.UsageError("give either --org ID --client C, or --all")
    if org_id is not None and client_id is None:
        raise click.UsageError("--org needs --client")
    if create_missing_clients and not map_all:
        raise click.UsageError("--create-missing-clients only goes with --all")
    tenant = _resolve_tenant(tenant_ref)
    session = get_state().db.session
    with tenant_scope(tenant.id):
        integration = _connected_integration(tenant)
        try:
            if map_all:
                count = mapping.apply_suggestions(session, integration, create_missing=create_missing_clients)
                click.echo(f"Mapped {count} organization(s).")
            else:
                row = mapping.map_organization(
                    session, integration, org_id, client_id or None, auto_sync=not no_auto_sync
                )
                click.echo(
                    f"{row.name}: {row.state}"
                    + (f" -> client {row.host_client_id}" if row.host_client_id else "")
                )
        except mapping.MappingError as exc:
            raise click.ClickException(str(exc)) from exc


@ninjaone_cli.command("sync")
@tenant_option
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
def sync_command(tenant_ref: str, full: bool, rewrite: bool, wait: bool) -> None:
    """Sync a tenant's NinjaOne devices into host assets."""
    from .sync.requests import forget_written, request_sync
    from .sync.runner import AlreadyRunning, run_summary, run_sync

    tenant = _resolve_tenant(tenant_ref)
    kind = "full" if full or rewrite else "incremental"
    with tenant_scope(tenant.id):
        integration = _connected_integration(tenant)
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


# Command modules attach themselves to ``ninjaone_cli``; imported last so they can import it.
from . import cli_alerts, cli_connection, cli_devices, cli_doctor, cli_inventory, cli_webhooks  # noqa: E402, F401
