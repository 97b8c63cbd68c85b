"""A first inventory refresh leaves PostgreSQL statistics behind: the search reads tables the planner
knows, not tables it believes hold a row or two (which made it nest loops over every row)."""

from __future__ import annotations

from sqlalchemy import text

from sample_host.database import db
from tests.support.inventory import connect_and_sync
from tests.support.schema import create_schema
from tests.support.services import postgres_url

TABLES = ("ninjaone_software", "ninjaone_software_names", "ninjaone_patches")


def analyzed(table: str) -> bool:
    """Whether ``table`` has planner statistics (``reltuples`` is -1 until it is first analyzed)."""
    described = db.session.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
    )
    return described is not None and described >= 0


def test_a_first_refresh_into_new_tables_analyzes_them(make_app, fake):
    postgres_url()  # PostgreSQL only (run 2 of CI); the test's database is then a new, empty schema
    app = make_app()
    with app.app_context():
        create_schema(db.engine)
        assert not any(analyzed(table) for table in TABLES)
        connect_and_sync(app, fake)  # the full sync queues the first refresh (inline)
        db.session.remove()
        assert {table: analyzed(table) for table in TABLES} == dict.fromkeys(TABLES, True)
        software = db.session.scalar(text("SELECT count(*) FROM ninjaone_software"))
        assert software > 500  # the fleet's software was written, in batches the size of the table
