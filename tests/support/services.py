"""Access to the real PostgreSQL and Redis the CI run points the suite at.

Under pytest-xdist every worker (``gw0``, ``gw1``, ...) gets services of its own, so tests that empty
a database or flush Redis never pull the floor from under a test running in another worker:

- PostgreSQL: the database named in ``NINJAONE_TEST_DATABASE_URL`` with ``_gwN`` appended (``test`` ->
  ``test_gw0``), created on first use;
- Redis: the database number of ``NINJAONE_TEST_REDIS_URL`` plus N (``/15`` -> ``/15`` for gw0, ...),
  or the N-th entry of ``NINJAONE_TEST_REDIS_DBS`` (e.g. ``8-11`` or ``8,9,10,11``) when set.

A serial run (no xdist) uses the URLs as given.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

REQUIRE = os.environ.get("NINJAONE_TEST_REQUIRE_SERVICES") == "1"
#: Redis servers have databases 0..15 unless configured otherwise.
REDIS_DATABASES = 16


def xdist_worker() -> int | None:
    """This process's pytest-xdist worker number (``gw3`` -> 3), or None in a serial run."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    match = re.fullmatch(r"gw(\d+)", name)
    return int(match.group(1)) if match else None


def _service(var: str, what: str) -> str:
    url = os.environ.get(var)
    if url:
        return url
    message = f"{what} not configured: set {var}"
    if REQUIRE:
        pytest.fail(f"{message} (NINJAONE_TEST_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


def postgres_url() -> str:
    """SQLAlchemy URL of the test PostgreSQL (this xdist worker's own database), or skip (fail in CI)."""
    url = _service("NINJAONE_TEST_DATABASE_URL", "PostgreSQL")
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    worker = xdist_worker()
    return _test_database(url, worker)


@functools.cache
def _test_database(url: str, worker: int | None) -> str:
    """The database of this process: ``<db>_gw<worker>`` on the same server under xdist (created when
    absent), else ``url``'s; in either, commits do not wait for the disk (``synchronous_commit = off``,
    for every session of that database, worker subprocesses included: see ``commits.py``). Once per
    process."""
    base = make_url(url)
    name = base.database if worker is None else f"{base.database}_gw{worker}"
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            with contextlib.suppress(DBAPIError):  # not the database's owner: commits just wait
                conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def redis_url() -> str:
    """URL of the test Redis (this xdist worker's own database number), or skip (fail in CI)."""
    url = _service("NINJAONE_TEST_REDIS_URL", "Redis")
    worker = xdist_worker()
    if worker is None:
        return url
    parts = urlsplit(url)
    number = _worker_redis_db(int(parts.path.strip("/") or 0), worker)
    return urlunsplit(parts._replace(path=f"/{number}"))


def _worker_redis_db(base: int, worker: int) -> int:
    listed = os.environ.get("NINJAONE_TEST_REDIS_DBS", "").strip()
    if listed:
        numbers = _parse_db_list(listed)
        if worker >= len(numbers):
            pytest.fail(f"NINJAONE_TEST_REDIS_DBS={listed} lists {len(numbers)} databases for more workers")
        return numbers[worker]
    number = base + worker
    if number >= REDIS_DATABASES:
        pytest.fail(
            f"xdist worker gw{worker} would use Redis database {number} (NINJAONE_TEST_REDIS_URL's {base} "
            f"+ {worker}): choose a lower database, fewer workers, or NINJAONE_TEST_REDIS_DBS"
        )
    return number


def _parse_db_list(listed: str) -> list[int]:
    """``8-11`` or ``8,9,10,11`` (or a mix) -> [8, 9, 10, 11]."""
    numbers: list[int] = []
    for part in listed.split(","):
        low, _, high = part.strip().partition("-")
        numbers.extend(range(int(low), int(high or low) + 1))
    return numbers


def reset_postgres(url: str) -> None:
    """Drop everything in the public schema so each test starts from an empty database."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
