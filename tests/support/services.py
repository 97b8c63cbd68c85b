"""Access to the real PostgreSQL and Redis the CI run points the suite at."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

REQUIRE = os.environ.get("NINJAONE_TEST_REQUIRE_SERVICES") == "1"


def _service(var: str, what: str) -> str:
    url = os.environ.get(var)
    if url:
        return url
    message = f"{what} not configured: set {var}"
    if REQUIRE:
        pytest.fail(f"{message} (NINJAONE_TEST_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


def postgres_url() -> str:
    """SQLAlchemy URL of the test PostgreSQL, or skip (fail in CI)."""
    url = _service("NINJAONE_TEST_DATABASE_URL", "PostgreSQL")
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    )


def redis_url() -> str:
    """URL of the test Redis, or skip (fail in CI)."""
    return _service("NINJAONE_TEST_REDIS_URL", "Redis")


def reset_postgres(url: str) -> None:
    """Drop everything in the public schema so each test starts from an empty database."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def template_copy_or_postgres(template: Path | None, tmp_path: Path, name: str) -> str:
    """A private copy of a prebuilt SQLite template, or, when the suite runs on PostgreSQL (no
    template), the test PostgreSQL emptied for this test."""
    if template is None:
        url = postgres_url()
        reset_postgres(url)
        return url
    copy = tmp_path / name
    shutil.copyfile(template, copy)
    return f"sqlite:///{copy}"
