"""Commits without waiting for the disk: the suite tests what the code does, not power-loss durability.

SQLite's default (``synchronous=FULL``) fsyncs every commit, and on the CI machine's disk an fsync
costs milliseconds to tens of milliseconds under load: creating the two schemas took 0.7–1.5 s of wall
time for 0.1 s of CPU, and every test commits dozens of times. ``synchronous=OFF`` hands the writes to
the operating system and does not wait for the disk: a killed process still leaves its committed
transactions in the file (only an operating-system crash could lose them), and locking, isolation and
the rollback journal are unchanged, so no test sees a difference other than time.

PostgreSQL gets the same with ``synchronous_commit = off`` on the worker's test database
(:func:`tests.support.services.postgres_url`), which also covers the worker subprocesses.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, event


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def skip_fsync_on_sqlite() -> None:
    """Every SQLite connection this process opens from now on commits without an fsync."""
    if not event.contains(Engine, "connect", _no_fsync):
        event.listen(Engine, "connect", _no_fsync)


def stop_skipping_fsync() -> None:
    if event.contains(Engine, "connect", _no_fsync):
        event.remove(Engine, "connect", _no_fsync)
