"""Tokens and the storage contract the client needs from its host.

NinjaOne rotates refresh tokens: every refresh returns a new refresh token and kills the old one. Two
workers refreshing with the same refresh token means one of them gets ``invalid_grant`` and the
connection is dead until a human reconnects. The store therefore owns a lock that serializes refreshes
across threads *and* processes; the client re-reads the token inside that lock (see
:class:`flask_ninjaone.client.bearer.TokenManager`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from .errors import REDACTED


@dataclass(frozen=True, repr=False)
class TokenSet:
    """An access token, the refresh token that renews it (``None`` for client-credentials connections),
    and when the access token expires (epoch seconds, so it survives a round trip through any store).

    ``repr``/``str`` never show the tokens, so a token set can sit in a log line or a traceback safely.
    """

    access_token: str
    refresh_token: str | None
    expires_at: float
    scope: str = ""
    token_type: str = "Bearer"

    def expires_within(self, seconds: float, *, now: float | None = None) -> bool:
        """True when the access token is expired or will be within ``seconds``."""
        current = time.time() if now is None else now
        return self.expires_at - current <= seconds

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for a store to encrypt and persist; the inverse of :meth:`from_dict`."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": self.scope,
            "token_type": self.token_type,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenSet:
        """Rebuild a token set persisted with :meth:`to_dict`."""
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=float(data["expires_at"]),
            scope=data.get("scope") or "",
            token_type=data.get("token_type") or "Bearer",
        )

    def __repr__(self) -> str:
        refresh = None if self.refresh_token is None else REDACTED
        return (
            f"TokenSet(access_token={REDACTED!r}, refresh_token={refresh!r}, "
            f"expires_at={self.expires_at!r}, scope={self.scope!r}, token_type={self.token_type!r})"
        )

    __str__ = __repr__


@runtime_checkable
class TokenStore(Protocol):
    """Where one connection's tokens live. The host implements it (encrypted DB row, Redis...).

    Contract:

    * ``load`` returns the latest saved token set, or ``None`` before the connection is made. It must
      read the shared storage, not a per-process cache, when called inside ``refresh_lock``.
    * ``save`` replaces the token set atomically (readers see the old pair or the new pair, never a mix).
      The refresh token it receives may be new: the old one is already dead.
    * ``refresh_lock`` is a context manager holding a lock *exclusive across every thread and process*
      that uses this connection (a Redis lock, ``SELECT ... FOR UPDATE`` on the credentials row).
      The client holds it around "re-read, call the token endpoint, save", which takes at most one token
      request timeout; a lock with an expiry (Redis) must outlive that. If the lock cannot be acquired
      the store raises, and the error reaches the caller of the API method.
    * ``mark_reconnect_required`` records that the refresh token was rejected, so the UI can ask a human to
      reconnect. The client calls it once per failed refresh and then raises ``ReconnectRequired``.
    """

    def load(self) -> TokenSet | None: ...

    def save(self, token: TokenSet) -> None: ...

    def refresh_lock(self) -> AbstractContextManager[None]: ...

    def mark_reconnect_required(self, reason: str) -> None: ...


class InMemoryTokenStore:
    """A :class:`TokenStore` for tests and one-process scripts: one process, so a ``threading.Lock`` is
    a correct refresh lock. Saving a new token set clears the reconnect flag (a human reconnected)."""

    def __init__(self, token: TokenSet | None = None) -> None:
        self._token = token
        self._state_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self.reconnect_reasons: list[str] = []
        self.reconnect_required = False

    def load(self) -> TokenSet | None:
        with self._state_lock:
            return self._token

    def save(self, token: TokenSet) -> None:
        with self._state_lock:
            self._token = token
            self.reconnect_required = False

    @contextmanager
    def refresh_lock(self) -> Iterator[None]:
        with self._refresh_lock:
            yield

    def mark_reconnect_required(self, reason: str) -> None:
        with self._state_lock:
            self.reconnect_required = True
            self.reconnect_reasons.append(reason)

    def __repr__(self) -> str:
        return f"InMemoryTokenStore(token={self._token!r}, reconnect_required={self.reconnect_required})"
