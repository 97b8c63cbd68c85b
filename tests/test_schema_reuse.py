"""The cheap empty schema of ``tests/support/schema.py``: reused only while it is the one it created."""

from __future__ import annotations

import sqlite3

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, create_engine, inspect, text

from flask_ninjaone.testing.world import sorted_tables
from tests.support.schema import copy_template, empty_postgres_schema, metadatas
from tests.support.services import postgres_url

ADD_TENANTS = "INSERT INTO tenants (slug, name, created_at, updated_at) VALUES "


def _table_oid(engine, name: str) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT CAST(CAST(:name AS regclass) AS oid)"), {"name": name})


def test_postgres_rows_are_deleted_in_the_same_tables_and_ids_start_again():
    url = postgres_url()
    empty_postgres_schema(url)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(ADD_TENANTS + "('t1', 'T1', now(), now()), ('t2', 'T2', now(), now())"))
        before = _table_oid(engine, "tenants")
        empty_postgres_schema(url)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM tenants")) == 0
            connection.execute(text(ADD_TENANTS + "('t3', 'T3', now(), now())"))
            assert connection.scalar(text("SELECT id FROM tenants")) == 1  # the sequence restarted
            connection.rollback()
        assert _table_oid(engine, "tenants") == before  # the same table: rows deleted, not recreated
    finally:
        engine.dispose()


def test_a_changed_postgres_schema_is_dropped_and_created_again():
    url = postgres_url()
    empty_postgres_schema(url)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE left_by_a_test (id integer)"))
            connection.execute(text("ALTER TABLE tenants ADD COLUMN extra text"))
        empty_postgres_schema(url)
        inspector = inspect(engine)
        assert "left_by_a_test" not in inspector.get_table_names()
        assert "extra" not in {column["name"] for column in inspector.get_columns("tenants")}
        expected = {table.name for source in metadatas() for table in source.tables.values()}
        assert set(inspector.get_table_names()) == expected
    finally:
        engine.dispose()


def test_each_sqlite_test_gets_its_own_copy_of_the_template(schema_template, tmp_path):
    first = copy_template(schema_template, tmp_path / "a.db").removeprefix("sqlite:///")
    with sqlite3.connect(first) as connection:
        connection.execute("INSERT INTO tenants VALUES (1, 't1', 'T1', 0, '2026-01-01', '2026-01-01')")
    second = copy_template(schema_template, tmp_path / "b.db").removeprefix("sqlite:///")
    with sqlite3.connect(second) as connection:
        assert connection.execute("SELECT count(*) FROM tenants").fetchone() == (0,)
    expected = {table.name for source in metadatas() for table in source.tables.values()}
    assert set(inspect(create_engine(f"sqlite:///{second}")).get_table_names()) == expected


def test_the_table_order_follows_a_table_added_to_a_metadata():
    host, extension = MetaData(), MetaData()
    Table("parent", extension, Column("id", Integer, primary_key=True))
    Table("child", extension, Column("id", Integer, primary_key=True), Column("p", ForeignKey("parent.id")))
    Table("tickets", host, Column("id", Integer, primary_key=True))
    names = [table.name for table in sorted_tables((host, extension))]
    assert sorted(names) == ["child", "parent", "tickets"] and names.index("parent") < names.index("child")
    assert sorted_tables((host, extension)) is sorted_tables([host, extension])  # kept, not worked out again
    Table("grandchild", extension, Column("c", ForeignKey("child.id")))
    names = [table.name for table in sorted_tables((host, extension))]
    assert len(names) == 4 and names.index("child") < names.index("grandchild")
