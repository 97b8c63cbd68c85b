"""``flask ninjaone`` commands about the connection (disconnect, webhook secret rotation and revoking
the previous secret, renaming and removing an instance).

They call the same domain functions as the settings page, so the CLI and the page cannot drift apart.
"""

from __future__ import annotations

import click

from ..connection.connect import ConnectError
from ..connection.connect import disconnect as disconnect_integration
from ..connection.instances import InstanceError, is_linked
from ..connection.instances import remove as remove_integration
from ..connection.instances import rename as rename_integration
from ..state import get_state
from ..tenancy import tenant_scope
from ..webhooks.registration import WebhookError, public_base_url
from ..webhooks.registration import revoke_previous_webhook_secret as revoke
from ..webhooks.registration import rotate_webhook_secret as rotate
from .group import ninjaone_cli
from .helpers import connected_integration, instance_option, resolve_tenant, tenant_option


@ninjaone_cli.command("disconnect")
@tenant_option
@instance_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def disconnect(tenant_ref: str, instance_ref: str | None, yes: bool) -> None:
    """Remove the webhook and revoke the tokens in NinjaOne (best effort), erase the credentials.

    Organization mappings, alert rules and assets are kept; assets are no longer updated.
    """
    tenant = resolve_tenant(tenant_ref)
    session = get_state().db.session
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        if not yes:
            click.confirm(
                f"Disconnect {tenant.slug} from NinjaOne ({integration.base_url})? The webhook is removed, "
                "tokens are revoked and credentials erased; assets are kept but no longer updated",
                abort=True,
            )
        try:
            result = disconnect_integration(session, integration, None)
        except ConnectError as exc:
            raise click.ClickException(str(exc)) from exc
    webhook = "removed" if result.webhook_removed else "not removed (none was active, or NinjaOne failed)"
    tokens = "revoked" if result.tokens_revoked else "not revoked"
    click.echo(f"Disconnected {tenant.slug}: webhook {webhook}; tokens {tokens}; credentials erased.")
    for note in result.notes:
        click.echo(f"Note: {note}")


@ninjaone_cli.command("rotate-webhook-secret")
@tenant_option
@instance_option
@click.option(
    "--public-url",
    help="Public base URL of this host, when NINJAONE_PUBLIC_BASE_URL is not set (e.g. https://psa.example.com).",
)
@click.option(
    "--revoke-previous",
    is_flag=True,
    help="Refuse the previous secret at once instead of after the grace period (it leaked).",
)
def rotate_webhook_secret(
    tenant_ref: str, instance_ref: str | None, public_url: str | None, revoke_previous: bool
) -> None:
    """Give a tenant's webhook a new secret and push it to NinjaOne; the old one stays valid for
    NINJAONE_WEBHOOK_SECRET_GRACE_HOURS unless --revoke-previous."""
    tenant = resolve_tenant(tenant_ref)
    session = get_state().db.session
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        try:
            base_url = public_url.rstrip("/") if public_url else public_base_url()
            until = rotate(session, integration, base_url=base_url, actor=None)
            if revoke_previous and until is not None:
                revoke(session, integration, actor=None)
        except WebhookError as exc:
            raise click.ClickException(str(exc)) from exc
    if revoke_previous:
        grace = "; the previous secret is refused from now on"
    else:
        grace = f"; the previous secret is accepted until {until:%Y-%m-%d %H:%M} UTC" if until else ""
    click.echo(f"Rotated the webhook secret of {tenant.slug}{grace}.")


@ninjaone_cli.command("revoke-previous-webhook-secret")
@tenant_option
@instance_option
def revoke_previous_webhook_secret(tenant_ref: str, instance_ref: str | None) -> None:
    """Refuse a tenant's previous webhook secret now, before its grace period ends (it leaked)."""
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        try:
            revoke(get_state().db.session, integration, actor=None)
        except WebhookError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Revoked the previous webhook secret of {tenant.slug}: only the current one is accepted.")


@ninjaone_cli.group("instance")
def instance_cli() -> None:
    """Name or remove one of a tenant's NinjaOne instances (connect adds one: `connect --add`)."""


@instance_cli.command("rename")
@tenant_option
@instance_option
@click.argument("name")
def rename_instance(tenant_ref: str, instance_ref: str | None, name: str) -> None:
    """Give the instance NAME: what --instance and the settings page call it from now on."""
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        previous = integration.name
        try:
            cleaned = rename_integration(get_state().db.session, integration, name, actor=None)
        except InstanceError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Renamed the NinjaOne instance {previous!r} of {tenant.slug} to {cleaned!r}.")


@instance_cli.command("remove")
@tenant_option
@instance_option
@click.option(
    "--disconnect", "disconnect_first", is_flag=True, help="Disconnect it first if it is connected."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def remove_instance(tenant_ref: str, instance_ref: str | None, disconnect_first: bool, yes: bool) -> None:
    """Retire an instance: its assets are marked inactive, its history kept, nothing deleted.

    A connected instance is refused unless --disconnect (its webhook is removed and tokens revoked first).
    """
    tenant = resolve_tenant(tenant_ref)
    session = get_state().db.session
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        linked = is_linked(integration)
        if linked and not disconnect_first:
            raise click.ClickException(
                f"The NinjaOne instance {integration.name!r} is connected: disconnect it first, or pass "
                "--disconnect to disconnect and remove it."
            )
        if not yes:
            first = "Disconnect and remove" if linked else "Remove"
            click.confirm(
                f"{first} the NinjaOne instance {integration.name!r} ({integration.base_url}) of "
                f"{tenant.slug}? Its assets are kept but marked inactive; its history is kept",
                abort=True,
            )
        try:
            if linked:
                disconnect_integration(session, integration, None)
            removal = remove_integration(session, integration, actor=None)
        except (ConnectError, InstanceError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(removal.note())
