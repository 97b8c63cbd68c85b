"""``flask_ninjaone.bulk.insert_rows``: every row, in executemany calls of ``CHUNK`` rows."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, event, func, select
from sqlalchemy.orm import Session

from flask_ninjaone.bulk import CHUNK, insert_rows


@pytest.mark.parametrize("count", [0, 1, CHUNK, CHUNK + 1, 2 * CHUNK + 37])
def test_inserts_every_row_in_chunks(count):
    metadata = MetaData()
    table = Table("things", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    calls: list[int] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count_rows(_conn, _cursor, _statement, parameters, _context, executemany):
        calls.append(len(parameters) if executemany else 1)

    rows = [{"id": n + 1, "name": f"thing {n}"} for n in range(count)]
    with Session(engine) as session:
        insert_rows(session, table, rows)
        session.commit()
        chunks = list(calls)
        assert session.scalar(select(func.count()).select_from(table)) == count
        assert session.scalar(select(func.max(table.c.id))) == (count or None)
    assert chunks == [min(CHUNK, count - start) for start in range(0, count, CHUNK)]
