"""A database's rows, restorable into it: the PostgreSQL counterpart of copying a SQLite template file."""

from __future__ import annotations

import functools

from flask import Flask
from sqlalchemy import MetaData, Table, text

from flask_ninjaone.models import metadata as ninjaone_metadata
from sample_host.database import db


@functools.cache
def all_tables() -> tuple[Table, ...]:
    """Host and extension tables in dependency order (children after parents)."""
    combined = MetaData()
    for source in (db.metadata, ninjaone_metadata):
        for table in source.sorted_tables:
            table.to_metadata(combined)
    return tuple(combined.sorted_tables)


class Snapshot:
    """All rows of all tables, restorable into the same database (PostgreSQL, where a file copy is no
    option): delete everything, insert the rows back, and move each id sequence past the highest id."""

    def __init__(self, app: Flask) -> None:
        self.tables = all_tables()
        with app.app_context():
            with db.engine.connect() as connection:
                self.rows = {table.name: [dict(row._mapping) for row in connection.execute(table.select())]
                             for table in self.tables}  # fmt: skip
            db.session.remove()

    def restore(self, app: Flask) -> None:
        with app.app_context():
            with db.engine.begin() as connection:
                for table in reversed(self.tables):
                    connection.execute(table.delete())
                for table in self.tables:
                    if self.rows[table.name]:
                        connection.execute(table.insert(), self.rows[table.name])
                if connection.dialect.name == "postgresql":
                    for table in self.tables:
                        if "id" in table.c and table.c.id.autoincrement is not False:
                            connection.execute(
                                text(
                                    "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                                ),
                                {"t": table.name},
                            )
            db.session.remove()
