"""``DatabaseRows`` (the plugin's world snapshot off SQLite files) puts back exactly the rows it took:
what a test added is gone, what it deleted is back, a dropped table is created again, and the next
new row gets the id after the highest restored one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from flask_ninjaone.testing.world import DatabaseRows
from tests.support.schema import create_schema, empty_postgres_schema, metadatas
from tests.support.services import postgres_url

ADD_TENANT = (
    "INSERT INTO tenants (slug, name, created_at, updated_at) "
    "VALUES (:slug, :slug, '2026-01-01', '2026-01-01')"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    if request.param == "postgresql":
        url = postgres_url()
        empty_postgres_schema(url)
    else:
        url = f"sqlite:///{tmp_path / 'rows.db'}"
    built = create_engine(url)
    create_schema(built)
    yield built
    built.dispose()


def tenants(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT id, slug FROM tenants ORDER BY id"))]


def test_the_rows_taken_are_the_rows_restored_and_ids_continue_after_them(engine: Engine) -> None:
    with engine.begin() as connection:
        for slug in ("acme", "globex", "initech"):
            connection.execute(text(ADD_TENANT), {"slug": slug})
        connection.execute(text("DELETE FROM tenants WHERE slug = 'globex'"))
    taken = DatabaseRows(engine, metadatas())
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM tenants WHERE slug = 'acme'"))
        connection.execute(text(ADD_TENANT), {"slug": "umbrella"})
    taken.restore(engine)
    assert tenants(engine) == [(1, "acme"), (3, "initech")]
    with engine.begin() as connection:
        connection.execute(text(ADD_TENANT), {"slug": "later"})
    assert tenants(engine)[-1] == (4, "later")


def test_a_table_a_test_dropped_is_created_again(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text(ADD_TENANT), {"slug": "acme"})
    taken = DatabaseRows(engine, metadatas())
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE ninjaone_audit_log"))
    taken.restore(engine)
    assert tenants(engine) == [(1, "acme")]
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM ninjaone_audit_log")) == 0


def test_later_restores_put_back_the_same_rows_and_survive_a_dropped_table(engine: Engine) -> None:
    """On PostgreSQL the second restore runs from the copy the first left in the database; a table
    dropped since is created again from the rows kept in Python."""
    with engine.begin() as connection:
        for slug in ("acme", "globex"):
            connection.execute(text(ADD_TENANT), {"slug": slug})
    taken = DatabaseRows(engine, metadatas())
    for change in (
        "DELETE FROM tenants WHERE slug = 'acme'",
        "UPDATE tenants SET name = 'renamed'",
        "DROP TABLE tenants" + (" CASCADE" if engine.dialect.name == "postgresql" else ""),
        "DELETE FROM tenants",
    ):
        with engine.begin() as connection:
            connection.execute(text(ADD_TENANT), {"slug": "extra"})
            connection.execute(text(change))
        taken.restore(engine)
        with engine.connect() as connection:
            names = connection.execute(text("SELECT id, slug, name FROM tenants ORDER BY id")).all()
        assert [tuple(row) for row in names] == [(1, "acme", "acme"), (2, "globex", "globex")], change
        with engine.begin() as connection:
            connection.execute(text(ADD_TENANT), {"slug": "next"})
            assert connection.scalar(text("SELECT max(id) FROM tenants")) == 3
            connection.rollback()
