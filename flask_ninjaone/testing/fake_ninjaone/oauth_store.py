"""API client apps, authorization codes and tokens: the OAuth side of the fake's state.

The behaviours a NinjaOne integration must survive are reproduced on purpose: codes are single use and
bound to client, redirect URI and PKCE challenge; refresh tokens ROTATE (each refresh returns a new one
and kills the old, so two workers refreshing at once leave one with ``invalid_grant``); access tokens
expire; ``client_credentials`` never yields a refresh token.

A code whose PKCE verifier is wrong is consumed anyway, so a leaked code cannot be brute-forced (the real
service's behaviour here is unknown; this is the safe reading of RFC 7636).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import oauth_error, unknown_client

ALL_SCOPES = frozenset({"monitoring", "management", "control", "offline_access"})
DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"
DEMO_REDIRECT_URIS = ("http://127.0.0.1*", "http://localhost*")
CODE_LIFETIME = 600.0


@dataclass
class ApiClient:
    """An API client app as registered in NinjaOne's administration (one per integration)."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scopes: frozenset[str] = ALL_SCOPES
    system_admin: bool = True

    def accepts_redirect_uri(self, uri: str) -> bool:
        """Exact match, or prefix match for a registered entry ending in ``*``."""
        return any(
            uri.startswith(allowed[:-1]) if allowed.endswith("*") else uri == allowed
            for allowed in self.redirect_uris
        )

    def to_json(self) -> dict[str, Any]:
        """The app without its secret (the control API never echoes secrets)."""
        return {
            "client_id": self.client_id,
            "redirect_uris": list(self.redirect_uris),
            "scopes": sorted(self.scopes),
            "system_admin": self.system_admin,
        }


@dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    code_challenge: str | None
    expires_at: float
    used: bool = False


@dataclass
class AccessToken:
    client_id: str
    scopes: frozenset[str]
    expires_at: float
    revoked: bool = False
    user_context: bool = False
    """Issued for a signed-in user (authorization code, or a refresh of one), not client credentials."""

    def is_valid(self, now: float) -> bool:
        return not self.revoked and now < self.expires_at


@dataclass
class RefreshToken:
    client_id: str
    scopes: frozenset[str]
    revoked: bool = False


def parse_scopes(raw: str | None) -> frozenset[str]:
    """Space-separated scopes as OAuth sends them; an absent parameter is the empty set."""
    return frozenset((raw or "").split())


def s256(verifier: str) -> str:
    """The PKCE S256 transform: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class OAuthStore:
    """Client apps, codes and tokens; every method takes the state's one lock."""

    lock: threading.RLock
    access_token_lifetime: int = 3600
    deny_consent: bool = False
    """When True the authorize endpoint redirects back with ``error=access_denied`` (user clicked Deny)."""
    clients: dict[str, ApiClient] = field(default_factory=dict)
    _codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    _access: dict[str, AccessToken] = field(default_factory=dict)
    _refresh: dict[str, RefreshToken] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.register_client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, list(DEMO_REDIRECT_URIS))

    def register_client(
        self,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str],
        scopes: frozenset[str] | set[str] | list[str] = ALL_SCOPES,
        system_admin: bool = True,
    ) -> ApiClient:
        """Add or replace an API client app."""
        unknown = set(scopes) - ALL_SCOPES
        if unknown:
            raise ValueError(f"unknown scopes {sorted(unknown)}")
        client = ApiClient(client_id, client_secret, list(redirect_uris), frozenset(scopes), system_admin)
        with self.lock:
            self.clients[client_id] = client
        return client

    def client(self, client_id: str) -> ApiClient:
        """The app, or the real 404 ``Client app not exist`` (what a wrong region looks like)."""
        with self.lock:
            client = self.clients.get(client_id)
        if client is None:
            raise unknown_client()
        return client

    def authenticate_client(self, client_id: str, client_secret: str) -> ApiClient:
        client = self.client(client_id)
        if not hmac.compare_digest(client.client_secret.encode(), client_secret.encode()):
            raise oauth_error(401, "invalid_client", "Client authentication failed")
        return client

    def create_code(
        self, client: ApiClient, redirect_uri: str, scopes: frozenset[str], code_challenge: str | None
    ) -> str:
        code = secrets.token_urlsafe(24)
        with self.lock:
            self._codes[code] = AuthorizationCode(
                client.client_id, redirect_uri, scopes, code_challenge, time.time() + CODE_LIFETIME
            )
        return code

    def redeem_code(
        self, code: str, client: ApiClient, redirect_uri: str, code_verifier: str | None
    ) -> dict[str, Any]:
        """Exchange a code for tokens, once; any mismatch is ``invalid_grant``."""
        with self.lock:
            grant = self._codes.get(code)
            if (
                grant is None
                or grant.used
                or grant.expires_at < time.time()
                or grant.client_id != client.client_id
                or grant.redirect_uri != redirect_uri
            ):
                raise oauth_error(400, "invalid_grant", "Authorization code is invalid or was already used")
            grant.used = True
            if grant.code_challenge is not None and (
                not code_verifier or not hmac.compare_digest(s256(code_verifier), grant.code_challenge)
            ):
                raise oauth_error(400, "invalid_grant", "PKCE verification failed")
            return self.issue_tokens(
                client, grant.scopes, refreshable="offline_access" in grant.scopes, user_context=True
            )

    def refresh(self, refresh_token: str, client: ApiClient) -> dict[str, Any]:
        """Rotate: the presented refresh token dies, a new one is returned with a new access token."""
        with self.lock:
            stored = self._refresh.get(refresh_token)
            if stored is None or stored.revoked or stored.client_id != client.client_id:
                raise oauth_error(400, "invalid_grant", "Refresh token is invalid, revoked or already used")
            stored.revoked = True
            return self.issue_tokens(client, stored.scopes, refreshable=True, user_context=True)

    def issue_tokens(
        self, client: ApiClient, scopes: frozenset[str], *, refreshable: bool, user_context: bool = False
    ) -> dict[str, Any]:
        """The token endpoint's success body; ``refresh_token`` only when ``refreshable``; ``user_context``
        for a signed-in user's grant (script runs need it)."""
        access = secrets.token_urlsafe(32)
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_token_lifetime,
            "scope": " ".join(sorted(scopes)),
        }
        with self.lock:
            self._access[access] = AccessToken(
                client.client_id, scopes, time.time() + self.access_token_lifetime, user_context=user_context
            )
            if refreshable:
                refresh = secrets.token_urlsafe(32)
                self._refresh[refresh] = RefreshToken(client.client_id, scopes)
                body["refresh_token"] = refresh
        return body

    def issue_access_token(
        self,
        client_id: str = DEMO_CLIENT_ID,
        scopes: frozenset[str] | set[str] = ALL_SCOPES,
        *,
        user_context: bool = False,
    ) -> str:
        """Mint a bearer token without the OAuth dance, for tests that exercise only the /v2 API
        (``user_context``: as if a user had signed in; a client-credentials token otherwise)."""
        client = self.client(client_id)
        return self.issue_tokens(client, frozenset(scopes), refreshable=False, user_context=user_context)[
            "access_token"
        ]

    def bearer(self, token: str) -> AccessToken | None:
        """The live access token, or None when unknown, expired or revoked."""
        with self.lock:
            stored = self._access.get(token)
            return stored if stored is not None and stored.is_valid(time.time()) else None

    def revoke(self, token: str, client: ApiClient) -> None:
        """RFC 7009: revoke an access or refresh token of this client; unknown tokens are not an error."""
        with self.lock:
            stored = self._access.get(token) or self._refresh.get(token)
            if stored is not None and stored.client_id == client.client_id:
                stored.revoked = True

    def expire_access_tokens(self) -> int:
        """Make every access token expired now (as if an hour passed); returns how many were live."""
        now = time.time()
        with self.lock:
            live = [token for token in self._access.values() if token.is_valid(now)]
            for token in live:
                token.expires_at = now - 1
        return len(live)

    def unrevoke_access_tokens(self) -> int:
        """Make revoked access tokens live again; returns how many. For tests that share one fake between
        databases copied from one template: one test's disconnect revokes the token every copy holds."""
        with self.lock:
            revoked = [token for token in self._access.values() if token.revoked]
            for token in revoked:
                token.revoked = False
        return len(revoked)

    def revoke_refresh_tokens(self, client_id: str | None = None) -> int:
        """Revoke refresh tokens (of one client, or all): the "connection died after weeks" case."""
        with self.lock:
            live = [
                token
                for token in self._refresh.values()
                if not token.revoked and client_id in (None, token.client_id)
            ]
            for token in live:
                token.revoked = True
        return len(live)
