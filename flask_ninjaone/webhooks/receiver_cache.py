"""Finding the integration behind a receiver URL without a query per delivery.

The receiver answers thousands of deliveries a second, and looking the integration up (and
decrypting its secrets) for each one cost as much as storing the delivery. So each process keeps
what it read, for a few seconds, keyed by the URL's public id. A cached entry never decides on its
own that a delivery is accepted: the inbox insert re-checks, in the same statement, that the
integration's stored secret columns still hold exactly the ciphertext this entry was read from, and
the previous secret's grace the same end (:func:`flask_ninjaone.webhooks.inbox.store`). A
rotation, a disconnect, a key rotation or a shortened grace changes one of them, the insert stores
nothing, and the receiver reads the integration again — in every process, at once, with no
cross-process invalidation to get wrong.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Text, select, type_coerce

from ..models import Integration
from ..state import get_state

#: Receiver ids are ``secrets.token_urlsafe`` output; anything else is unknown without a query.
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: How long a process trusts what it read before reading again (the insert re-checks regardless).
TTL_SECONDS = 10.0
#: More live receivers than this in one process means something is probing: start over.
MAX_ENTRIES = 4096


@dataclass(frozen=True)
class Receiver:
    """An integration as the receiver needs it; duck-compatible with ``secret_matches``."""

    integration_id: int
    tenant_id: str
    webhook_secret: str | None
    webhook_previous_secret: str | None
    webhook_previous_secret_expires_at: datetime | None
    #: The secret columns exactly as stored (Fernet tokens): the insert compares these.
    secret_ciphertext: str | None
    previous_ciphertext: str | None
    read_at: float


def find(public_id: str, *, fresh: bool = False) -> Receiver | None:
    """The receiver behind ``public_id`` (``None`` if unknown); ``fresh`` skips this process's cache."""
    if not _PUBLIC_ID.fullmatch(public_id):
        return None
    cache = _cache()
    entry = cache.get(public_id)
    if not fresh and entry is not None and time.monotonic() - entry.read_at < TTL_SECONDS:
        return entry
    entry = _read(public_id)
    if entry is None:
        cache.pop(public_id, None)
        return None
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[public_id] = entry
    return entry


def _read(public_id: str) -> Receiver | None:
    """Read on a connection of its own, returned before the insert takes one: through the ORM session
    the read's connection stayed checked out until the request ended, so a cold receiver held two
    of the pool's connections at once. A Core statement on a connection passes no tenant hook: the
    public id is what finds the integration, across tenants, as before."""
    statement = select(
        Integration.id,
        Integration.tenant_id,
        Integration.webhook_secret,
        Integration.webhook_previous_secret,
        Integration.webhook_previous_secret_expires_at,
        type_coerce(Integration.webhook_secret, Text).label("secret_ciphertext"),
        type_coerce(Integration.webhook_previous_secret, Text).label("previous_ciphertext"),
    ).where(Integration.public_id == public_id)
    with get_state().db.engine.connect() as connection:
        row = connection.execute(statement).first()
    return None if row is None else Receiver(*row, read_at=time.monotonic())


def _cache() -> dict[str, Receiver]:
    return current_app.extensions.setdefault("ninjaone_receivers", {})
