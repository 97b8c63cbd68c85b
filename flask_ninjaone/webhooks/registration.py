"""The NinjaOne side of an integration's webhook: register it, rotate its secret, remove it.

NinjaOne signs nothing it delivers (no HMAC, no timestamp), so a delivery is authenticated by two
things only: an unguessable receiver URL (``NINJAONE_WEBHOOK_PREFIX/<Integration.public_id>``) and a
per-integration random secret that NinjaOne sends back as the custom header ``NINJAONE_WEBHOOK_HEADER``.
The secret is stored encrypted in ``Integration.webhook_secret``; after a rotation the previous one
stays valid for ``NINJAONE_WEBHOOK_SECRET_GRACE_HOURS`` so deliveries already in flight still pass.

There is one webhook configuration per NinjaOne API client (``PUT /v2/webhook`` replaces it), and only
an API client of a system administrator may set it (403 otherwise): the connection then still works
and the scheduled sync still runs, but nothing arrives in real time; ``webhook_state`` says which.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Protocol

from sqlalchemy.orm import Session

from .. import audit
from ..client import ApiError, NetworkError, NinjaOneClient, NinjaOneError, RateLimited, WebhookForbidden
from ..config import setting
from ..connection.api_client import client_for
from ..host import UserRef
from ..models import Integration, OwedKind, WebhookState
from ..models.base import utcnow
from ..owed_writes import forget, owe, schedule_next

log = logging.getLogger(__name__)

# What the integration subscribes to: ``activityType`` -> the ``statusCode`` values the webhook processor
# acts on. Every value is checked against the spec's enums by tests/connection/test_webhook_registration.py.
# An empty tuple means "every status code of that type" (that is how NinjaOne reads an empty list).
# - CONDITION: alerts. A trigger opens/notes a ticket, a reset closes it, an acknowledgement is recorded.
# - SYSTEM: device lifecycle. Created/updated/approved devices are re-read from the API; deleted and
#   rejected devices are retired.
# - MONITOR: what the agent reports about the machine. SYSTEM_REBOOTED is a MONITOR activity in the
#   real samples; hardware added/removed and log-on/log-off are reported the same way (inferred). Each
#   one refreshes the device's hardware facts, last boot or last logged-in user.
# - PATCH_MANAGEMENT, SOFTWARE_PATCH_MANAGEMENT: OS and third-party patch scans, installs and failures;
#   each one re-reads that device's patches, antivirus and health (the compliance view).
# - ANTIVIRUS: the spec has no ANTIVIRUS_* codes; each vendor has its own (VIPREAV_*, BITDEFENDER_*,
#   GRAVITYZONE_*, WEBROOT_*...), so the whole type is taken and the processor filters.
# - SCRIPTING: COMPLETED carries a script run's exit code and output: it finishes the script action
#   started from the PSA (see actions.confirm); no API call.
_HARDWARE = ("ADAPTER", "CPU", "MEMORY", "DISK_DRIVE", "DISK_PARTITION", "DISK_VOLUME", "RAID_CONTROLLER",
             "RAID_PHYSICAL_DRIVE", "RAID_LOGICAL_DISK")  # fmt: skip
WEBHOOK_ACTIVITIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "CONDITION": ("TRIGGERED", "RESET", "ACKNOWLEDGED"),
        "SYSTEM": (
            "NODE_CREATED",
            "NODE_UPDATED",
            "NODE_DELETED",
            "NODE_MANUALLY_APPROVED",
            "NODE_AUTOMATICALLY_APPROVED",
            "NODE_MANUALLY_REJECTED",
        ),
        "MONITOR": (
            "SYSTEM_REBOOTED",
            "USER_LOGGED_IN",
            "USER_LOGGED_OUT",
            *(f"{part}_{change}" for part in _HARDWARE for change in ("ADDED", "REMOVED")),
        ),
        "PATCH_MANAGEMENT": (
            "PATCH_MANAGEMENT_SCAN_STARTED",
            "PATCH_MANAGEMENT_SCAN_COMPLETED",
            "PATCH_MANAGEMENT_APPLY_PATCH_STARTED",
            "PATCH_MANAGEMENT_APPLY_PATCH_COMPLETED",
            "PATCH_MANAGEMENT_INSTALLED",
            "PATCH_MANAGEMENT_INSTALL_FAILED",
            "PATCH_MANAGEMENT_FAILURE",
            "PATCH_MANAGEMENT_PATCH_APPROVED",
            "PATCH_MANAGEMENT_PATCH_REJECTED",
        ),
        "SOFTWARE_PATCH_MANAGEMENT": (
            "SOFTWARE_PATCH_MANAGEMENT_SCAN_COMPLETED",
            "SOFTWARE_PATCH_MANAGEMENT_APPLY_PATCH_COMPLETED",
            "SOFTWARE_PATCH_MANAGEMENT_INSTALLED",
            "SOFTWARE_PATCH_MANAGEMENT_INSTALL_FAILED",
            "SOFTWARE_PATCH_MANAGEMENT_PATCH_APPROVED",
            "SOFTWARE_PATCH_MANAGEMENT_PATCH_REJECTED",
        ),
        "ANTIVIRUS": (),
        "SCRIPTING": ("COMPLETED",),
    }
)

#: Expand ``device`` in deliveries: its ``organizationId`` is not on the activity itself.
WEBHOOK_EXPAND = ("device",)

NO_PUBLIC_URL = (
    "This server's public address is unknown, so NinjaOne could not be told where to send events: "
    "set NINJAONE_PUBLIC_BASE_URL (e.g. https://psa.example.com). Scheduled sync still runs."
)
#: The target of the owed ``PUT /v2/webhook`` (one configuration per API client, so one per integration).
OWED_TARGET = "webhook"
REFUSED = (
    "NinjaOne refused to register the webhook (HTTP 403): only an API client created by a system "
    "administrator may configure webhooks. Real-time updates are off; scheduled sync still runs. "
    "Recreate the API client as a NinjaOne system administrator, then reconnect."
)


class WebhookError(Exception):
    """Registering or rotating the webhook failed; the message is safe to show to the admin."""


def new_secret() -> str:
    """A fresh webhook secret: 256 random bits, URL-safe (it travels in an HTTP header)."""
    return secrets.token_urlsafe(32)


def public_base_url(request_host_url: str | None = None) -> str | None:
    """Where NinjaOne and browsers reach this host: ``NINJAONE_PUBLIC_BASE_URL``, else the request's."""
    configured = setting("NINJAONE_PUBLIC_BASE_URL")
    base = configured or request_host_url
    return base.rstrip("/") if base else None


def receiver_url(integration: Integration, base_url: str) -> str:
    """The receiver URL of ``integration``: base + ``NINJAONE_WEBHOOK_PREFIX`` + ``/`` + its public id."""
    prefix = "/" + setting("NINJAONE_WEBHOOK_PREFIX").strip("/")
    return f"{base_url.rstrip('/')}{prefix}/{integration.public_id}"


def push(integration: Integration, client: NinjaOneClient, base_url: str, secret: str) -> None:
    client.configure_webhook(
        receiver_url(integration, base_url),
        WEBHOOK_ACTIVITIES,
        {setting("NINJAONE_WEBHOOK_HEADER"): secret},
        expand=WEBHOOK_EXPAND,
    )


def _failure_message(exc: Exception) -> tuple[WebhookState, str]:
    if isinstance(exc, WebhookForbidden):
        return WebhookState.REFUSED, REFUSED
    return WebhookState.ERROR, f"NinjaOne did not accept the webhook: {exc}"


def register_webhook(
    session: Session, integration: Integration, client: NinjaOneClient, *, base_url: str | None
) -> WebhookState:
    """Point NinjaOne's webhook at this integration; record the outcome in ``webhook_state``.

    Never raises for a NinjaOne refusal: the connection is usable without webhooks, so the caller
    carries on and the settings page explains why they are off. An existing secret is kept (a
    reconnect must not invalidate deliveries in flight); a first registration creates one.
    """
    if not base_url:
        integration.webhook_state = WebhookState.OFF
        integration.webhook_error = NO_PUBLIC_URL
        session.commit()
        return WebhookState.OFF
    secret = integration.webhook_secret or new_secret()
    integration.webhook_secret = secret
    try:
        push(integration, client, base_url, secret)
    except (NinjaOneError, ValueError) as exc:
        state, message = _failure_message(exc)
        log.warning("ninjaone webhook registration of integration %s failed: %s", integration.id, exc)
        if _passing(exc):
            payload = json.dumps({"base_url": base_url})
            owe(session, integration.id, OwedKind.WEBHOOK, OWED_TARGET, payload=payload, failed=exc)
            message += " It is sent again automatically until NinjaOne accepts it."
        integration.webhook_state = state
        integration.webhook_error = message
    else:
        integration.webhook_state = WebhookState.ACTIVE
        integration.webhook_error = None
        forget(session, integration.id, OwedKind.WEBHOOK)
    session.commit()
    if integration.webhook_state == WebhookState.ERROR:
        schedule_next(session)
    return WebhookState(integration.webhook_state)


def _passing(exc: Exception) -> bool:
    """A refusal that says nothing about the request (throttled, NinjaOne failing or unreachable):
    worth sending again. A 403 or a 4xx is a verdict the admin must act on."""
    if isinstance(exc, RateLimited | NetworkError):
        return True
    return isinstance(exc, ApiError) and exc.status is not None and exc.status >= 500


def rotate_webhook_secret(
    session: Session,
    integration: Integration,
    *,
    base_url: str | None,
    actor: UserRef | None,
    remote_addr: str | None = None,
) -> datetime | None:
    """Replace the webhook secret and push it to NinjaOne; the old one stays valid for the grace period.

    The new secret is committed *before* NinjaOne is told, as current secret with the old one as
    previous, so deliveries keep passing whichever NinjaOne sends during the switch. If NinjaOne
    refuses, both secrets are put back as they were and :class:`WebhookError` says why. Returns when
    the previous secret stops being accepted (``None`` when there was none).
    """
    credential = integration.credential
    if credential is None or not credential.access_token:
        raise WebhookError("Connect NinjaOne before rotating the webhook secret.")
    if not base_url:
        raise WebhookError(NO_PUBLIC_URL)
    saved = (
        integration.webhook_secret,
        integration.webhook_previous_secret,
        integration.webhook_previous_secret_expires_at,
    )
    old_secret = saved[0]
    secret = new_secret()
    expires_at = (
        utcnow() + timedelta(hours=setting("NINJAONE_WEBHOOK_SECRET_GRACE_HOURS")) if old_secret else None
    )
    integration.webhook_secret = secret
    integration.webhook_previous_secret = old_secret
    integration.webhook_previous_secret_expires_at = expires_at
    session.commit()
    try:
        with client_for(integration) as client:
            push(integration, client, base_url, secret)
    except (NinjaOneError, ValueError) as exc:
        log.warning("ninjaone webhook secret rotation of integration %s failed: %s", integration.id, exc)
        (
            integration.webhook_secret,
            integration.webhook_previous_secret,
            integration.webhook_previous_secret_expires_at,
        ) = saved
        message = _failure_message(exc)[1]
        session.commit()
        raise WebhookError(f"The webhook secret was not changed. {message}") from None
    integration.webhook_state = WebhookState.ACTIVE
    integration.webhook_error = None
    forget(session, integration.id, OwedKind.WEBHOOK)  # NinjaOne has the current configuration now
    audit.record_for_integration(
        session,
        integration.id,
        "webhook_secret_rotated",
        user=actor,
        remote_addr=remote_addr,
        detail={"grace_until": expires_at.isoformat() if expires_at else None},
        commit=True,
    )
    log.info("ninjaone webhook secret of integration %s rotated", integration.id)
    return expires_at


NO_PREVIOUS_SECRET = "There is no previous webhook secret to revoke: only the current one is accepted."


def revoke_previous_webhook_secret(
    session: Session,
    integration: Integration,
    *,
    actor: UserRef | None,
    remote_addr: str | None = None,
) -> None:
    """Stop accepting the previous webhook secret now, instead of at the end of its grace period.

    For a secret that leaked: rotate, then revoke the previous one. NinjaOne is not asked anything
    (it already sends the current secret). Every process stops accepting it with the very next
    delivery, because the receiver's insert re-checks the stored previous secret and its grace end
    (:mod:`flask_ninjaone.webhooks.receiver_cache`). Raises :class:`WebhookError` when no previous secret is
    accepted any more; audited as ``webhook_previous_secret_revoked``.
    """
    expires_at = previous_secret_accepted_until(integration)
    if expires_at is None:
        raise WebhookError(NO_PREVIOUS_SECRET)
    integration.webhook_previous_secret = None
    integration.webhook_previous_secret_expires_at = None
    audit.record_for_integration(
        session,
        integration.id,
        "webhook_previous_secret_revoked",
        user=actor,
        remote_addr=remote_addr,
        detail={"grace_was_until": expires_at.isoformat()},
        commit=True,
    )
    log.info("ninjaone previous webhook secret of integration %s revoked", integration.id)


class HoldsWebhookSecrets(Protocol):
    """An :class:`Integration`, or the receiver's cached read of one."""

    @property
    def webhook_secret(self) -> str | None: ...

    @property
    def webhook_previous_secret(self) -> str | None: ...

    @property
    def webhook_previous_secret_expires_at(self) -> datetime | None: ...


def previous_secret_accepted_until(
    integration: HoldsWebhookSecrets, now: datetime | None = None
) -> datetime | None:
    """When the previous secret stops being accepted, or ``None`` when it is not accepted now.

    One answer for the receiver, the revoke action and the status page, so the page never offers to
    revoke a secret whose grace already ended (the stored row keeps it until the next rotation).
    """
    expires_at = integration.webhook_previous_secret_expires_at
    if integration.webhook_previous_secret and expires_at is not None and (now or utcnow()) < expires_at:
        return expires_at
    return None


def accepted_secrets(integration: HoldsWebhookSecrets, now: datetime | None = None) -> list[str]:
    """The secrets a delivery may carry right now: the current one, and the previous one in its grace."""
    accepted = [integration.webhook_secret] if integration.webhook_secret else []
    if integration.webhook_previous_secret and previous_secret_accepted_until(integration, now):
        accepted.append(integration.webhook_previous_secret)
    return accepted


def secret_matches(
    integration: HoldsWebhookSecrets, presented: str | None, now: datetime | None = None
) -> bool:
    """Constant-time check of a delivery's header against every accepted secret (empty never matches)."""
    if not presented:
        return False
    given = presented.encode()
    results = [hmac.compare_digest(given, secret.encode()) for secret in accepted_secrets(integration, now)]
    return any(results)
