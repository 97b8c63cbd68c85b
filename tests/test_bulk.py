"""``flask_ninjaone.bulk``: inserts in executemany calls of ``CHUNK`` rows, lookups with literal
values, statistics after bulk loads."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from flask_ninjaone.bulk import CHUNK, analyze_after_bulk_load, in_values, insert_rows
from tests.support.services import postgres_url, reset_postgres


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


# --- in_values: batch lookups planned with their values ---------------------------------------------


def _names_table(url: str, names: list[str]) -> tuple[Table, Engine]:
    metadata = MetaData()
    table = Table("things", metadata, Column("id", Integer, primary_key=True), Column("name", String(40)))
    engine = create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": n + 1, "name": name} for n, name in enumerate(names)])
    return table, engine


TRICKY = ["plain", "O'Brien", "back\\slash", "100%", "semi;colon --", "quote''twice", "üñï", '"dq"']


def test_in_values_finds_exactly_the_given_values(database_url):
    names = [f"name {n}" for n in range(1500)] + TRICKY
    table, engine = _names_table(database_url, names)
    wanted = {*names[::2], *TRICKY, "absent", "x' OR '1'='1"}
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with Session(engine) as session:
        found = set(session.scalars(select(table.c.name).where(in_values(table.c.name, wanted))))
        assert found == {*names[::2], *TRICKY}
        assert set(session.scalars(select(table.c.name).where(in_values(table.c.name, [])))) == set()
        ids = set(session.scalars(select(table.c.id).where(in_values(table.c.id, range(1, 1201)))))
        assert ids == set(range(1, 1201))
    assert "O''Brien" in statements[0]  # written into the SQL text, quoted as a literal
    engine.dispose()


def test_analyze_after_bulk_load_does_nothing_off_postgresql(tmp_path):
    table, engine = _names_table(f"sqlite:///{tmp_path / 'x.db'}", ["a", "b"])
    with Session(engine) as session:
        assert analyze_after_bulk_load(session, table, 2) is False
    engine.dispose()


def test_analyze_after_bulk_load_analyzes_while_a_batch_is_large_next_to_the_statistics():
    url = postgres_url()
    reset_postgres(url)
    table, engine = _names_table(url, [f"n{n}" for n in range(1000)])

    def described(session: Session) -> float:
        return session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'things'"))

    with Session(engine) as session:
        assert described(session) < 0  # never analyzed
        assert analyze_after_bulk_load(session, table, 1000) is True
        assert described(session) == 1000
        assert analyze_after_bulk_load(session, table, 0) is False
        assert analyze_after_bulk_load(session, table, 999) is False  # fewer than the described rows
        assert analyze_after_bulk_load(session, table, 1000) is True  # the table (at least) doubled
        session.commit()
    engine.dispose()
