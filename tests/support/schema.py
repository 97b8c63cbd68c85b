"""A test database that already has the sample host's and the extension's tables, empty, cheaply.

Creating the two schemas costs 0.8–1.1 s a test on SQLite and on PostgreSQL alike (seventy CREATE
statements with their indexes), and most tests need nothing else, so every test paid it before its
first line ran. Instead:

- SQLite: the schema is created once per session in a template file, and each test gets a copy of it
  (a file copy: under a millisecond);
- PostgreSQL: the worker's database keeps the schema between tests and only its rows are deleted (and
  its id sequences restarted), as long as the schema is exactly the one created here: a fingerprint of
  every table, column, index, constraint, trigger and type is taken after creating it and compared
  before reuse, so a test that altered the schema (ran migrations, dropped a table, left a table of its
  own) makes the next test start from a dropped schema, as every test did before.

Tests that need an empty database (migrations, a second host's own schema) keep today's path: the
choice is made by fixture name (:data:`SCHEMA_FIXTURES`), so a test only gets tables it asked for.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import Connection, Engine, MetaData, create_engine, text

from flask_ninjaone.models import metadata as ninjaone_metadata
from flask_ninjaone.testing.world import DatabaseRows, delete_rows_script, sorted_tables
from sample_host import models as _host_models  # noqa: F401  (registers the host's tables on db.metadata)
from sample_host.database import db

from .services import postgres_url, reset_postgres

#: Fixtures whose tests start with both schemas created (``app`` creates them itself, idempotently;
#: the alert world restores rows into them).
SCHEMA_FIXTURES = frozenset({"app", "make_world_app"})

#: Everything in the public schema a test could change, in one text: tables and their columns (with
#: type and nullability), indexes, constraints, triggers and types.
_FINGERPRINT = text(
    """
    SELECT md5(concat_ws('|',
      (SELECT string_agg(c.relname || '.' || c.relkind::text || '.' || a.attname || ':'
                         || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull,
                         ',' ORDER BY c.relname, a.attnum)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid
        WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped),
      (SELECT string_agg(t.relname || '.' || con.conname || ':' || con.contype::text, ',' ORDER BY 1)
         FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'),
      (SELECT string_agg(tg.tgname, ',' ORDER BY 1)
         FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'),
      (SELECT string_agg(ty.typname, ',' ORDER BY 1)
         FROM pg_type ty JOIN pg_namespace n ON n.oid = ty.typnamespace
        WHERE n.nspname = 'public' AND ty.typtype = 'e')
    ))
    """
)

_RESTART_SEQUENCES = """
    SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'S' AND n.nspname = 'public'
"""

#: The fingerprint of the schema this process created, per database URL.
_created: dict[str, str] = {}


def metadatas() -> tuple[MetaData, MetaData]:
    """The host's and the extension's tables: what a test app's database holds."""
    return (db.metadata, ninjaone_metadata)


def create_schema(engine: Engine) -> None:
    for source in metadatas():
        source.create_all(engine)


def create_schema_and_seed(app: Flask) -> None:
    """``app``'s database with both schemas and the sample host's demo data (the real ``seed``
    command), its connections closed afterwards (a world snapshot may copy the file next)."""
    with app.app_context():
        create_schema(db.engine)
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass(frozen=True)
class SeededDatabase:
    """The sample host's seeded database (``create_schema_and_seed``), built once per session and given
    to each test fresh: a SQLite file the test copies, or on PostgreSQL the seeded rows, put back into
    the worker's database (schema kept, as :func:`empty_postgres_schema` keeps it). Seeding there per
    test cost ~1.5 s: the schema dropped and created again, then the seed command."""

    file: Path | None = None
    rows: DatabaseRows | None = None

    def fresh_copy(self, tmp_path: Path) -> str:
        """A URL of a database in the seeded state for this test alone."""
        if self.file is not None:
            return copy_template(self.file, tmp_path / "host.db")
        assert self.rows is not None
        url = postgres_url()
        empty_postgres_schema(url)
        self.rows.restore(_reset_engine(url))
        return url


def seeded_database(build: Callable[[str], Flask], directory: Path) -> SeededDatabase:
    """Seed once with an app ``build(url)`` makes: into a SQLite file under ``directory``, or into the
    test PostgreSQL when the suite runs on it (its rows are then kept)."""
    if not os.environ.get("NINJAONE_TEST_DATABASE_URL"):
        path = directory / "seeded.db"
        create_schema_and_seed(build(f"sqlite:///{path}"))
        return SeededDatabase(file=path)
    url = postgres_url()
    empty_postgres_schema(url)
    create_schema_and_seed(build(url))
    return SeededDatabase(rows=DatabaseRows(_reset_engine(url), metadatas()))


def sqlite_template(path: Path) -> Path:
    """A SQLite file at ``path`` with both schemas, empty (built once per session)."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        create_schema(engine)
    finally:
        engine.dispose()
    return path


def copy_template(template: Path, target: Path) -> str:
    """A private copy of the template for one test; its SQLAlchemy URL."""
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def empty_postgres_schema(url: str) -> None:
    """Both schemas, empty, in the PostgreSQL database ``url``: its rows deleted when the schema is the
    one created here (by fingerprint), else dropped and created again."""
    engine = _reset_engine(url)
    with engine.begin() as connection:
        if _created.get(url) == _fingerprint(connection):
            _delete_rows(connection)
            return
    engine.dispose()  # the schema is dropped next: no connection of ours may hold it
    reset_postgres(url)
    create_schema(engine)
    with engine.connect() as connection:
        _created[url] = _fingerprint(connection)


@functools.cache
def _reset_engine(url: str) -> Engine:
    """One engine per database for the whole process: connecting costs ~15 ms (a new PostgreSQL
    backend), as much as the check and the deletes together, and every test asks. Its connection is
    idle between tests and pinged before use (a test may have restarted the server)."""
    return create_engine(url, pool_size=1, pool_pre_ping=True)


def _fingerprint(connection: Connection) -> str:
    return str(connection.scalar(_FINGERPRINT))


def _delete_rows(connection: Connection) -> None:
    """Every row, children first (the fingerprint says the tables are exactly these), then every id
    sequence back to 1, as on a new schema."""
    deletes = delete_rows_script(connection, sorted_tables(metadatas()))
    connection.exec_driver_sql(f"{deletes};\n{_RESTART_SEQUENCES}")  # one round trip, not one per table
