"""Full device sync from the fake NinjaOne into the sample host, against its physical floor (issues 5, 18).

    .venv/bin/python bench/full_sync.py postgresql://postgres@127.0.0.1/bench_sync --sizes 1000,10000
    git archive main | tar -x -C /tmp/base    # a baseline checkout, then A/B, interleaved:
    .venv/bin/python bench/full_sync.py postgresql://postgres@127.0.0.1/bench_sync --compare /tmp/base
    .venv/bin/python bench/full_sync.py ... --profile first --profile-size 10000

The database is created (dropped first if it exists) before anything connects to it. For every
size N (default 1k, 10k, 50k) a fake with N devices (20 organizations, APPROVED by default like
the real ``devices-detailed``: the sync's pages are full pages of 1000, so every page sends the
same statement shapes) runs in its own process, and ``--reps`` rounds (default 3) each run, every
child a fresh process:

1. per variant (this checkout "A"; with ``--compare PATH`` also that checkout's product code "B"),
   on a fresh database: setup (sample-host schema + extension schema, ``seed``, acme connected to
   the fake, every organization mapped), the first full sync (``run_sync(kind="full")`` through the
   real sample host adapter), then a second full sync with nothing changed;
2. floor (a), raw paging: the same pages (same ``df``) fetched with plain ``requests`` and decoded
   with ``json`` — none of the project's client or schemas;
3. floor (b), bulk insert: the rows the first sync wrote (assets + ninjaone_devices) inserted again
   with nothing else into scratch tables of the same shape, one transaction per 1000 devices.

Variant order flips every round and floor (a) runs first in even rounds and last in odd ones, so
drifting machine load lands on every side. Each round's sync is compared with that round's floor
(a + b); the table gives median [min–max] over the rounds, µs per device, the sync process's CPU
seconds, the A/B wall ratio, and the growth factor of µs/device from the smallest to the largest
size (1.0 = linear).

The inventory refresh that follows a successful full sync is disabled in the sync children
(``flask_ninjaone.sync.runner._queue_inventory`` is replaced by a no-op). Rows written are counted
with SQL before and after each sync. With ``--breakdown`` every sync prints where its wall time went
(page fetch, schema load, ``PageWriter.apply``, host calls, SQL per statement kind, GC pauses) and
the plan (``EXPLAIN ANALYZE``) of its slowest SELECT. ``--analyze-after-first`` runs ``ANALYZE``
after the first sync, as autovacuum would.

WARNING: the target database is dropped and re-created. Never point this at a database you care
about (the script refuses ``test`` and ``postgres``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: Where the children import the product code from: this checkout, or the other side of an A/B
#: comparison (``--compare PATH``, e.g. ``git archive main | tar -x -C /tmp/base``).
CODE_ROOT = Path(os.environ.get("BENCH_CODE_ROOT") or ROOT)
sys.path[:0] = [str(CODE_ROOT), str(HERE)]

from bench_support import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    current_rss_mb,
    emit,
    fake_counters,
    fake_ninjaone,
    is_postgres,
    peak_rss_mb,
    recreate_database,
    reset_fake_counters,
    run_child,
    sqlalchemy_url,
)

ORGANIZATIONS = 20
DEVICE_ENDPOINT = "GET /v2/devices-detailed"
ORG_WALK_ENDPOINTS = ("GET /v2/organizations", "GET /v2/locations")
BATCH = 1000  # rows per transaction in floor (b), like one page of the sync


# ---------------------------------------------------------------------------------------------------------
# children
# ---------------------------------------------------------------------------------------------------------


def _app(spec: dict[str, Any]):
    from sample_host import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": spec["db"],
            "NINJAONE_ENCRYPTION_KEYS": spec["key"],
            "SECRET_KEY": "bench",
            "NINJAONE_HTTP_TIMEOUT": 300.0,
            "NINJAONE_REDIS_URL": None,  # no queue: the inventory refresh is disabled anyway
        }
    )


def child_setup(spec: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import select

    from flask_ninjaone import tenant_scope
    from flask_ninjaone.connection.connect import connect_client_credentials
    from flask_ninjaone.models import Integration, metadata
    from flask_ninjaone.organizations import client_mapping as mapping
    from flask_ninjaone.state import get_state
    from flask_ninjaone.sync.engine import mapped_targets, organization_filter
    from sample_host.database import db

    app = _app(spec)
    with app.app_context():
        db.create_all()
        metadata.create_all(db.engine)
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        tenant = get_state().host.find_tenant("acme")
        with tenant_scope(tenant.id):
            connect_client_credentials(
                db.session, client_id="demo-client-id", client_secret="demo-client-secret",
                region=None, custom_url=spec["fake"], actor=None,
                set_by_operator=True,  # the operator (this bench) picks the fake; tenants may not
            )  # fmt: skip
            integration = db.session.scalars(select(Integration)).one()
            mapped = mapping.apply_suggestions(db.session, integration, create_missing=True)
            targets = mapped_targets(db.session, integration)
            return {
                "tenant_id": str(tenant.id),
                "integration_id": integration.id,
                "organizations_mapped": mapped,
                "df": organization_filter(targets),
            }


def _row_counts(engine, tenant_id: str, since) -> dict[str, int]:
    """Assets of the tenant and mirror rows: totals, and rows touched since ``since``."""
    from sqlalchemy import func, or_, select

    from flask_ninjaone.models import Device
    from sample_host.models import Asset

    assets, devices = Asset.__table__, Device.__table__
    tid = int(tenant_id)
    with engine.connect() as conn:

        def count(table, *where) -> int:
            return conn.scalar(select(func.count()).select_from(table).where(*where))

        out = {
            "assets": count(assets, assets.c.tenant_id == tid),
            "devices": count(devices, devices.c.tenant_id == tenant_id),
        }
        if since is not None:
            out["assets_created_since"] = count(
                assets, assets.c.tenant_id == tid, assets.c.created_at >= since
            )
            out["assets_touched_since"] = count(
                assets, assets.c.tenant_id == tid, assets.c.updated_at >= since
            )
            out["devices_touched_since"] = count(
                devices,
                devices.c.tenant_id == tenant_id,
                or_(devices.c.synced_at >= since, devices.c.retired_at >= since),
            )
        return out


class Timings:
    """Wall time spent in named product functions and in SQL, for a breakdown of one sync.

    Wrappers are installed in the child only (the product code is not changed); they cost a few
    microseconds per call and are called per page or per batch, except the per-device mapping helpers.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.sql: dict[str, list[float]] = {}
        self.gc = {"collections": [0, 0, 0], "seconds": [0.0, 0.0, 0.0]}
        self._gc_started = 0.0
        self.slowest_select: tuple[float, str, Any] | None = None
        self.recording = True

    def add(self, label: str, elapsed: float) -> None:
        self.seconds[label] = self.seconds.get(label, 0.0) + elapsed
        self.calls[label] = self.calls.get(label, 0) + 1

    def wrap(self, owner: Any, name: str, label: str) -> None:
        import functools

        original = getattr(owner, name, None)
        if original is None:  # the other side of an A/B run may not have this function
            return

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter() - started)

        setattr(owner, name, timed)

    def watch_sql(self, engine: Any) -> None:
        import re

        from sqlalchemy import event

        table = re.compile(r"\b(?:INTO|UPDATE|FROM)\s+(\w+)", re.IGNORECASE)

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info.setdefault("bench_started", []).append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):
            elapsed = time.perf_counter() - conn.info["bench_started"].pop()
            if not self.recording:
                return
            verb = statement.lstrip().split(None, 1)[0].upper()
            match = table.search(statement)
            key = f"{verb} {match.group(1) if match else '?'}"
            entry = self.sql.setdefault(key, [0, 0.0, 0])
            entry[0] += 1
            entry[1] += elapsed
            entry[2] = max(entry[2], len(statement))
            slowest = self.slowest_select
            if verb == "SELECT" and not executemany and (slowest is None or elapsed > slowest[0]):
                self.slowest_select = (elapsed, statement, parameters)

    def watch_gc(self) -> None:
        import gc

        def callback(phase: str, info: dict[str, Any]) -> None:
            if phase == "start":
                self._gc_started = time.perf_counter()
            else:
                generation = info["generation"]
                self.gc["collections"][generation] += 1
                self.gc["seconds"][generation] += time.perf_counter() - self._gc_started

        gc.callbacks.append(callback)

    def explain_slowest(self, engine: Any) -> dict[str, Any] | None:
        """The plan of the slowest single SELECT, run again with the same parameters."""
        if self.slowest_select is None:
            return None
        elapsed, statement, parameters = self.slowest_select
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [row[0] for row in rows]
            else:
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                plan = [" | ".join(str(col) for col in row) for row in rows]
            stats = None
            if engine.dialect.name == "postgresql":
                match = __import__("re").search(r"\bFROM\s+(\w+)", statement)
                row = conn.exec_driver_sql(
                    "SELECT n_live_tup, n_mod_since_analyze, last_analyze, last_autoanalyze "
                    "FROM pg_stat_user_tables WHERE relname = %(name)s",
                    {"name": match.group(1) if match else ""},
                ).first()
                if row is not None:
                    stats = dict(row._mapping)
        return {
            "seconds": round(elapsed, 3),
            "statement": " ".join(statement.split())[:300],
            "plan": plan,
            "table_statistics": stats,
        }

    def report(self) -> dict[str, Any]:
        return {
            "functions": {
                k: [self.calls[k], round(v, 3)] for k, v in sorted(self.seconds.items(), key=lambda i: -i[1])
            },
            "sql": {
                k: [v[0], round(v[1], 3), v[2]] for k, v in sorted(self.sql.items(), key=lambda i: -i[1][1])
            },
            "gc": {
                "collections": self.gc["collections"],
                "seconds": [round(x, 3) for x in self.gc["seconds"]],
            },
        }


def instrument(timings: Timings) -> None:
    from sqlalchemy.orm import Session

    import flask_ninjaone.client.api as api
    import flask_ninjaone.sync.engine as engine
    import flask_ninjaone.sync.runner as runner
    from flask_ninjaone.client.transport import Transport
    from sample_host.adapter import SampleHostAdapter

    timings.wrap(runner, "full_walk", "full_walk (total)")
    timings.wrap(engine, "refresh_organizations", "refresh_organizations (org walk + upsert)")
    timings.wrap(Transport, "request", "api: HTTP request (transport)")
    timings.wrap(api, "_json", "api: JSON decode")
    timings.wrap(api, "_load", "api: schema load")
    timings.wrap(engine.PageWriter, "apply", "PageWriter.apply (per page, incl. commit)")
    timings.wrap(engine.PageWriter, "retire", "PageWriter.retire")
    timings.wrap(engine, "to_asset_record", "mapping: to_asset_record")
    timings.wrap(engine, "content_hash", "mapping: content_hash")
    timings.wrap(engine, "mirror_values", "mapping: mirror_values")
    timings.wrap(SampleHostAdapter, "match_assets", "host: match_assets")
    timings.wrap(SampleHostAdapter, "upsert_assets", "host: upsert_assets (incl. asset flush)")
    timings.wrap(Session, "flush", "Session.flush (all)")
    timings.wrap(Session, "commit", "Session.commit (all, incl. flush)")
    timings.watch_gc()


def child_sync(spec: dict[str, Any]) -> dict[str, Any]:
    import flask_ninjaone.sync.runner as runner
    from flask_ninjaone import tenant_scope
    from flask_ninjaone.models.base import utcnow
    from sample_host.database import db

    # The inventory refresh queued after a full sync is not part of this benchmark.
    runner._queue_inventory = lambda integration: None
    timings = Timings() if not spec.get("profile") else None
    app = _app(spec)
    with app.app_context():
        engine = db.engine
        before = _row_counts(engine, spec["tenant_id"], None)
        if timings:
            instrument(timings)
            timings.watch_sql(engine)
        rss_before = current_rss_mb()
        profiler = None
        if spec.get("profile"):
            import cProfile

            profiler = cProfile.Profile()
        start_stamp = utcnow()
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        with tenant_scope(spec["tenant_id"]):
            if profiler:
                profiler.enable()
            run = runner.run_sync(spec["integration_id"], kind="full", trigger="cli")
            if profiler:
                profiler.disable()
            wall = time.perf_counter() - started
            state, error, counts = run.state, run.error, dict(run.counts or {})
            api_calls, processed = dict(run.api_calls or {}), run.processed
        peak = peak_rss_mb()
        cpu = round(_cpu_seconds() - cpu_before, 2)
        if timings:
            import gc

            gc.callbacks.clear()
            timings.recording = False
        after = _row_counts(engine, spec["tenant_id"], start_stamp)
    assets_inserted = after["assets"] - before["assets"]
    devices_inserted = after["devices"] - before["devices"]
    rows = {
        "assets_inserted": assets_inserted,
        "assets_updated": after["assets_touched_since"] - after["assets_created_since"],
        "devices_inserted": devices_inserted,
        "devices_updated": after["devices_touched_since"] - devices_inserted,
    }
    rows["assets_written"] = rows["assets_inserted"] + rows["assets_updated"]
    rows["devices_written"] = rows["devices_inserted"] + rows["devices_updated"]
    rows["total"] = rows["assets_written"] + rows["devices_written"]
    out = {
        "state": state,
        "error": error,
        "wall_seconds": round(wall, 3),
        "processed": processed,
        "counts": counts,
        "api_calls": api_calls,
        "rows": rows,
        "rss_before_run_mb": rss_before,
        "peak_rss_mb": peak,
        "cpu_seconds": cpu,
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    }
    if timings:
        out["breakdown"] = timings.report()
        with app.app_context():
            out["breakdown"]["slowest_select"] = timings.explain_slowest(db.engine)
    if profiler:
        import io
        import pstats

        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(40)
        out["profile"] = buffer.getvalue()
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(30)
        out["profile_tottime"] = buffer.getvalue()
    return out


def _cpu_seconds() -> float:
    """User + system CPU time of this process so far (the child's whole life, imports included)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 2)


def child_page(spec: dict[str, Any]) -> dict[str, Any]:
    """Floor (a): the same pages fetched and decoded with plain ``requests`` + ``json``.

    Nothing of the project runs here (no client, no schema): what any integration must pay to
    receive these devices. The filter is the sync's own (mapped organizations, APPROVED devices).
    """
    import requests

    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    http = requests.Session()
    token = http.post(
        spec["fake"] + "/ws/oauth/token",
        data={"grant_type": "client_credentials", "scope": "monitoring", "client_id": "demo-client-id",
              "client_secret": "demo-client-secret"},
        timeout=60,
    ).json()["access_token"]  # fmt: skip
    http.headers["Authorization"] = f"Bearer {token}"
    devices = pages = 0
    after = None
    while True:
        params: dict[str, Any] = {"pageSize": BATCH, "df": f"{spec['df']} AND status in (APPROVED)"}
        if after is not None:
            params["after"] = after
        response = http.get(spec["fake"] + "/v2/devices-detailed", params=params, timeout=300)
        response.raise_for_status()
        page = json.loads(response.content)
        if not page:
            break
        pages += 1
        devices += len(page)
        after = page[-1]["id"]
        if len(page) < BATCH:
            break
    wall = time.perf_counter() - started
    return {
        "devices": devices,
        "pages": pages,
        "wall_seconds": round(wall, 3),
        "api_calls": {"requests": pages + 1},
        "peak_rss_mb": peak_rss_mb(),
        "cpu_seconds": round(_cpu_seconds() - cpu_before, 2),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    }


def _scratch_table(source, name: str, metadata):
    """A table with ``source``'s columns, types, indexes and unique constraints (no foreign keys)."""
    from sqlalchemy import Column, Index, Table, UniqueConstraint

    columns = [Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable) for c in source.columns]
    table = Table(name, metadata, *columns)
    for number, index in enumerate(sorted(source.indexes, key=lambda ix: str(ix.name))):
        Index(f"{name}_ix{number}", *[table.c[col.name] for col in index.columns], unique=index.unique)
    for number, constraint in enumerate(source.constraints):
        if isinstance(constraint, UniqueConstraint):
            table.append_constraint(
                UniqueConstraint(*[col.name for col in constraint.columns], name=f"{name}_uq{number}")
            )
    return table


def child_insert(spec: dict[str, Any]) -> dict[str, Any]:
    """Floor (b): insert the first sync's rows again, with nothing else, one transaction per 1000."""
    from sqlalchemy import MetaData, create_engine, select

    from flask_ninjaone.models import Device
    from sample_host.models import Asset

    engine = create_engine(spec["db"])
    scratch = MetaData()
    floor_assets = _scratch_table(Asset.__table__, "bench_floor_assets", scratch)
    floor_devices = _scratch_table(Device.__table__, "bench_floor_devices", scratch)
    scratch.drop_all(engine)
    scratch.create_all(engine)
    tid = int(spec["tenant_id"])
    with engine.connect() as conn:  # read the rows the sync wrote (not timed)
        asset_cols = [c for c in Asset.__table__.c if c.name != "id"]
        device_cols = [c for c in Device.__table__.c if c.name != "id"]
        asset_rows = [
            dict(row._mapping)
            for row in conn.execute(
                select(*asset_cols).where(
                    Asset.__table__.c.tenant_id == tid, Asset.__table__.c.external_source == "ninjaone"
                )  # fmt: skip
            )
        ]
        device_rows = [
            dict(row._mapping)
            for row in conn.execute(
                select(*device_cols).where(Device.__table__.c.tenant_id == spec["tenant_id"])
            )
        ]
    rss_loaded = current_rss_mb()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    for start in range(0, max(len(asset_rows), len(device_rows)), BATCH):
        with engine.begin() as conn:
            if chunk := asset_rows[start : start + BATCH]:
                conn.execute(floor_assets.insert(), chunk)
            if chunk := device_rows[start : start + BATCH]:
                conn.execute(floor_devices.insert(), chunk)
    wall = time.perf_counter() - started
    cpu = round(_cpu_seconds() - cpu_before, 2)
    scratch.drop_all(engine)
    engine.dispose()
    return {
        "asset_rows": len(asset_rows),
        "device_rows": len(device_rows),
        "rows": len(asset_rows) + len(device_rows),
        "transactions": math.ceil(max(len(asset_rows), len(device_rows)) / BATCH),
        "wall_seconds": round(wall, 3),
        "cpu_seconds": cpu,
        "rss_rows_loaded_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    }


CHILDREN = {"setup": child_setup, "sync": child_sync, "page": child_page, "insert": child_insert}


# ---------------------------------------------------------------------------------------------------------
# parent
# ---------------------------------------------------------------------------------------------------------


def pg_tuple_stats(url: str) -> dict[str, dict[str, int]] | None:
    """``pg_stat_user_tables`` insert/update/delete counters of assets and ninjaone_devices."""
    if not is_postgres(url):
        return None
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
            "WHERE relname IN ('assets', 'ninjaone_devices')"
        ).fetchall()
    return {name: {"ins": ins, "upd": upd, "del": dele} for name, ins, upd, dele in rows}


def pg_delta(before, after) -> dict | None:
    if before is None or after is None:
        return None
    return {
        table: {k: after[table][k] - before.get(table, {}).get(k, 0) for k in after[table]} for table in after
    }


def _pg_conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_autovacuum(url: str) -> str | None:
    """The server's ``autovacuum`` setting: when off, nothing ever collects planner statistics."""
    if not is_postgres(url):
        return None
    import psycopg

    with psycopg.connect(_pg_conninfo(url)) as conn:
        return conn.execute("SHOW autovacuum").fetchone()[0]


def pg_analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(_pg_conninfo(url), autocommit=True) as conn:
        conn.execute("ANALYZE assets")
        conn.execute("ANALYZE ninjaone_devices")


class Parent:
    """Runs the children of one size: floors and syncs of every variant, interleaved, repeated."""

    def __init__(
        self, url: str, key: str, variants: dict[str, Path], *, analyze_after_first: bool = False
    ) -> None:
        self.url = url
        self.key = key
        self.variants = variants
        self.analyze_after_first = analyze_after_first and is_postgres(url)

    def child(self, kind: str, spec: dict[str, Any], root: Path = ROOT) -> dict[str, Any]:
        env = {**os.environ, "BENCH_CODE_ROOT": str(root)}
        payload = json.dumps({"db": self.url, "key": self.key, **spec})
        return run_child(__file__, "--child", kind, payload, env=env)

    def sync(self, fake: str, base: dict[str, Any], root: Path, **extra: Any) -> dict[str, Any]:
        """One full sync in a child; requests as the fake counted them; pg tuple counters around it."""
        reset_fake_counters(fake)
        stats_before = pg_tuple_stats(self.url)
        result = self.child("sync", {**base, **extra}, root)
        result["fake_requests"] = fake_counters(fake)["requests"]
        if stats_before is not None:
            time.sleep(1.0)  # the child's backends flush their statistics when they exit
            result["pg_tuples"] = pg_delta(stats_before, pg_tuple_stats(self.url))
        return result

    def prepare(self, fake: str, root: Path) -> dict[str, Any]:
        recreate_database(self.url)
        setup = self.child("setup", {"fake": fake}, root)
        return {"fake": fake, **setup}

    def page_floor(self, fake: str, base: dict[str, Any]) -> dict[str, Any]:
        reset_fake_counters(fake)
        page = self.child("page", base)
        page["fake_requests"] = fake_counters(fake)["requests"]
        return page

    def measure(self, size: int, reps: int) -> list[dict[str, Any]]:
        """``reps`` rounds; each runs the paging floor, every variant (fresh database, first and
        second sync) and the insert floor. Variant order flips every round, and the paging floor
        runs first in even rounds and last in odd ones, so drifting load lands on both sides."""
        rounds: list[dict[str, Any]] = []
        with fake_ninjaone(size, organizations=ORGANIZATIONS) as fake:
            for rep in range(reps):
                order = list(self.variants) if rep % 2 == 0 else list(reversed(self.variants))
                out: dict[str, Any] = {"size": size, "rep": rep, "order": order}
                for number, name in enumerate(order):
                    root = self.variants[name]
                    base = self.prepare(fake, root)
                    if number == 0 and rep % 2 == 0:
                        out["floor_paging"] = self.page_floor(fake, base)
                    first = self.sync(fake, base, root)
                    if first["state"] != "succeeded":
                        raise RuntimeError(f"{name}: first sync of {size} failed: {first['error']}")
                    if self.analyze_after_first:  # what autovacuum would do after the bulk load
                        pg_analyze(self.url)
                    if "floor_insert" not in out:
                        out["floor_insert"] = self.child("insert", base)
                    second = self.sync(fake, base, root)
                    if second["state"] != "succeeded":
                        raise RuntimeError(f"{name}: second sync of {size} failed: {second['error']}")
                    out[name] = {"first_sync": first, "second_sync": second}
                if "floor_paging" not in out:
                    out["floor_paging"] = self.page_floor(fake, base)
                rounds.append(out)
        return rounds

    def profile(self, size: int, phases: set[str], root: Path) -> dict[str, Any]:
        """Run the size again with cProfile around ``run_sync``."""
        out: dict[str, Any] = {}
        with fake_ninjaone(size, organizations=ORGANIZATIONS) as fake:
            base = self.prepare(fake, root)
            first = self.sync(fake, base, root, profile="first" in phases)
            if self.analyze_after_first:
                pg_analyze(self.url)
            if "first" in phases:
                out["first"] = first
            if "second" in phases:
                out["second"] = self.sync(fake, base, root, profile=True)
        return out


def spread(values: list[float]) -> dict[str, float]:
    """Median and range of repeated measurements."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return {"median": round(median, 3), "min": round(ordered[0], 3), "max": round(ordered[-1], 3)}


def fmt(figure: dict[str, float], digits: int = 2) -> str:
    return f"{figure['median']:.{digits}f} [{figure['min']:.{digits}f}–{figure['max']:.{digits}f}]"


def summarize(size: int, rounds: list[dict[str, Any]], variants: list[str]) -> dict[str, Any]:
    """Per variant: wall and wall / floor of the first sync (each round against its own floors), the
    second sync's rows and wall / first, device requests; A/B ratio when there are two variants."""
    floor = [r["floor_paging"]["wall_seconds"] + r["floor_insert"]["wall_seconds"] for r in rounds]
    out: dict[str, Any] = {
        "size": size,
        "reps": len(rounds),
        "floor_paging": spread([r["floor_paging"]["wall_seconds"] for r in rounds]),
        "floor_insert": spread([r["floor_insert"]["wall_seconds"] for r in rounds]),
        "floor": spread(floor),
        "variants": {},
    }
    for name in variants:
        firsts = [r[name]["first_sync"] for r in rounds]
        seconds = [r[name]["second_sync"] for r in rounds]
        walked = firsts[0]["processed"]
        by_endpoint = firsts[0]["api_calls"].get("by_endpoint", {})
        out["variants"][name] = {
            "first_wall": spread([f["wall_seconds"] for f in firsts]),
            "first_cpu": spread([f["cpu_seconds"] for f in firsts]),
            "ratio_to_floor": spread([f["wall_seconds"] / fl for f, fl in zip(firsts, floor, strict=True)]),
            "us_per_device": spread([f["wall_seconds"] / walked * 1e6 for f in firsts]),
            "second_wall": spread([s["wall_seconds"] for s in seconds]),
            "second_ratio_to_first": spread(
                [s["wall_seconds"] / f["wall_seconds"] for s, f in zip(seconds, firsts, strict=True)]
            ),
            "second_rows_written": max(s["rows"]["total"] for s in seconds),
            "device_requests": by_endpoint.get(DEVICE_ENDPOINT, 0),
            "device_requests_allowed": math.ceil(walked / 1000) + 1,
            "peak_rss_mb": max(f["peak_rss_mb"] for f in firsts),
        }
    if len(variants) == 2:
        a, b = variants
        out["a_over_b"] = spread(
            [r[a]["first_sync"]["wall_seconds"] / r[b]["first_sync"]["wall_seconds"] for r in rounds]
        )
    return out


def print_table(summaries: list[dict[str, Any]], variants: list[str]) -> None:
    """The README table: median [min–max] of the repetitions, floors from the same rounds."""
    print("\n=== full sync vs floor (raw paging + bulk insert), median [min–max] ===")
    print("| N | floor s (page + insert) | " + " | ".join(
        f"{v}: sync s | {v}: × floor | {v}: µs/device | {v}: CPU s | {v}: 2nd × 1st (rows)" for v in variants
    ) + (" | A/B wall |" if len(variants) == 2 else " |"))  # fmt: skip
    for summary in summaries:
        cells = [str(summary["size"]), f"{fmt(summary['floor'])} ({summary['floor_paging']['median']:.2f} + "
                 f"{summary['floor_insert']['median']:.2f})"]  # fmt: skip
        for name in variants:
            v = summary["variants"][name]
            second = f"{fmt(v['second_ratio_to_first'])} ({v['second_rows_written']})"
            cells += [fmt(v["first_wall"]), fmt(v["ratio_to_floor"]), fmt(v["us_per_device"], 0),
                      fmt(v["first_cpu"]), second]  # fmt: skip
        if "a_over_b" in summary:
            cells.append(fmt(summary["a_over_b"]))
        print("| " + " | ".join(cells) + " |")
    if len(summaries) > 1:
        small, big = summaries[0], summaries[-1]
        for name in variants:
            growth = (
                big["variants"][name]["us_per_device"]["median"]
                / small["variants"][name]["us_per_device"]["median"]
            )
            floor_growth = (big["floor"]["median"] / big["size"]) / (small["floor"]["median"] / small["size"])
            print(f"growth factor {name} (µs/device at {big['size']} / at {small['size']}): {growth:.2f}; "
                  f"floor's own: {floor_growth:.2f}")  # fmt: skip


def breakdown_lines(label: str, run: dict[str, Any]) -> list[str]:
    """Where one sync's wall time went (instrumented, not profiled)."""
    data = run.get("breakdown")
    if not data:
        return []
    lines = [
        f"    {label}: wall {run['wall_seconds']:.2f}s, CPU of the sync process {run['cpu_seconds']:.2f}s"
    ]
    for name, (calls, seconds) in data["functions"].items():
        lines.append(f"      {seconds:8.2f}s  {calls:>7} x  {name}")
    lines.append("      SQL by statement (count, seconds, longest statement text in chars):")
    for name, (calls, seconds, longest) in list(data["sql"].items())[:8]:
        lines.append(f"      {seconds:8.2f}s  {calls:>7} x  {name}  (<= {longest} chars)")
    gc = data["gc"]
    lines.append(f"      GC: collections {gc['collections']} (gen0/1/2), seconds {gc['seconds']}")
    slowest = data.get("slowest_select")
    if slowest:
        lines.append(f"      slowest single SELECT ({slowest['seconds']}s): {slowest['statement'][:150]}...")
        lines += [f"        {line[:160]}" for line in slowest["plan"][:14]]
        if slowest.get("table_statistics"):
            lines.append(f"        table statistics when explained: {slowest['table_statistics']}")
    return lines


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(CHILDREN[sys.argv[2]](json.loads(sys.argv[3])), default=str))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=DEFAULT_DATABASE_URL,
                        help="database to DROP and re-create (default: %(default)s)")  # fmt: skip
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated fleet sizes")
    parser.add_argument("--reps", type=int, default=3, help="rounds per size (default: %(default)s)")
    parser.add_argument("--compare", type=Path, default=None, metavar="PATH",
                        help="a second checkout (e.g. an export of main): its product code is the "
                             "baseline B, run interleaved with this one (A)")  # fmt: skip
    parser.add_argument("--analyze-after-first", action="store_true",
                        help="PostgreSQL: ANALYZE assets and ninjaone_devices after the first sync "
                             "(as autovacuum would), before floor (b) and the second sync")  # fmt: skip
    parser.add_argument("--profile", choices=("none", "first", "second", "both"), default="none",
                        help="afterwards, cProfile a sync of this checkout at --profile-size")  # fmt: skip
    parser.add_argument("--profile-size", type=int, default=10_000)
    parser.add_argument("--breakdown", action="store_true", help="print where each sync's time went")
    args = parser.parse_args()

    from cryptography.fernet import Fernet

    url = sqlalchemy_url(args.url)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    variants = {"A": ROOT}
    if args.compare:
        variants["B"] = args.compare.resolve()
    recreate_database(url)  # before anything connects to it: it may not exist yet
    parent = Parent(
        url, Fernet.generate_key().decode(), variants, analyze_after_first=args.analyze_after_first
    )
    autovacuum = pg_autovacuum(url)
    emit({"event": "start", "database": url.split("://")[0], "sizes": sizes, "reps": args.reps,
          "variants": {k: str(v) for k, v in variants.items()}, "autovacuum": autovacuum,
          "analyze_after_first": parent.analyze_after_first,
          "note": "inventory refresh after the full sync disabled in the sync children "
                  "(flask_ninjaone.sync.runner._queue_inventory replaced by a no-op)"})  # fmt: skip
    if autovacuum == "off":
        print("NOTE: autovacuum is off on this PostgreSQL server: nothing analyzes the tables but the "
              "code itself (or --analyze-after-first).", flush=True)  # fmt: skip

    summaries: list[dict[str, Any]] = []
    for size in sizes:
        started = time.perf_counter()
        rounds = parent.measure(size, args.reps)
        for result in rounds:
            emit({"event": "round", **result})
            if args.breakdown:
                for name in variants:
                    for line in breakdown_lines(f"{name} first sync, round {result['rep']}",
                                                result[name]["first_sync"]):  # fmt: skip
                        print(line, flush=True)
        summary = summarize(size, rounds, list(variants))
        summary["bench_seconds"] = round(time.perf_counter() - started, 1)
        summaries.append(summary)
        emit({"event": "summary", **summary})
        print_table([summary], list(variants))
    print_table(summaries, list(variants))
    print(f"(load average at the end: {os.getloadavg()})")

    if args.profile != "none":
        phases = {"first", "second"} if args.profile == "both" else {args.profile}
        print(f"\n=== cProfile of the {' and '.join(sorted(phases))} sync at N={args.profile_size} "
              "(separate run; profiling slows it down) ===", flush=True)  # fmt: skip
        for phase, run in parent.profile(args.profile_size, phases, ROOT).items():
            print(f"--- {phase} sync, {run['wall_seconds']:.2f}s under cProfile: top 40 by cumulative ---")
            print(run["profile"])
            print(f"--- {phase} sync: top 30 by own time ---")
            print(run["profile_tottime"])


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
