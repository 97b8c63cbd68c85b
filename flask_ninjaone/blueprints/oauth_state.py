"""The ``state`` of a pending NinjaOne authorization: bound to the tenant and the user's session, single
use, expiring after 10 minutes, and carrying the PKCE verifier.

Kept in the user's Flask session, keyed by state, so nothing about it travels through NinjaOne but
the random state itself. Flask's default session is a signed but readable cookie, so the verifier is
stored encrypted with the extension's key ring. A few authorizations may be pending at once (two tabs);
expired ones are dropped whenever a new one starts.

Removing the state from the cookie is not enough for "single use": the cookie is the browser's, and
one saved before the callback still holds it. So the first use is also recorded on the server — a
lease named after the state's digest, held for longer than the state lives, which a second callback
cannot take (the same row type that keeps one sync per integration; no table of its own). Recorded
uses are swept when the tenant starts a new authorization.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.fernet import InvalidToken
from flask import session

from ..crypto import fernet_for
from ..leases import Lease, sweep_expired
from ..state import current_app_object

if TYPE_CHECKING:
    from ..models import Credential, Integration

SESSION_KEY = "ninjaone_oauth"
STATE_TTL_SECONDS = 600
MAX_PENDING = 3
MAX_STATE_LENGTH = 128
#: Lease-name prefix recording a state's first use.
_USED = "oauth-state-used:"

INVALID = (
    "This NinjaOne sign-in is not valid for your session: it was already used, it was started by "
    "someone else, or your session changed. Click Connect to start again."
)
EXPIRED = "The NinjaOne sign-in took longer than 10 minutes and expired. Click Connect to start again."
CHANGED = (
    "The NinjaOne credentials or instance changed while you were signing in, so nothing was saved. "
    "Click Connect to start again."
)


class StateError(Exception):
    """The callback's state is missing, unknown, reused, expired or not this user's; safe to show."""


@dataclass(frozen=True)
class PendingAuthorization:
    """What the callback needs from the Connect click that started the authorization."""

    integration_id: int
    client_id: str
    base_url: str
    redirect_uri: str
    code_verifier: str

    def matches(self, integration: Integration | None, credential: Credential | None) -> bool:
        """Whether the tenant's connection is still the one the admin started to authorize."""
        return (
            integration is not None
            and credential is not None
            and integration.id == self.integration_id
            and integration.base_url == self.base_url
            and credential.client_id == self.client_id
        )


def new_state() -> str:
    """256 random bits: unguessable, so a forged callback cannot name a pending authorization."""
    return secrets.token_urlsafe(32)


def remember(
    state: str,
    *,
    tenant_id: str,
    user_id: str,
    integration: Integration,
    client_id: str,
    redirect_uri: str,
    code_verifier: str,
) -> None:
    """Store a pending authorization under ``state`` in the user's session."""
    now = time.time()
    pending = {key: entry for key, entry in session.get(SESSION_KEY, {}).items() if entry["expires"] > now}
    pending[state] = {
        "tenant": tenant_id,
        "user": user_id,
        "integration": integration.id,
        "client_id": client_id,
        "base_url": integration.base_url,
        "redirect_uri": redirect_uri,
        "verifier": fernet_for().encrypt(code_verifier.encode()).decode(),
        "expires": now + STATE_TTL_SECONDS,
    }
    newest = sorted(pending.items(), key=lambda item: item[1]["expires"])[-MAX_PENDING:]
    session[SESSION_KEY] = dict(newest)
    sweep_expired(current_app_object(), tenant_id, _USED)


def take(state: str | None, *, tenant_id: str, user_id: str) -> PendingAuthorization:
    """Consume the pending authorization of ``state`` (single use) or raise :class:`StateError`."""
    if not state or len(state) > MAX_STATE_LENGTH:
        raise StateError(INVALID)
    pending = dict(session.get(SESSION_KEY, {}))
    entry = pending.pop(state, None)
    session[SESSION_KEY] = pending
    if entry is None or entry["tenant"] != tenant_id or entry["user"] != user_id:
        raise StateError(INVALID)
    if entry["expires"] <= time.time():
        raise StateError(EXPIRED)
    if not _first_use(state, tenant_id):
        raise StateError(INVALID)
    try:
        verifier = fernet_for().decrypt(entry["verifier"].encode()).decode()
    except InvalidToken:  # encrypted under a key that has since been removed
        raise StateError(INVALID) from None
    return PendingAuthorization(
        integration_id=entry["integration"],
        client_id=entry["client_id"],
        base_url=entry["base_url"],
        redirect_uri=entry["redirect_uri"],
        code_verifier=verifier,
    )


def _first_use(state: str, tenant_id: str) -> bool:
    """Record on the server that ``state`` was used; ``False`` if it already was.

    The lease outlives the state (it starts at the first use, the state's 10 minutes started earlier),
    so by the time it could be taken again the state is refused as expired anyway.
    """
    digest = hashlib.sha256(state.encode()).hexdigest()[:64]
    app = current_app_object()
    return Lease(app, tenant_id, _USED + digest, ttl_seconds=STATE_TTL_SECONDS).acquire()
