"""Connecting a tenant to NinjaOne: credentials, OAuth, tokens, organizations, webhook, first sync and
disconnect — one service for the settings page and the ``flask ninjaone`` CLI, so both do exactly the
same thing. No request objects in here: the blueprint passes in what it read from the request.

Failure rule: every step that can fail *before* NinjaOne issued tokens leaves the database as it was
(the caller shows :class:`ConnectError`'s message). Once tokens exist they are committed first, and
what follows (organizations, webhook, first sync) degrades into notes instead of undoing the connection.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import audit
from ..client import (
    CLIENT_CREDENTIALS_SCOPES,
    AuthError,
    NetworkError,
    NinjaOneError,
    TokenSet,
    build_authorization_url,
    client_credentials,
    exchange_code,
    generate_code_verifier,
    resolve_base_url,
)
from ..client.instances import normalize_base_url
from ..config import setting
from ..host import UserRef
from ..models import (
    ConnectionStatus,
    Credential,
    Device,
    Integration,
    MappingState,
    OrganizationMapping,
    RemoteLink,
    SyncRun,
    WebhookState,
)
from ..models.base import utcnow
from ..models.integration import default_instance_name
from ..organizations.refresh import refresh_organizations
from ..owed_writes import send_due
from ..sync.requests import request_sync
from ..unit_of_work import rolls_back_on
from ..webhooks import registration as webhook_registration
from . import base_urls, instance_change, instances, release
from .api_client import client_for

log = logging.getLogger(__name__)

MAX_CLIENT_ID = 255
MAX_SECRET = 512
MAX_URL = 255
#: Allowed sync intervals in minutes (the form and the service share them).
SYNC_INTERVAL_RANGE = (15, 1440)
INVENTORY_INTERVAL_RANGE = (60, 10080)
#: The tenant's sync preferences: a new integration for another instance starts with them.
SYNC_PREFERENCES = (
    "auto_sync",
    "sync_interval_minutes",
    "inventory_interval_minutes",
    "sync_pending_devices",
)

#: Token-endpoint answers to the credentials check that mean "this cannot work": the client id does not
#: exist on this instance (wrong region), there is no OAuth endpoint at the URL, or the secret is wrong.
_FATAL_CHECK_MARKERS = ("Client app not exist", "no NinjaOne OAuth endpoint", "invalid_client")


class ConnectError(Exception):
    """A connection step failed; the message is safe and meant for the admin who clicked Connect."""


class SettingsError(ValueError):
    """Sync settings out of range; the message is meant for the form."""


@dataclass(frozen=True)
class ConnectResult:
    """What a successful connection did, for the flash message and the CLI output."""

    integration_id: int
    organizations: int
    webhook_state: str
    notes: list[str] = field(default_factory=list)
    sync_message: str | None = None
    #: The instance's name, for "Connected … instance NAME" (a tenant may have several).
    instance_name: str = ""


@dataclass(frozen=True)
class SavedCredentials:
    """The integration the credentials were saved on, and what moving the tenant to another instance
    did to the previous one (``None`` when they were saved on the same integration)."""

    integration: Integration
    retirement: instance_change.Retirement | None = None

    @property
    def instance_note(self) -> str | None:
        """What the admin should know about the previous instance, or ``None`` when there was none."""
        return self.retirement.note() if self.retirement is not None else None


@dataclass(frozen=True)
class DisconnectResult:
    """What a disconnect managed to do in NinjaOne (the local side always completes)."""

    webhook_removed: bool
    tokens_revoked: bool
    notes: list[str] = field(default_factory=list)


def tenant_integration(session: Session) -> Integration | None:
    """The bound tenant's first live instance, for the pages that show one instance only (settings,
    asset panel, rules, compliance, remote; see :mod:`.instances` for what is per instance).

    Commands, jobs and services that act on an instance's ids never use this: they name their
    instance (:func:`.instances.instance_for`), since a tenant may have several side by side."""
    return session.scalars(
        select(Integration).where(Integration.retired_at.is_(None)).order_by(Integration.id)
    ).first()


# -- credentials ---------------------------------------------------------------------------------------


@rolls_back_on(ConnectError)
def save_credentials(
    session: Session,
    *,
    client_id: str | None,
    client_secret: str | None,
    region: str | None,
    custom_url: str | None,
    actor: UserRef | None = None,
    remote_addr: str | None = None,
    set_by_operator: bool = False,
    instance: Integration | None = None,
    add: bool = False,
    name: str | None = None,
) -> SavedCredentials:
    """Validate and store the API client of one of the tenant's instances; a blank secret keeps the
    saved one, as long as neither the API client nor the instance changed (the secret never follows a
    newly typed URL).

    A custom URL from a tenant (the settings page) must be one the operator allowed
    (:func:`.base_urls.tenant_may_use`), else :data:`.base_urls.UNREACHABLE` and nothing is written;
    ``set_by_operator`` (the CLI) accepts any instance URL and marks the integration so.

    Changing the API client of a connected integration releases the old connection (webhook removal
    and token revocation owed to NinjaOne until confirmed) and asks for a new one; mappings and rules
    are kept. Changing the *instance* follows :mod:`.instance_change`: refused while connected, else
    the old integration is retired and the new instance gets an integration of its own. Nothing is
    written when validation fails or the change is refused.

    Which instance (issue 22): ``instance`` when the caller chose one, else the tenant's only one
    (refused as ambiguous when it has several); ``add`` starts another instance beside the existing
    ones instead (see :func:`_added_instance`). ``name`` names or renames the instance.
    """
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > MAX_CLIENT_ID or any(ch.isspace() for ch in client_id):
        raise ConnectError("Enter the Client ID exactly as NinjaOne shows it (no spaces).")
    secret = (client_secret or "").strip()
    if len(secret) > MAX_SECRET:
        raise ConnectError("The Client Secret is too long to be a NinjaOne secret.")
    if custom_url and len(custom_url) > MAX_URL:
        raise ConnectError("The NinjaOne URL is too long.")
    try:
        if custom_url and not set_by_operator:
            base_url = normalize_base_url(custom_url)  # the allowed list decides, http included
        else:
            base_url = resolve_base_url(
                region or None,
                custom_url or None,
                allow_insecure_http=setting("NINJAONE_ALLOW_HTTP_BASE_URL"),
            )
    except ValueError as exc:
        raise ConnectError(str(exc)) from exc
    if not custom_url:
        base_url = setting("NINJAONE_BASE_URL_OVERRIDES").get(region or "", base_url)

    integration = None if add else (instance or _sole_instance(session))
    if custom_url and not set_by_operator and not base_urls.tenant_may_use(base_url, integration):
        raise ConnectError(base_urls.UNREACHABLE)
    if name is not None:  # checked before a new row exists, so the check never meets that row
        try:
            cleaned = instances.check_name(session, name, keep=integration)
        except instances.InstanceError as exc:
            raise ConnectError(str(exc)) from None
    if add:
        integration = _added_instance(session, base_url, region=None if custom_url else region)
    kept = integration is not None and integration.base_url == base_url
    operator_url = bool(custom_url) and (
        set_by_operator or (kept and integration is not None and integration.base_url_set_by_operator)
    )
    credential = integration.credential if integration is not None else None
    if not secret and (credential is None or credential.client_id != client_id):
        raise ConnectError("Enter the Client Secret of this API client.")
    if not secret and integration is not None and integration.base_url != base_url:
        raise ConnectError(
            "Enter the Client Secret again: the saved one is never sent to a newly chosen instance."
        )
    retirement: instance_change.Retirement | None = None
    if integration is None:
        integration = _new_integration(session, base_url, region=None if custom_url else region)
    elif integration.base_url != base_url:
        integration, retirement = _switch_instance(
            session, integration, base_url, None if custom_url else region, actor, remote_addr
        )
        credential = integration.credential
    changed = credential is not None and (
        integration.base_url != base_url or credential.client_id != client_id
    )
    released = None
    if changed and credential is not None and credential.access_token:
        released = release.owe_release(session, integration, credential)
        _drop_tokens(credential)
        _webhook_off(
            integration, "The API client or instance changed: connect again to register the webhook."
        )
        integration.status = ConnectionStatus.DISCONNECTED
        integration.status_reason = "Credentials or instance changed: connect again."
    if credential is None:
        credential = Credential(client_id=client_id)
        integration.credential = credential
    integration.region = None if custom_url else region
    integration.base_url = base_url
    integration.base_url_set_by_operator = operator_url
    if name is not None:
        integration.name = cleaned
    credential.client_id = client_id
    if secret:
        credential.client_secret = secret
        credential.client_secret_hint = secret[-4:]
    session.flush()
    audit.record_for_integration(
        session,
        integration.id,
        "credentials_saved",
        user=actor,
        remote_addr=remote_addr,
        detail={
            "client_id": client_id,
            "base_url": base_url,
            "base_url_set_by_operator": operator_url,
            "secret_changed": bool(secret),
        },
        commit=True,
    )
    if released is not None:  # what NinjaOne does not confirm now stays owed (see .release)
        send_due(session, release.SENDERS, integration_id=integration.id, targets=[released])
    return SavedCredentials(integration, retirement)


def _switch_instance(
    session: Session,
    integration: Integration,
    base_url: str,
    region: str | None,
    actor: UserRef | None,
    remote_addr: str | None,
) -> tuple[Integration, instance_change.Retirement | None]:
    """The integration that credentials for ``base_url`` go on, when the tenant's is of another instance
    (see :mod:`.instance_change`): the same row while it holds no instance's ids, unless the tenant
    returns to an instance it used before; a refusal while connected; else the old row retired."""
    other = instances.live_instance_at(session, base_url)
    if other is not None:
        raise ConnectError(_same_url_refusal(other))
    holds_ids = instance_change.holds_instance_ids(session, integration)
    returning = instance_change.retired_integration_for(session, base_url)
    if not holds_ids and returning is None:  # e.g. a mistyped URL before the first connect: correct it
        if integration.name == default_instance_name(integration.region, integration.base_url):
            integration.name = instances.free_name(session, region, base_url)  # named for the new URL
        return integration, None
    credential = integration.credential
    if credential is not None and (holds_ids or credential.access_token):
        raise ConnectError(instance_change.refusal(integration, base_url))
    retirement = None
    if holds_ids:
        retirement = instance_change.retire(
            session, integration, base_url, actor=actor, remote_addr=remote_addr
        )
    target = returning or _new_integration(session, base_url, region=region, settings_of=integration)
    instance_change.move_alert_settings(session, integration, target)
    if not holds_ids:  # it never held anything worth keeping (nor a connection): make way for the other
        session.delete(integration)
        session.flush()
    if returning is not None:
        returning.retired_at = None
        returning.status_reason = None
    return target, retirement


def _sole_instance(session: Session) -> Integration | None:
    """The tenant's only instance (``None`` before the first), refused when it has several."""
    try:
        return instances.instance_for(session, None)
    except instances.InstanceError as exc:
        raise ConnectError(str(exc)) from None


def _same_url_refusal(other: Integration) -> str:
    return (
        f"This tenant already has the NinjaOne instance at {other.base_url} (named {other.name!r}): "
        "two instances at one URL would share its device and organization ids. Reconnect that one "
        "instead."
    )


def _added_instance(session: Session, base_url: str, *, region: str | None) -> Integration:
    """The row of an instance the tenant adds beside its others: refused at the limit
    (``NINJAONE_MAX_INSTANCES_PER_TENANT``) or when one of them is at ``base_url`` already; the
    retired row of an instance it used before comes back (those ids are that instance's), else a new
    one, starting with the sync preferences of the tenant's first instance."""
    other = instances.live_instance_at(session, base_url)
    if other is not None:
        raise ConnectError(_same_url_refusal(other))
    existing = instances.tenant_instances(session)
    try:
        instances.check_room(session)
    except instances.InstanceError as exc:
        raise ConnectError(str(exc)) from None
    returning = instance_change.retired_integration_for(session, base_url)
    if returning is not None:
        returning.retired_at = None
        returning.status_reason = None
        return returning
    return _new_integration(session, base_url, region=region, settings_of=existing[0] if existing else None)


def _new_integration(
    session: Session,
    base_url: str,
    *,
    region: str | None = None,
    settings_of: Integration | None = None,
) -> Integration:
    """A fresh integration row, named after its region or host (unique in the tenant); the tenant's
    sync preferences carry over, never an instance's ids."""
    integration = Integration(
        public_id=secrets.token_urlsafe(32),
        base_url=base_url,
        name=instances.free_name(session, region, base_url),
    )
    if settings_of is not None:
        for name in SYNC_PREFERENCES:
            setattr(integration, name, getattr(settings_of, name))
    session.add(integration)
    return integration


def _drop_tokens(credential: Credential) -> None:
    credential.access_token = None
    credential.refresh_token = None
    credential.token_expires_at = None


def _webhook_off(integration: Integration, reason: str | None) -> None:
    integration.webhook_state = WebhookState.OFF
    integration.webhook_error = reason
    integration.webhook_secret = None
    integration.webhook_previous_secret = None
    integration.webhook_previous_secret_expires_at = None


def _send_release(
    session: Session, integration_id: int, target: str, *, webhook_was_on: bool
) -> tuple[bool, bool, list[str]]:
    """Try the owed release now; ``(webhook_removed, tokens_revoked, notes)``. What NinjaOne does
    not confirm stays owed and is retried on its own (see :mod:`.release`): the notes say so."""
    send_due(session, release.SENDERS, integration_id=integration_id, targets=[target])
    owed = release.still_owed(session, integration_id, target)
    if owed is None:
        return webhook_was_on, True, []
    why = owed.last_error or "no answer"
    notes = []
    webhook_owed = release.webhook_removal_owed(owed)
    if webhook_owed:
        notes.append(
            f"The webhook could not be removed in NinjaOne yet ({why}); it is retried automatically "
            "until NinjaOne confirms."
        )
    notes.append(
        f"The tokens could not be revoked in NinjaOne yet ({why}); this is retried automatically "
        "until NinjaOne confirms."
    )
    return webhook_was_on and not webhook_owed, False, notes


# -- OAuth (authorization code + PKCE) -----------------------------------------------------------------


def _stored_credential(integration: Integration | None) -> Credential:
    credential = integration.credential if integration is not None else None
    if credential is None or not credential.client_secret:
        raise ConnectError("Save the NinjaOne Client ID and Client Secret first, then click Connect.")
    return credential


def check_credentials(integration: Integration, redirect_uri: str) -> None:
    """Ask the token endpoint about the stored API client before sending the admin's browser there.

    A wrong region sends the browser to a NinjaOne error page it never comes back from, so the check
    happens server side: a code exchange with a throwaway code needs no consent and issues nothing,
    but NinjaOne authenticates the client first, so it answers 404 "Client app not exist" for a client
    id of another instance and ``invalid_client`` for a wrong secret. Only those (and an unreachable
    instance) stop the connection; any other answer lets the real flow decide.
    """
    credential = _stored_credential(integration)
    try:
        with base_urls.session_for(integration) as http:
            exchange_code(
                integration.base_url,
                credential.client_id,
                credential.client_secret or "",
                f"flask-ninjaone-check-{secrets.token_urlsafe(16)}",
                redirect_uri,
                generate_code_verifier(),
                timeout=setting("NINJAONE_HTTP_TIMEOUT"),
                session=http,
            )
    except NetworkError as exc:  # refused address, closed port, silence: one message (no port oracle)
        log.info("ninjaone credentials check for integration %s: %s", integration.id, exc)
        raise ConnectError(base_urls.UNREACHABLE) from None
    except AuthError as exc:
        if any(marker in str(exc) for marker in _FATAL_CHECK_MARKERS):
            raise ConnectError(f"NinjaOne refused the connection: {exc}") from None
    except NinjaOneError as exc:  # throttled or a server error: not a verdict on the credentials
        log.info("ninjaone credentials check inconclusive for integration %s: %s", integration.id, exc)


def start_authorization(integration: Integration | None, redirect_uri: str, state: str) -> tuple[str, str]:
    """Check the stored credentials and build NinjaOne's authorize URL; returns ``(url, code_verifier)``.

    The caller binds ``state`` to the user's session and keeps the verifier server side.
    """
    credential = _stored_credential(integration)
    assert integration is not None
    check_credentials(integration, redirect_uri)
    return build_authorization_url(
        integration.base_url,
        credential.client_id,
        redirect_uri,
        tuple(setting("NINJAONE_SCOPES").split()),
        state,
    )


@rolls_back_on(ConnectError)
def finish_authorization(
    session: Session,
    integration: Integration | None,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    actor: UserRef | None,
    public_base_url: str | None,
    remote_addr: str | None = None,
) -> ConnectResult:
    """Exchange the code with the tenant's *stored* credentials, then complete the connection.

    A refused exchange (wrong region, wrong secret, expired code, NinjaOne down) raises
    :class:`ConnectError` with nothing written.
    """
    credential = _stored_credential(integration)
    assert integration is not None
    try:
        with base_urls.session_for(integration) as http:
            token = exchange_code(
                integration.base_url,
                credential.client_id,
                credential.client_secret or "",
                code,
                redirect_uri,
                code_verifier,
                timeout=setting("NINJAONE_HTTP_TIMEOUT"),
                session=http,
            )
    except NinjaOneError as exc:
        log.warning("ninjaone code exchange for integration %s failed: %s", integration.id, exc)
        if isinstance(exc, NetworkError):
            raise ConnectError(base_urls.UNREACHABLE) from None
        raise ConnectError(f"NinjaOne refused the connection: {exc}") from None
    integration.auth_mode = "authorization_code"
    return complete_connection(
        session,
        integration,
        token,
        actor,
        public_base_url=public_base_url,
        remote_addr=remote_addr,
        first_sync=True,
    )


# -- client credentials (CLI) ---------------------------------------------------------------------------


def connect_client_credentials(
    session: Session,
    *,
    client_id: str,
    client_secret: str,
    region: str | None,
    custom_url: str | None,
    actor: UserRef | None,
    public_base_url: str | None = None,
    set_by_operator: bool = False,
    instance: Integration | None = None,
    add: bool = False,
    name: str | None = None,
) -> ConnectResult:
    """Connect an "API Services" (machine-to-machine) app with the client-credentials grant.

    ``public_base_url`` is where NinjaOne delivers webhooks (default ``NINJAONE_PUBLIC_BASE_URL``);
    ``set_by_operator``, ``instance``, ``add`` and ``name`` as for :func:`save_credentials`.
    """
    saved = save_credentials(
        session,
        client_id=client_id,
        client_secret=client_secret,
        region=region,
        custom_url=custom_url,
        actor=actor,
        set_by_operator=set_by_operator,
        instance=instance,
        add=add,
        name=name,
    )
    integration = saved.integration
    credential = integration.credential
    assert credential is not None and credential.client_secret
    try:
        with base_urls.session_for(integration) as http:
            token = client_credentials(
                integration.base_url,
                credential.client_id,
                credential.client_secret,
                CLIENT_CREDENTIALS_SCOPES,
                timeout=setting("NINJAONE_HTTP_TIMEOUT"),
                session=http,
            )
    except NinjaOneError as exc:
        _fail(session, integration, str(exc))
        note = f" {saved.instance_note}" if saved.instance_note else ""  # saved before the refusal
        raise ConnectError(f"NinjaOne refused the connection: {exc}{note}") from exc
    integration.auth_mode = "client_credentials"
    result = complete_connection(session, integration, token, actor, public_base_url=public_base_url)
    if saved.instance_note:
        result.notes.insert(0, saved.instance_note)
    return result


# -- completing a connection ----------------------------------------------------------------------------


def complete_connection(
    session: Session,
    integration: Integration,
    token: TokenSet,
    actor: UserRef | None,
    *,
    public_base_url: str | None = None,
    remote_addr: str | None = None,
    first_sync: bool = False,
) -> ConnectResult:
    """Store the tokens, mark the integration connected, load its organizations, register the webhook
    and (``first_sync``) queue the first sync.

    The tokens are committed first: once NinjaOne issued them (and, for a refresh token, rotated
    any previous one) losing them would strand the connection. ``public_base_url`` is where NinjaOne
    reaches this host (default ``NINJAONE_PUBLIC_BASE_URL``; without one the webhook stays off).
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
    organizations = 0
    with client_for(integration) as client:
        try:
            organizations = refresh_organizations(session, integration, client)
            session.commit()
        except NinjaOneError as exc:
            session.rollback()
            integration.last_error = f"Could not load organizations: {exc}"
            notes.append(integration.last_error)
        base_url = public_base_url or webhook_registration.public_base_url()
        webhook_state = webhook_registration.register_webhook(session, integration, client, base_url=base_url)
    if webhook_state != WebhookState.ACTIVE and integration.webhook_error:
        notes.append(integration.webhook_error)
    audit.record_for_integration(
        session,
        integration.id,
        "connect",
        user=actor,
        remote_addr=remote_addr,
        detail={
            "base_url": integration.base_url,
            "auth_mode": integration.auth_mode,
            "organizations": organizations,
            "webhook_state": str(webhook_state),
        },
        commit=True,
    )
    integration_id, instance_name = integration.id, integration.name
    sync_message = _queue_first_sync(session, integration) if first_sync else None
    return ConnectResult(
        integration_id, organizations, str(webhook_state), notes, sync_message, instance_name
    )


def _queue_first_sync(session: Session, integration: Integration) -> str:
    """Queue the first full sync (run inline when there is no Redis). A failure to queue is a note:
    the connection itself is complete and "Sync now" or the schedule will catch up."""

    try:
        message = request_sync(integration, kind="full", trigger="connect").message
    except Exception as exc:  # noqa: BLE001 - e.g. Redis down: the connection must still succeed
        log.warning("ninjaone first sync of integration %s could not be queued: %s", integration.id, exc)
        message = "The first sync could not be queued; use Sync now or wait for the schedule."
    session.expire(integration)  # an inline sync wrote status and times through its own session
    return message


def _fail(session: Session, integration: Integration, message: str) -> None:
    integration.status = ConnectionStatus.ERROR
    integration.last_error = message
    session.commit()


# -- disconnect ------------------------------------------------------------------------------------------


def disconnect(
    session: Session, integration: Integration, actor: UserRef | None, *, remote_addr: str | None = None
) -> DisconnectResult:
    """Erase the credentials and mark the integration disconnected — the local side always
    completes — and, in the same transaction, owe NinjaOne the webhook removal and the token
    revocation; they are sent at once, and what NinjaOne does not confirm is retried until it does.

    Organization mappings, rules, devices and the host's assets are kept (assets simply stop being
    updated), so a reconnect continues where this left off.
    """
    credential = integration.credential
    if credential is None and integration.status == ConnectionStatus.DISCONNECTED:
        raise ConnectError("NinjaOne is not connected: there is nothing to disconnect.")
    webhook_was_on = integration.webhook_state in (WebhookState.ACTIVE, WebhookState.ERROR)
    released = None
    if credential is not None and credential.client_secret and credential.access_token:
        released = release.owe_release(session, integration, credential)
    integration.credential = None  # delete-orphan: the credentials row (secret and tokens) is deleted
    # Cached Remote Connect links carry live session tokens: they go with the connection.
    session.execute(delete(RemoteLink).where(RemoteLink.integration_id == integration.id))
    integration.status = ConnectionStatus.DISCONNECTED
    who = actor.name if actor else "an operator (CLI)"
    integration.status_reason = f"Disconnected by {who}. Assets are kept but no longer updated."
    integration.last_error = None
    integration.connected_at = None
    integration.connected_by = None
    _webhook_off(integration, None)
    session.commit()  # erased here and owed in NinjaOne, together
    webhook_removed = tokens_revoked = False
    notes: list[str] = []
    if released is not None:
        webhook_removed, tokens_revoked, notes = _send_release(
            session, integration.id, released, webhook_was_on=webhook_was_on
        )
    audit.record_for_integration(
        session,
        integration.id,
        "disconnect",
        user=actor,
        remote_addr=remote_addr,
        detail={"webhook_removed": webhook_removed, "tokens_revoked": tokens_revoked, "notes": notes},
        commit=True,
    )
    log.info("ninjaone integration %s disconnected by %s", integration.id, who)
    return DisconnectResult(webhook_removed, tokens_revoked, notes)


# -- sync settings ---------------------------------------------------------------------------------------


def _minutes(value: Any, bounds: tuple[int, int], what: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(f"{what} must be a whole number of minutes between {low} and {high}.")
    return value


@rolls_back_on(SettingsError)
def update_sync_settings(
    session: Session,
    integration: Integration,
    *,
    auto_sync: bool,
    sync_interval_minutes: int | None,
    inventory_interval_minutes: int | None,
    sync_pending_devices: bool,
    actor: UserRef | None,
    remote_addr: str | None = None,
) -> None:
    """Change how and how often the integration syncs; out-of-range values raise :class:`SettingsError`."""
    values = {
        "auto_sync": bool(auto_sync),
        "sync_interval_minutes": _minutes(sync_interval_minutes, SYNC_INTERVAL_RANGE, "The sync interval"),
        "inventory_interval_minutes": _minutes(
            inventory_interval_minutes, INVENTORY_INTERVAL_RANGE, "The inventory refresh interval"
        ),
        "sync_pending_devices": bool(sync_pending_devices),
    }
    for name, value in values.items():
        setattr(integration, name, value)
    audit.record_for_integration(
        session,
        integration.id,
        "sync_settings_changed",
        user=actor,
        remote_addr=remote_addr,
        detail=values,
        commit=True,
    )


# -- status ----------------------------------------------------------------------------------------------


def status(session: Session, tenant_id: str, integration: Integration | None) -> dict[str, Any]:
    """The stable ``status --json`` object of one instance (also what the settings page and
    ``status.json`` show); ``None`` is a tenant without any.

    Secrets never appear: only the client id and the last four characters of the client secret.
    """
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
        "instance": {"id": integration.id, "name": integration.name},
        "configured": credential is not None,
        "status": integration.status,
        "status_reason": integration.status_reason,
        "auth_mode": integration.auth_mode,
        "instance_url": integration.base_url,
        "region": integration.region,
        "client_id": credential.client_id if credential else None,
        "client_secret_hint": credential.client_secret_hint if credential else None,
        "connected_at": _iso(integration.connected_at),
        "connected_by": integration.connected_by,
        "device_count": device_count,
        "linked_asset_count": linked,
        "organizations": {
            "total": sum(org_states.values()),
            "mapped": org_states.get(MappingState.MAPPED, 0),
            "unmapped": org_states.get(MappingState.UNMAPPED, 0),
            "deleted": org_states.get(MappingState.DELETED, 0),
        },
        "webhook": {
            "state": integration.webhook_state,
            "error": integration.webhook_error,
            "previous_secret_valid_until": _iso(
                webhook_registration.previous_secret_accepted_until(integration)
            ),
        },
        "sync_settings": {
            "auto_sync": integration.auto_sync,
            "interval_minutes": integration.sync_interval_minutes,
            "inventory_interval_minutes": integration.inventory_interval_minutes,
            "sync_pending_devices": integration.sync_pending_devices,
        },
        "last_sync_at": _iso(integration.last_sync_at),
        "last_sync_status": integration.last_sync_status,
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
