"""The database-backed :class:`~flask_ninjaone.client.TokenStore` of one integration.

NinjaOne rotates refresh tokens, so two processes refreshing at once kill the connection. The
refresh lock is therefore exclusive across processes: a Redis lock when Redis is configured (the
production path, where workers run on several machines), otherwise a lock on the credentials row
itself — an ``UPDATE`` of that row takes PostgreSQL's row lock and SQLite's database write lock,
both held until the lock's transaction ends. Inside the lock, loads and saves use the locking
session so the re-read sees the latest committed token.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..client import TokenSet
from ..jobs import redis_connection
from ..models import ConnectionStatus, Credential, Integration
from ..models.base import utcnow
from ..tenancy import tenant_scope

#: A refresh is one token request (timeout 30 s); the lock must outlive it, and waiters wait longer.
LOCK_TIMEOUT_SECONDS = 120
LOCK_WAIT_SECONDS = 150


class DatabaseTokenStore:
    """Tokens of one integration, encrypted in ``ninjaone_credentials``."""

    def __init__(self, app: Flask, tenant_id: str, integration_id: int) -> None:
        self._app = app
        self._tenant_id = tenant_id
        self._integration_id = integration_id
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"DatabaseTokenStore(tenant={self._tenant_id!r}, integration={self._integration_id})"

    @contextlib.contextmanager
    def _session(self) -> Iterator[Session]:
        locked = getattr(self._local, "session", None)
        if locked is not None:
            yield locked
            return
        with self._app.app_context(), tenant_scope(self._tenant_id):
            session = Session(self._app.extensions["sqlalchemy"].engine, expire_on_commit=False)
            try:
                yield session
                session.commit()
            finally:
                session.close()

    def _credential(self, session: Session) -> Credential | None:
        return session.scalars(
            select(Credential).where(Credential.integration_id == self._integration_id)
        ).one_or_none()

    def load(self) -> TokenSet | None:
        with self._session() as session:
            credential = self._credential(session)
            if credential is None or not credential.access_token or credential.token_expires_at is None:
                return None
            return TokenSet(
                access_token=credential.access_token,
                refresh_token=credential.refresh_token,
                expires_at=credential.token_expires_at.timestamp(),
                scope=credential.scope or "",
            )

    def save(self, token: TokenSet) -> None:
        with self._session() as session:
            session.execute(
                update(Credential)
                .where(Credential.integration_id == self._integration_id)
                .values(
                    access_token=token.access_token,
                    refresh_token=token.refresh_token,
                    token_expires_at=datetime.fromtimestamp(token.expires_at, UTC),
                    scope=token.scope,
                    updated_at=utcnow(),
                )
            )

    @contextlib.contextmanager
    def refresh_lock(self) -> Iterator[None]:
        redis = redis_connection(self._app)
        if redis is not None:
            name = f"ninjaone:token-refresh:{self._tenant_id}:{self._integration_id}"
            with redis.lock(name, timeout=LOCK_TIMEOUT_SECONDS, blocking_timeout=LOCK_WAIT_SECONDS):
                yield
            return
        with self._app.app_context(), tenant_scope(self._tenant_id):
            session = Session(self._app.extensions["sqlalchemy"].engine, expire_on_commit=False)
            try:
                session.execute(
                    update(Credential)
                    .where(Credential.integration_id == self._integration_id)
                    .values(updated_at=utcnow())
                )
                self._local.session = session
                yield
            finally:
                # Commit even when the refresh failed: a "reconnect required" mark written inside
                # the lock must survive the exception that follows it.
                self._local.session = None
                try:
                    session.commit()
                finally:
                    session.close()

    def mark_reconnect_required(self, reason: str) -> None:
        with self._session() as session:
            session.execute(
                update(Integration)
                .where(Integration.id == self._integration_id)
                .values(
                    status=ConnectionStatus.RECONNECT_REQUIRED,
                    status_reason=reason,
                    last_error=reason,
                    updated_at=utcnow(),
                )
            )
