"""Connecting a tenant to NinjaOne: credentials, tokens, organizations — one service for the web
OAuth callback and the ``flask ninjaone connect`` CLI, so both do exactly the same thing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..client import CLIENT_CREDENTIALS_SCOPES, NinjaOneError, TokenSet, client_credentials, resolve_base_url
from ..config import setting
from ..host import UserRef
from ..models import (
    ConnectionStatus,
    Credential,
    Device,
    Integration,
    MappingState,
    OrganizationMapping,
    SyncRun,
)
from ..models.base import utcnow
from . import audit
from .clients import client_for
from .organizations import refresh_organizations

MAX_CLIENT_ID = 255
MAX_SECRET = 512


class ConnectError(Exception):
    """A connection step failed; the message is safe and meant for the admin who clicked Connect."""


@dataclass(frozen=True)
class ConnectResult:
    """What a successful connection did, for the flash message and the CLI output."""

    integration_id: int
    organizations: int
    webhook_state: str
    notes: list[str] = field(default_factory=list)


def tenant_integration(session: Session) -> Integration | None:
    """The bound tenant's integration (a tenant connects one NinjaOne instance at a time)."""
    return session.scalars(select(Integration).order_by(Integration.id)).first()


def save_credentials(
    session: Session,
    *,
    client_id: str,
    client_secret: str | None,
    region: str | None,
    custom_url: str | None,
) -> Integration:
    """Validate and store the tenant's API client; a blank secret keeps the saved one.

    Changing the instance of a connected integration drops its tokens (they belong to the old
    instance) and asks for a new connection; mappings and rules are kept.
    """
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > MAX_CLIENT_ID or any(ch.isspace() for ch in client_id):
        raise ConnectError("Enter the Client ID exactly as NinjaOne shows it (no spaces).")
    secret = (client_secret or "").strip()
    if len(secret) > MAX_SECRET:
        raise ConnectError("The Client Secret is too long to be a NinjaOne secret.")
    try:
        base_url = resolve_base_url(
            region or None, custom_url or None, allow_insecure_http=setting("NINJAONE_ALLOW_HTTP_BASE_URL")
        )
    except ValueError as exc:
        raise ConnectError(str(exc)) from exc
    base_url = setting("NINJAONE_BASE_URL_OVERRIDES").get(region or "", base_url)

    integration = tenant_integration(session)
    if integration is None:
        integration = Integration(public_id=secrets.token_urlsafe(32), base_url=base_url)
        session.add(integration)
    credential = integration.credential
    if credential is None:
        if not secret:
            raise ConnectError("Enter the Client Secret.")
        credential = Credential(client_id=client_id)
        integration.credential = credential
    instance_changed = integration.base_url != base_url or credential.client_id != client_id
    integration.region = None if custom_url else region
    integration.base_url = base_url
    credential.client_id = client_id
    if secret:
        credential.client_secret = secret
        credential.client_secret_hint = secret[-4:]
    if instance_changed and credential.access_token:
        _drop_tokens(credential)
        integration.status = ConnectionStatus.DISCONNECTED
        integration.status_reason = "Credentials or instance changed: connect again."
    session.commit()
    return integration


def _drop_tokens(credential: Credential) -> None:
    credential.access_token = None
    credential.refresh_token = None
    credential.token_expires_at = None


def connect_client_credentials(
    session: Session,
    *,
    client_id: str,
    client_secret: str,
    region: str | None,
    custom_url: str | None,
    actor: UserRef | None,
) -> ConnectResult:
    """Connect an "API Services" (machine-to-machine) app with the client-credentials grant."""
    integration = save_credentials(
        session, client_id=client_id, client_secret=client_secret, region=region, custom_url=custom_url
    )
    credential = integration.credential
    assert credential is not None and credential.client_secret
    try:
        token = client_credentials(
            integration.base_url,
            credential.client_id,
            credential.client_secret,
            CLIENT_CREDENTIALS_SCOPES,
            timeout=setting("NINJAONE_HTTP_TIMEOUT"),
        )
    except NinjaOneError as exc:
        _fail(session, integration, str(exc))
        raise ConnectError(f"NinjaOne refused the connection: {exc}") from exc
    integration.auth_mode = "client_credentials"
    return complete_connection(session, integration, token, actor)


def complete_connection(
    session: Session, integration: Integration, token: TokenSet, actor: UserRef | None
) -> ConnectResult:
    """Store the tokens, mark the integration connected and load its organizations.

    The tokens are committed first: once NinjaOne issued them (and, for a refresh token, rotated
    any previous one) losing them would strand the connection.
    """
    credential = integration.credential
    assert credential is not None
    credential.access_token = token.access_token
    credential.refresh_token = token.refresh_token
    credential.token_expires_at = datetime.fromtimestamp(token.expires_at, UTC)
    credential.scope = token.scope
    integration.status = ConnectionStatus.CONNECTED
    integration.status_reason = None
    integration.last_error = None
    integration.connected_at = utcnow()
    integration.connected_by = actor.name if actor else "cli"
    session.commit()

    notes: list[str] = []
    try:
        with client_for(integration) as client:
            organizations = refresh_organizations(session, integration, client)
    except NinjaOneError as exc:
        organizations = 0
        integration.last_error = f"Could not load organizations: {exc}"
        notes.append(integration.last_error)
    audit.record(
        session,
        "connect",
        user=actor,
        target_type="integration",
        target_id=str(integration.id),
        detail={"base_url": integration.base_url, "auth_mode": integration.auth_mode},
    )
    session.commit()
    return ConnectResult(integration.id, organizations, integration.webhook_state, notes)


def _fail(session: Session, integration: Integration, message: str) -> None:
    integration.status = ConnectionStatus.ERROR
    integration.last_error = message
    session.commit()


def status(session: Session, tenant_id: str) -> dict[str, Any]:
    """The stable ``status --json`` object (also what the settings page shows)."""
    integration = tenant_integration(session)
    if integration is None:
        return {"tenant": tenant_id, "status": ConnectionStatus.DISCONNECTED, "configured": False}
    active = select(func.count()).select_from(Device).where(Device.integration_id == integration.id)
    active = active.where(Device.retired.is_(False))
    device_count = session.execute(active).scalar_one()
    linked = session.execute(active.where(Device.host_asset_id.is_not(None))).scalar_one()
    org_states = dict(
        session.execute(
            select(OrganizationMapping.state, func.count())
            .where(OrganizationMapping.integration_id == integration.id)
            .group_by(OrganizationMapping.state)
        ).all()
    )
    last_run = session.scalars(
        select(SyncRun).where(SyncRun.integration_id == integration.id).order_by(SyncRun.id.desc())
    ).first()
    credential = integration.credential
    return {
        "tenant": tenant_id,
        "configured": credential is not None,
        "status": integration.status,
        "status_reason": integration.status_reason,
        "auth_mode": integration.auth_mode,
        "instance_url": integration.base_url,
        "region": integration.region,
        "client_id": credential.client_id if credential else None,
        "client_secret_hint": credential.client_secret_hint if credential else None,
        "connected_at": _iso(integration.connected_at),
        "device_count": device_count,
        "linked_asset_count": linked,
        "organizations": {
            "total": sum(org_states.values()),
            "mapped": org_states.get(MappingState.MAPPED, 0),
            "unmapped": org_states.get(MappingState.UNMAPPED, 0),
            "deleted": org_states.get(MappingState.DELETED, 0),
        },
        "webhook": {"state": integration.webhook_state, "error": integration.webhook_error},
        "last_error": integration.last_error,
        "last_sync": None
        if last_run is None
        else {
            "id": last_run.id,
            "kind": last_run.kind,
            "trigger": last_run.trigger,
            "state": last_run.state,
            "started_at": _iso(last_run.started_at),
            "finished_at": _iso(last_run.finished_at),
            "counts": last_run.counts,
            "error": last_run.error,
        },
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
