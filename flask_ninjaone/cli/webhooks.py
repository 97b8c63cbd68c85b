"""``flask ninjaone inbox ...`` and ``webhook-url``: operate the webhook inbox from a shell."""

from __future__ import annotations

import json

import click

from ..config import setting
from ..state import get_state
from ..tenancy import tenant_scope
from ..webhooks import inbox
from ..webhooks.inbox_page import InboxFilters, latest_deliveries
from ..webhooks.registration import public_base_url, receiver_url
from .group import ninjaone_cli
from .helpers import connected_integration, instance_option, resolve_tenant, tenant_option


@ninjaone_cli.group("inbox")
def inbox_group() -> None:
    """The webhook inbox: every accepted delivery and its processing state."""


@inbox_group.command("replay")
@tenant_option
@instance_option
@click.option("--include-failed", is_flag=True, help="Also retry deliveries that exhausted their retries.")
def inbox_replay(tenant_ref: str, instance_ref: str | None, include_failed: bool) -> None:
    """Process every delivery of an instance that is still pending now (e.g. stored while Redis was
    down, or waiting out a retry's backoff)."""
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        count, queued = inbox.replay(get_state().db.session, integration.id, include_failed=include_failed)
    if count and not queued:
        raise click.ClickException(f"The queue is unreachable: {count} delivery(ies) stay pending.")
    click.echo(f"Enqueued {count} delivery(ies).")


@inbox_group.command("list")
@tenant_option
@instance_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
def inbox_list(tenant_ref: str, instance_ref: str | None, limit: int, as_json: bool) -> None:
    """Show the newest deliveries of an instance with their status, attempts and error."""
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        rows = latest_deliveries(get_state().db.session, InboxFilters(limit=limit), integration.id)
        data = [
            {
                "id": row.id,
                "activity_id": row.activity_id,
                "activity_type": row.activity_type,
                "status_code": row.status_code,
                "device_id": row.device_id,
                "status": row.status,
                "attempts": row.attempts,
                "error": row.error,
                "received_at": row.received_at.isoformat(),
                "duration_ms": row.duration_ms,
            }
            for row in rows
        ]
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for row in data:
        error = f"  {row['error']}" if row["error"] else ""
        click.echo(f"{row['id']:>8} {row['received_at']} {row['status_code'] or '-':<28} {row['status']:<10}"
                   f" x{row['attempts']}{error}")  # fmt: skip


@ninjaone_cli.command("webhook-url")
@tenant_option
@instance_option
@click.option("--show-secret", is_flag=True, help="Also print the secret (keep it out of logs).")
def webhook_url(tenant_ref: str, instance_ref: str | None, show_secret: bool) -> None:
    """Print the receiver URL NinjaOne delivers to, and the header carrying the secret."""
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        base = public_base_url(None)
        if base is None:
            raise click.ClickException("Set NINJAONE_PUBLIC_BASE_URL so the receiver URL can be built.")
        click.echo(f"URL:    {receiver_url(integration, base)}")
        click.echo(f"Header: {setting('NINJAONE_WEBHOOK_HEADER')}")
        if show_secret:
            click.echo(f"Secret: {integration.webhook_secret or '(none: webhooks are not registered)'}")
