"""Serializing work on one problem (device + condition) across workers and processes.

Every change to an alert happens inside a transaction that first takes the *problem lock* and then
locks the alert row. The problem lock is what makes "one open ticket per device + condition" hold
when two series of the same problem (or 1,000 copies of one delivery) are processed at once:

* PostgreSQL: a transaction-scoped advisory lock on a 64-bit hash of (tenant, integration, device,
  condition), released by the commit or rollback; the alert row is then read ``FOR UPDATE``.
* SQLite: a no-op ``UPDATE`` takes the database's single write lock at the start of the transaction,
  so everything the transaction reads afterwards is current and no other writer can interleave.
  (``FOR UPDATE`` does not exist there; SQLite serializes writers anyway.)
* Other databases: only the row lock and the unique key (tenant, integration, series uid) protect.

Always problem lock first, row lock second: one order everywhere means no deadlock between two
series of a problem.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def advisory_key(*parts: object) -> int:
    """A signed 64-bit key (what ``pg_advisory_xact_lock(bigint)`` takes) for the given parts."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def problem_key(series_uid: str, device_id: int | None, source_config_uid: str | None) -> tuple[str, str]:
    """What identifies a problem: device + condition, or the series alone when either is unknown."""
    if device_id is None or not source_config_uid:
        return ("series", series_uid)
    return (str(device_id), source_config_uid)


def lock_problem(session: Session, tenant_id: str, integration_id: int, key: tuple[str, str]) -> None:
    """Take the problem lock for the rest of the current transaction (see the module docstring)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": advisory_key("ninjaone-alert", tenant_id, integration_id, *key)},
        )
    elif dialect == "sqlite":
        session.execute(text("UPDATE ninjaone_alerts SET id = id WHERE 1 = 0"))
