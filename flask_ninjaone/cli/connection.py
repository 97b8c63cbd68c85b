"""``flask ninjaone`` commands about the connection (disconnect, webhook secret rotation and revoking
the previous secret).

They call the same domain functions as the settings page, so the CLI and the page cannot drift apart.
"""

from __future__ import annotations

import click

from ..connection.connect import ConnectError
from ..connection.connect import disconnect as disconnect_integration
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
