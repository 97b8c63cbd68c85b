"""Batched reads and writes that stay fast on PostgreSQL at any table size (plain SQL elsewhere).

Three habits, each measured (``bench/full_sync.py``, ``bench/host_lookup.py``):

* :func:`insert_rows` — psycopg sends an ``executemany`` as one pipeline. With a thousand wide rows
  the pipeline fills the socket buffers in both directions and the driver now and then waits out its
  0.1 s poll interval before carrying on: one or two such stalls in a third of the 1k-device first
  syncs measured, none in twelve runs once the rows went out in executemany calls of 200.
* :func:`in_values` — a batch lookup (``column IN (...)``) with its values written into the SQL text.
  With bound parameters the statement text is the same for every batch of a given size, so after
  five executions psycopg prepares it and PostgreSQL may settle on a *generic* plan made while the
  table was small and never analyzed: it scans every row of the tenant and compares each with the
  thousand parameters one by one (1.1–4 s per lookup at 50k assets, against 2–7 ms planned with the
  values; see ``docs/host-integration.md``). Literal values make every batch's text differ, so each
  is planned with its own values; a constant array is also hashed when it must be used as a filter.
* :func:`analyze_after_bulk_load` — planner statistics while a table is filled in bulk, so the
  lookups above use the index on the looked-up column instead of filtering the tenant's rows.

Hosts can use all three for their own batched work (the sample host does).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, insert, text
from sqlalchemy.orm import InstrumentedAttribute, Session

#: Rows per executemany call.
CHUNK = 200


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT`` ``rows`` (dicts with the same keys) into ``table``, ``CHUNK`` rows per executemany.

    A Core statement: the ORM's tenant scoping does not apply, so rows must carry their tenant.
    """
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start : start + CHUNK])


def in_values(
    column: ColumnElement[Any] | InstrumentedAttribute[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """``column IN (v1, v2, ...)`` with the values rendered into the statement as literals.

    Safe for any value the column's type can hold: SQLAlchemy renders each one as a quoted SQL
    literal of that type (strings with their quotes doubled), never as raw text. An empty
    collection gives a condition that matches nothing.
    """
    return column.in_(bindparam(None, list(values), expanding=True, literal_execute=True))


def analyze_after_bulk_load(session: Session, table: Table, inserted: int) -> bool:
    """``ANALYZE`` ``table`` (PostgreSQL) when ``inserted`` new rows are at least as many as its
    statistics describe (never analyzed, or analyzed at half the size or less); returns whether it
    did.

    A table filled in bulk has no statistics, or statistics of when it was tiny, until autovacuum
    gets to it (a minute at best; never where autovacuum is off). The planner then believes a
    tenant's rows are a handful and filters them instead of using the index on the looked-up column
    — per batch, so a first sync grows quadratic. Statistics need not be recent, only
    representative: the planner scales them by the table's current size. So a first sync of
    1000-row batches analyzes once or twice, early, on tables of a few thousand rows at most. It
    runs in the caller's transaction (``ANALYZE`` may), which commits or rolls back as a whole.
    """
    if inserted <= 0 or session.get_bind().dialect.name != "postgresql":
        return False
    name = session.get_bind().dialect.identifier_preparer.format_table(table)
    described = session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"), {"name": name}
    ).scalar_one()
    if described >= 0 and inserted < described:
        return False
    session.execute(text(f"ANALYZE {name}"))
    return True
