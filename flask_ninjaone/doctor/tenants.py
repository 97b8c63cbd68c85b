"""The tenants' side: connections that work, and NinjaOne pushing events to each of them."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..models import ConnectionStatus, Integration, WebhookState
from ..state import get_state
from ..tenancy import system_scope
from .results import Check, fail, ok, short_error, warn

TENANTS = "tenants"
WEBHOOKS = "webhooks"
HEALTHY = {ConnectionStatus.CONNECTED, ConnectionStatus.SYNCING}
BROKEN = {ConnectionStatus.RECONNECT_REQUIRED, ConnectionStatus.ERROR}
RECONNECT = (
    "An admin of each tenant listed reconnects on its NinjaOne settings page (or fixes the error shown)"
)
ROTATE = "`flask ninjaone rotate-webhook-secret --tenant <slug>`"
WEBHOOK_FIX = {
    WebhookState.OFF: f"Set NINJAONE_PUBLIC_BASE_URL, then {ROTATE} registers it",
    WebhookState.REFUSED: "Recreate the tenant's NinjaOne API client as a system administrator, "
    "then reconnect",
    WebhookState.ERROR: f"The webhook configuration is owed to NinjaOne and retried; see the error, "
    f"or push it now with {ROTATE}",
}


def check_tenants(app: Flask) -> Check:
    """At least one tenant is connected, and none needs a human (``reconnect_required``, ``error``)."""
    try:
        integrations = _live_integrations(app)
    except SQLAlchemyError as exc:
        return fail(
            TENANTS, f"cannot read the integrations ({short_error(exc)})", "Fix the database check first"
        )
    broken = [i for i in integrations if i.status in BROKEN]
    healthy = [i for i in integrations if i.status in HEALTHY]
    if broken:
        return fail(
            TENANTS,
            f"{len(broken)} of {len(integrations)} connection(s) need a human",
            RECONNECT,
            *(
                f"{_tenant(app, i)}: {i.status} — {i.status_reason or i.last_error or 'no reason recorded'}"
                for i in broken
            ),
        )
    if not healthy:
        return warn(
            TENANTS,
            "no tenant is connected to NinjaOne yet",
            "Connect a tenant on its NinjaOne settings page or with `flask ninjaone connect`",
        )
    return ok(
        TENANTS, f"{len(healthy)} tenant(s) connected", *(f"{_tenant(app, i)}: {i.status}" for i in healthy)
    )


def check_webhooks(app: Flask) -> Check:
    """Every connected integration has its webhook registered (``webhook_state`` ``active``).

    Without it nothing is real time: alerts wait for the scheduled reconciliation and devices for
    the next sync. Connections that need a human are the tenants check's business, not listed here.
    """
    try:
        connected = [i for i in _live_integrations(app) if i.status in HEALTHY]
    except SQLAlchemyError as exc:
        return fail(
            WEBHOOKS, f"cannot read the integrations ({short_error(exc)})", "Fix the database check first"
        )
    off = [i for i in connected if i.webhook_state != WebhookState.ACTIVE]
    if off:
        states = sorted({WebhookState(i.webhook_state) for i in off})
        return fail(
            WEBHOOKS,
            f"{len(off)} of {len(connected)} connected tenant(s) get no webhook deliveries",
            " ".join(WEBHOOK_FIX[state] + "." for state in states),
            *(
                f"{_tenant(app, i)}: webhook {i.webhook_state}"
                + (f" — {i.webhook_error}" if i.webhook_error else "")
                for i in off
            ),
        )
    if not connected:
        return warn(WEBHOOKS, "no connected tenant: no webhook to check", "Connect a tenant first")
    return ok(WEBHOOKS, f"webhooks active for all {len(connected)} connected tenant(s)")


def _live_integrations(app: Flask) -> list[Integration]:
    """Every tenant's non-retired integrations, read across tenants (nothing is written)."""
    session = get_state(app).db.session
    try:
        with system_scope():
            return list(
                session.scalars(
                    select(Integration)
                    .where(Integration.retired_at.is_(None))
                    .order_by(Integration.tenant_id)
                )
            )
    except SQLAlchemyError:
        session.rollback()
        raise


def _tenant(app: Flask, integration: Integration) -> str:
    """The tenant's slug as the host knows it (the id when the host no longer does)."""
    tenant = get_state(app).host.find_tenant(str(integration.tenant_id))
    return tenant.slug if tenant is not None else f"tenant {integration.tenant_id}"
