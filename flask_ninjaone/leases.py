"""Named leases (owner + expiry) in the database: "one sync per integration" across processes.

A lease row is inserted to take it; an expired lease (its owner crashed or was SIGKILLed) can be
taken over by an UPDATE guarded on the expiry, so exactly one contender wins either race. The
holder renews the lease while it works, so a long sync keeps it and a dead one loses it quickly.
Leases use their own short sessions and commit immediately, independent of the caller's transaction.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from flask import Flask
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .dml import rows_matched
from .models import Lock
from .models.base import utcnow
from .tenancy import tenant_scope


class Lease:
    """A named lease held by this process (``owner`` is unique per Lease object)."""

    def __init__(self, app: Flask, tenant_id: str, name: str, *, ttl_seconds: int = 300) -> None:
        self.app = app
        self.tenant_id = tenant_id
        self.name = name
        self.ttl = timedelta(seconds=ttl_seconds)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def _session(self) -> Session:
        return Session(self.app.extensions["sqlalchemy"].engine)

    def acquire(self) -> bool:
        """Take the lease if it is free or expired; ``False`` if someone else holds it."""
        now = utcnow()
        with tenant_scope(self.tenant_id), self._session() as session:
            session.add(
                Lock(tenant_id=self.tenant_id, name=self.name, owner=self.owner, expires_at=now + self.ttl)
            )
            try:
                session.commit()
                return True
            except IntegrityError:
                session.rollback()
            taken = session.execute(
                update(Lock)
                .where(Lock.name == self.name, Lock.expires_at < now)
                .values(owner=self.owner, expires_at=now + self.ttl)
            )
            session.commit()
            return rows_matched(taken) == 1

    def renew(self) -> bool:
        """Extend the lease; ``False`` if it was lost (expired and taken over)."""
        with tenant_scope(self.tenant_id), self._session() as session:
            result = session.execute(
                update(Lock)
                .where(Lock.name == self.name, Lock.owner == self.owner)
                .values(expires_at=utcnow() + self.ttl)
            )
            session.commit()
            return rows_matched(result) == 1

    def release(self) -> None:
        """Give the lease up (only if still ours)."""
        with tenant_scope(self.tenant_id), self._session() as session:
            session.execute(delete(Lock).where(Lock.name == self.name, Lock.owner == self.owner))
            session.commit()


def sweep_expired(app: Flask, tenant_id: str, prefix: str) -> None:
    """Delete the tenant's expired leases whose name starts with ``prefix`` (leases that are taken and
    never released on purpose, as one-time marks, would otherwise pile up)."""
    with tenant_scope(tenant_id), Session(app.extensions["sqlalchemy"].engine) as session:
        session.execute(
            delete(Lock).where(Lock.name.startswith(prefix, autoescape=True), Lock.expires_at < utcnow())
        )
        session.commit()
