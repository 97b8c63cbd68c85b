"""Keeps a usable access token at hand and renews it safely.

Renewal procedure (the part that must be right, because refresh tokens rotate):

1. take ``store.refresh_lock()`` (exclusive across threads and processes);
2. re-read the token from the store *inside* the lock: if another worker renewed it meanwhile, use theirs
   and send no token request at all;
3. otherwise call the token endpoint (refresh grant, or client credentials when there is no refresh token)
   and ``store.save`` the new pair before releasing the lock;
4. if the token endpoint rejects the credentials, ``store.mark_reconnect_required(reason)`` once and raise
   :class:`ReconnectRequired`. Never retry in a loop: a rejected refresh token stays rejected.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import requests

from . import oauth
from .errors import AuthError, NotConnected, ReconnectRequired
from .tokens import TokenSet, TokenStore
from .transport import DEFAULT_TIMEOUT, Timeout

log = logging.getLogger("flask_ninjaone.client")

REFRESH_LEEWAY = 60.0
"""Renew this many seconds before expiry, so a token never expires between the check and the request."""


class TokenManager:
    """Implements the transport's ``TokenSource`` on top of a :class:`TokenStore`."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        store: TokenStore,
        *,
        scopes: Sequence[str] = oauth.CLIENT_CREDENTIALS_SCOPES,
        session: requests.Session | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
        leeway: float = REFRESH_LEEWAY,
    ) -> None:
        self._base_url = base_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._store = store
        self._scopes = tuple(scope for scope in scopes if scope != "offline_access")
        self._session = session
        self._timeout = timeout
        self._clock = clock
        self._leeway = leeway
        self._cached: TokenSet | None = None
        self._rejected: tuple[str, str] | None = None  # (refresh token, reason) NinjaOne refused
        self._renewals = 0
        self._count_lock = threading.Lock()

    @property
    def renewals(self) -> int:
        """How many times this manager called the token endpoint to renew."""
        return self._renewals

    def current(self) -> TokenSet:
        """A token valid for at least ``leeway`` seconds, renewing it first if needed."""
        token = self._cached
        if token is not None and not self._expiring(token):
            return token
        token = self._store.load()
        if token is None:
            raise NotConnected("no NinjaOne token is stored for this connection: connect it first")
        if self._expiring(token):
            return self._renew(token)
        self._cached = token
        return token

    def renew(self, rejected: TokenSet) -> TokenSet:
        """Called after NinjaOne answered 401 to ``rejected``: get a different, fresh token."""
        return self._renew(rejected)

    def _expiring(self, token: TokenSet) -> bool:
        return token.expires_within(self._leeway, now=self._clock())

    def _renew(self, stale: TokenSet) -> TokenSet:
        with self._store.refresh_lock():
            latest = self._store.load()
            if latest is None:
                raise NotConnected("the NinjaOne token was removed from the store: connect again")
            if latest.access_token != stale.access_token and not self._expiring(latest):
                log.debug("another worker renewed the NinjaOne token; using theirs")
                self._cached = latest
                return latest
            if self._rejected and latest.refresh_token == self._rejected[0]:
                raise ReconnectRequired(self._rejected[1])  # already refused and reported: don't ask again
            try:
                if latest.refresh_token:
                    fresh = oauth.refresh(
                        self._base_url,
                        self._client_id,
                        self._client_secret,
                        latest.refresh_token,
                        timeout=self._timeout,
                        session=self._session,
                        clock=self._clock,
                    )
                else:
                    scopes = latest.scope.split() or self._scopes
                    fresh = oauth.client_credentials(
                        self._base_url,
                        self._client_id,
                        self._client_secret,
                        scopes,
                        timeout=self._timeout,
                        session=self._session,
                        clock=self._clock,
                    )
            except AuthError as err:
                reason = str(err)
                log.warning("NinjaOne token renewal rejected; reconnect required: %s", reason)
                self._store.mark_reconnect_required(reason)
                self._cached = None
                if latest.refresh_token:
                    self._rejected = (latest.refresh_token, reason)
                if isinstance(err, ReconnectRequired):
                    raise
                raise ReconnectRequired(reason) from err
            self._store.save(fresh)
            self._cached = fresh
            with self._count_lock:
                self._renewals += 1
            log.info("NinjaOne access token renewed")
            return fresh
