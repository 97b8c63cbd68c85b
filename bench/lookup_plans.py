"""Batch lookups of 1000 ids on a table that grew after the statement was prepared (PostgreSQL).

    .venv/bin/python bench/lookup_plans.py postgresql://postgres@127.0.0.1/bench_lookup --rows 50000

The shape of the sample host's ``match_assets`` by NinjaOne id: ``tenant_id = 1 AND external_source =
'ninjaone' AND external_id IN (<1000 ids>)`` on a table with an index on those three columns. Each
way of sending the ids runs seven times (psycopg prepares a statement on its fifth execution) while
the table has 1,000 rows, as at the start of a first sync; the table then grows to ``--rows`` and
each way looks up 1000 ids five times, first without statistics, then after ``ANALYZE``. Prints the
milliseconds and the plans (``EXPLAIN ANALYZE``) of the literal form.

WARNING: the database is dropped and re-created.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from bench_support import recreate_database, sqlalchemy_url  # noqa: E402

Query = Callable[[list[str]], tuple[str, list[Any]]]
WHERE = "tenant_id = %s AND external_source = %s"


def _literal(ids: list[str]) -> str:
    return ",".join("'" + value.replace("'", "''") + "'" for value in ids)


WAYS: dict[str, Query] = {
    "IN ($1..$1000)": lambda ids: (
        f"SELECT id, external_id FROM lookup WHERE {WHERE} "
        f"AND external_id IN ({','.join(['%s'] * len(ids))}) ORDER BY id",
        [1, "ninjaone", *ids],
    ),
    "= ANY($1)": lambda ids: (
        f"SELECT id, external_id FROM lookup WHERE {WHERE} AND external_id = ANY(%s::varchar[]) ORDER BY id",
        [1, "ninjaone", ids],
    ),
    "JOIN unnest($1)": lambda ids: (
        "SELECT l.id, l.external_id FROM unnest(%s::varchar[]) AS k(v) JOIN lookup AS l ON l.tenant_id = %s "
        "AND l.external_source = %s AND l.external_id = k.v ORDER BY l.id",
        [ids, 1, "ninjaone"],
    ),
    "literal values (bulk.in_values)": lambda ids: (
        f"SELECT id, external_id FROM lookup WHERE {WHERE} AND external_id IN ({_literal(ids)}) ORDER BY id",
        [1, "ninjaone"],
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="PostgreSQL database to DROP and re-create")
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()

    import psycopg
    from sqlalchemy.engine import make_url

    url = sqlalchemy_url(args.url)
    recreate_database(url)
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = psycopg.connect(conninfo, autocommit=True)
    conn.execute(
        "CREATE TABLE lookup (id serial PRIMARY KEY, tenant_id int, external_source varchar(32), "
        "external_id varchar(64), pad text)"
    )
    conn.execute("CREATE INDEX ix_lookup ON lookup (tenant_id, external_source, external_id)")

    def fill(first: int, last: int) -> None:
        conn.execute(
            "INSERT INTO lookup (tenant_id, external_source, external_id, pad) "
            "SELECT 1, 'ninjaone', g::text, repeat('x', 400) FROM generate_series(%s::int, %s::int) AS g",
            (first, last),
        )

    fill(1, 1000)
    for query in WAYS.values():  # prepared (and planned) while the table is small
        for execution in range(7):
            sql, params = query([str(n) for n in range(execution * 100 + 1, execution * 100 + 1001)])
            conn.execute(sql, params, prepare=True)
    fill(1001, args.rows)

    results: dict[str, dict[str, list[float]]] = {}
    for state in ("not analyzed", "analyzed"):
        if state == "analyzed":
            conn.execute("ANALYZE lookup")
        for name, query in WAYS.items():
            for lookup in range(5):
                ids = [
                    str(n) for n in range(args.rows - 1000 * (lookup + 1) + 1, args.rows - 1000 * lookup + 1)
                ]
                sql, params = query(ids)
                started = time.perf_counter()
                found = conn.execute(sql, params, prepare=True).fetchall()
                results.setdefault(name, {}).setdefault(state, []).append(time.perf_counter() - started)
                assert len(found) == 1000, (name, len(found))
        sql, params = WAYS["literal values (bulk.in_values)"](ids)
        plan = conn.execute("EXPLAIN ANALYZE " + sql, params).fetchall()
        print(f"--- literal values, {state} ---")
        print("\n".join(row[0][:200] for row in plan))

    print(f"\n=== 1000-id lookups on {args.rows} rows, prepared at 1,000 rows: ms, min–max of 5 ===")
    print("| Lookup | not analyzed | analyzed |\n|---|---|---|")
    for name, by_state in results.items():
        cells = [f"{min(v) * 1000:,.1f}–{max(v) * 1000:,.1f}" for v in by_state.values()]
        print(f"| {name} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
