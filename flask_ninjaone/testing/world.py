"""A test world built once and given back to every test: database rows and fake NinjaOnes together.

Connecting a tenant, mapping its organizations and syncing its devices takes seconds; a suite that does
it per test spends its time there. A :class:`WorldSnapshot` keeps what the build left behind and puts it
back in milliseconds:

- the database: on a SQLite file, a copy of the file (restored by copying it back); elsewhere
  (PostgreSQL) every row of every table, restored by deleting all rows, inserting them again and moving
  each id sequence past the highest id;
- each fake NinjaOne's whole state (``FakeState.checkpoint``), because the database names the fake's URL
  and holds tokens the fake issued: the two are only consistent together.

:class:`Worlds` (the ``ninjaone_worlds`` fixture) builds a world the first time a test asks for it by
name, in that test's own database, and restores it for every later test of the session.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, inspect
from sqlalchemy.exc import DBAPIError

from .fake_ninjaone import FakeNinjaOne
from .fake_ninjaone.checkpoint import FakeCheckpoint


def sorted_tables(metadatas: Iterable[MetaData]) -> tuple[Table, ...]:
    """The tables of all ``metadatas`` (host and extension) in dependency order, parents first.

    The order is worked out on a combined copy (a foreign key may name a table of the other metadata),
    which costs ~100 ms; a test suite asks before every test, so it is kept per set of tables."""
    sources = tuple(metadatas)
    return _sorted_copies(sources, tuple(tuple(source.tables) for source in sources))


@functools.lru_cache(maxsize=16)
def _sorted_copies(sources: tuple[MetaData, ...], names: tuple[tuple[str, ...], ...]) -> tuple[Table, ...]:
    """``names`` is only part of the key: a table added to a metadata is a new set of tables."""
    combined = MetaData()
    for source in sources:
        for table in source.sorted_tables:
            table.to_metadata(combined)
    return tuple(combined.sorted_tables)


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine (None for other databases and in-memory SQLite)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return Path(str(engine.url.database))


class DatabaseRows:
    """Every row of every table, restorable into a database of the same schema.

    On PostgreSQL the first restore into a database also leaves a copy of the rows in that database
    (one schema of plain tables, :data:`COPY_SCHEMA_PREFIX` and a number), and later restores into it
    are one script run by the server: delete, ``INSERT … SELECT`` from the copy, move the sequences.
    Sending a world's rows from Python on every restore was ~0.37 s for the security suite's world
    (thousands of rows), once per test. A copy that fails (a test dropped or changed a table it
    reads) is made again from the rows kept here. A new session reuses the numbers, so copies left by
    an earlier one are replaced rather than piling up."""

    _copies_made = 0

    def __init__(self, engine: Engine, metadatas: Sequence[MetaData]) -> None:
        self.metadatas = tuple(metadatas)
        self.tables = sorted_tables(self.metadatas)
        with engine.connect() as connection:
            self.rows = {table.name: [dict(row._mapping) for row in connection.execute(table.select())]
                         for table in self.tables}  # fmt: skip
        #: The copy's schema, by database URL.
        self._copies: dict[str, str] = {}

    def restore(self, engine: Engine) -> None:
        """Empty every table, put the rows back, move the id sequences (creating missing tables)."""
        if engine.dialect.name != "postgresql":
            self._send_rows(engine)
            return
        database = engine.url.render_as_string(hide_password=False)
        copy = self._copies.get(database)
        if copy is not None:
            try:
                with engine.begin() as connection:
                    connection.exec_driver_sql(self._script_from(connection, copy))
                return
            except DBAPIError:
                del self._copies[database]
        self._send_rows(engine)
        self._copies[database] = self._make_copy(engine)

    def _send_rows(self, engine: Engine) -> None:
        """The portable restore: the rows sent from Python (the deletes and sequence moves as one
        script each on PostgreSQL; tables created only when one is missing, since ``create_all`` asks
        the server about each table in turn)."""
        with engine.begin() as connection:
            if not {table.name for table in self.tables} <= set(inspect(connection).get_table_names()):
                for metadata in self.metadatas:
                    metadata.create_all(connection)
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                connection.exec_driver_sql(delete_rows_script(connection, self.tables))
            else:
                for table in reversed(self.tables):
                    connection.execute(table.delete())
            for table in self.tables:
                if self.rows[table.name]:
                    connection.execute(table.insert(), self.rows[table.name])
            if postgres:
                connection.exec_driver_sql(_statements(connection, _MOVE_SEQUENCE, self._serial()))

    def _make_copy(self, engine: Engine) -> str:
        """A schema in ``engine``'s database holding a copy of each non-empty table (just restored)."""
        DatabaseRows._copies_made += 1
        schema = f"{COPY_SCHEMA_PREFIX}{DatabaseRows._copies_made}"
        with engine.begin() as connection:
            quote = connection.dialect.identifier_preparer.quote
            statements = [f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE", f"CREATE SCHEMA {quote(schema)}"]
            statements += [
                f"CREATE TABLE {quote(schema)}.{quote(table.name)} AS TABLE {_quoted(connection, table)}"
                for table in self._filled()
            ]
            connection.exec_driver_sql(";\n".join(statements))
        return schema

    def _script_from(self, connection: Connection, schema: str) -> str:
        quote = connection.dialect.identifier_preparer.quote
        statements = [delete_rows_script(connection, self.tables)]
        for table in self._filled():
            columns = ", ".join(quote(column.name) for column in table.columns)
            statements.append(
                f"INSERT INTO {_quoted(connection, table)} ({columns}) "
                f"SELECT {columns} FROM {quote(schema)}.{quote(table.name)}"
            )
        return ";\n".join([*statements, _statements(connection, _MOVE_SEQUENCE, self._serial())])

    def _filled(self) -> list[Table]:
        return [table for table in self.tables if self.rows[table.name]]

    def _serial(self) -> list[Table]:
        return [table for table in self.tables if "id" in table.c and table.c.id.autoincrement is not False]


#: Schemas holding :class:`DatabaseRows` copies on PostgreSQL (outside ``public``: dropping and creating
#: the public schema again, as test suites do, leaves them be).
COPY_SCHEMA_PREFIX = "ninjaone_world_copy_"


def _quoted(connection: Connection, table: Table) -> str:
    return connection.dialect.identifier_preparer.format_table(table)


#: An id sequence moved past the table's highest id, as a new row would find it.
_MOVE_SEQUENCE = (
    "SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
    "COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
)


def delete_rows_script(connection: Connection, tables: Sequence[Table]) -> str:
    """One script deleting every row of ``tables``: one round trip instead of one per table. ``tables``
    come parents first (:func:`sorted_tables`), so they are emptied children first."""
    return _statements(connection, "DELETE FROM {table}", reversed(tables))


def _statements(connection: Connection, template: str, tables: Iterable[Table]) -> str:
    """``template`` once per table, as one script (``{table}``: the quoted name; ``{name}``: the quoted
    name as a string literal). The names are the metadata's own, never input."""
    return ";\n".join(
        template.format(table=_quoted(connection, table), name=_quoted(connection, table).replace("'", "''"))
        for table in tables
    )


class WorldSnapshot:
    """A database and the fake NinjaOnes it talks to, as they are now; :meth:`restore` puts both back."""

    def __init__(
        self,
        engine: Engine,
        metadatas: Sequence[MetaData],
        fakes: Iterable[FakeNinjaOne],
        directory: Path,
    ) -> None:
        self.fakes: list[tuple[FakeNinjaOne, FakeCheckpoint]] = [
            (fake, fake.state.checkpoint()) for fake in fakes
        ]
        self.file: Path | None = None
        self.rows: DatabaseRows | None = None
        source = sqlite_file(engine)
        if source is not None:
            engine.dispose()  # every connection closed: the file is complete
            directory.mkdir(parents=True, exist_ok=True)
            self.file = directory / source.name
            shutil.copyfile(source, self.file)
        else:
            self.rows = DatabaseRows(engine, metadatas)

    def restore(self, engine: Engine) -> None:
        """The database behind ``engine`` and each fake, as they were captured. On SQLite the engine's
        connections are closed first (the file under them is replaced)."""
        target = sqlite_file(engine)
        if self.file is not None and target is not None:
            engine.dispose()
            shutil.copyfile(self.file, target)
        else:
            if self.rows is None:
                raise ValueError("a world captured from a SQLite file restores into a SQLite file")
            self.rows.restore(engine)
        for fake, checkpoint in self.fakes:
            fake.state.restore(checkpoint)


class Worlds:
    """Worlds by name for a test session: built by the first test that asks, restored for the rest."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._snapshots: dict[str, WorldSnapshot] = {}

    def restore_or_build(
        self,
        name: str,
        engine: Engine,
        build: Callable[[], Any],
        *,
        metadatas: Sequence[MetaData],
        fakes: Sequence[FakeNinjaOne] = (),
    ) -> bool:
        """Give ``engine``'s database (and ``fakes``) the world ``name``: restored if it was built
        before in this session, else built now by ``build()`` (into this database, through your own
        code) and snapshotted. Returns True when it was built. The same name must always come with the
        same fakes: the database names their URLs."""
        snapshot = self._snapshots.get(name)
        if snapshot is None:
            build()
            self._snapshots[name] = WorldSnapshot(engine, metadatas, fakes, self.directory / name)
            return True
        if [fake for fake, _ in snapshot.fakes] != list(fakes):
            raise ValueError(f"world {name!r} was built with other fake NinjaOnes than these")
        snapshot.restore(engine)
        return False
