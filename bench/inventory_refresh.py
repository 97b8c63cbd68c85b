"""Inventory refresh of a 10k-device fleet from the fake into PostgreSQL (or SQLite), and fleet search.

    .venv/bin/python bench/inventory_refresh.py postgresql+psycopg://postgres@127.0.0.1/bench --reset
    .venv/bin/python bench/inventory_refresh.py            # SQLite file in /tmp

Measures, ``--reps`` times interleaved (first, no-change, floor, first, no-change, floor...), wall
time and this process's CPU time (the fake, NinjaOne's side, runs in a process of its own and
shares the machine's cores: on a loaded machine its serving time is most of the wall time):

* the first refresh (everything new: inventory tables emptied, fingerprints and figures cleared);
* a second one with nothing changed (must write zero rows; skips devices by fingerprint);
* a *floor*: the same five report walks paged raw through the same client, plus one executemany
  INSERT of every software and patch row (rolled back) — what any refresh must at least pay;

and prints each rep's ratios (no-change/first, first/floor) and their median [min–max]: only ratios
taken in the same run mean anything on a shared machine. Then the fleet software search over all
software rows with the database's query plans (``--no-search`` leaves it out).
The fake runs in its own process; peak RSS is this process's high-water mark during each refresh
(reset before it through /proc/self/clear_refs where Linux allows it).

``--reset`` drops the extension's and the sample host's tables in the target database first: never
point it at a database you care about.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_support import fake_ninjaone  # noqa: E402


def rss_mb() -> dict[str, float]:
    """Current and peak resident memory of this process, in MB."""
    values = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = round(int(rest.split()[0]) / 1024, 1)
    except OSError:
        values["VmHWM"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return values


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@contextmanager
def captured_selects(engine, table: str):
    """The SQL and parameters of SELECTs touching ``table`` (to EXPLAIN exactly what ran)."""
    from sqlalchemy import event

    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and table in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def explain(engine, statement: str, parameters) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            return "\n".join(row[0] for row in rows)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(" | ".join(str(col) for col in row) for row in rows)


#: Device columns the inventory writes; cleared so that each round's first refresh is a real first.
INVENTORY_COLUMNS = (
    "os_patches_pending", "os_patches_failed", "software_patches_pending", "software_patches_failed",
    "last_patch_scan_at", "antivirus", "threats_active", "threats_quarantined", "health_status",
    "inventory_fingerprints",
)  # fmt: skip


def spread(values: list[float]) -> str:
    """``median [min–max]`` of one measurement over the rounds."""
    return f"{statistics.median(values):g} [{min(values):g}–{max(values):g}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default="sqlite:////tmp/ninjaone-bench-inventory.db")
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--organizations", type=int, default=20)
    parser.add_argument("--reset", action="store_true", help="drop the extension's and host's tables first")
    parser.add_argument(
        "--proposed-indexes",
        action="store_true",
        help="also create the index proposed for prefix search (PostgreSQL) and explain again",
    )
    parser.add_argument("--reps", type=int, default=3, help="interleaved first/no-change/floor rounds")
    parser.add_argument("--no-search", action="store_true", help="leave out the search measurements")
    args = parser.parse_args()

    from cryptography.fernet import Fernet
    from sqlalchemy import func, insert, inspect, select, update

    from flask_ninjaone import tenant_scope
    from flask_ninjaone.connection.api_client import client_for
    from flask_ninjaone.connection.connect import connect_client_credentials
    from flask_ninjaone.inventory.refresh import REPORTS, refresh_inventory
    from flask_ninjaone.inventory.search import SoftwareQuery, iter_software, search_software
    from flask_ninjaone.inventory.versions import VersionFilter
    from flask_ninjaone.models import Device, Integration, Patch, Software, SoftwareChange, metadata
    from flask_ninjaone.organizations import client_mapping as mapping
    from flask_ninjaone.state import get_state
    from flask_ninjaone.sync import runner
    from flask_ninjaone.sync.engine import mapped_targets, organization_filter
    from sample_host import create_app
    from sample_host.database import db

    if args.url.startswith("sqlite:////tmp/") and args.reset is False:
        Path(args.url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.url,
            "NINJAONE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SECRET_KEY": "bench",
            "NINJAONE_HTTP_TIMEOUT": 120.0,
        }
    )
    report: dict[str, object] = {"database": app.config["SQLALCHEMY_DATABASE_URI"].split("://")[0],
                                 "devices": args.devices}  # fmt: skip
    with app.app_context():
        engine = db.engine
        if "ninjaone_software" in inspect(engine).get_table_names():
            if not args.reset:
                sys.exit("The database already has the tables: pass --reset to drop them (destructive).")
            metadata.drop_all(engine)
            db.drop_all()
        db.create_all()
        metadata.create_all(engine)
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        tenant = get_state().host.find_tenant("acme")
        runner._queue_inventory = lambda integration: None  # the bench times the refresh on its own

        print(f"seeding a fake fleet of {args.devices} devices…", flush=True)
        with fake_ninjaone(args.devices, organizations=args.organizations) as url, tenant_scope(tenant.id):
            connect_client_credentials(
                db.session, client_id="demo-client-id", client_secret="demo-client-secret",
                region=None, custom_url=url, actor=None,
                set_by_operator=True,  # the operator (this bench) picks the fake; tenants may not
            )  # fmt: skip
            integration = db.session.scalars(select(Integration)).one()
            mapping.apply_suggestions(db.session, integration, create_missing=True)
            integration_id = integration.id
            started = time.perf_counter()
            sync = runner.run_sync(integration_id, kind="full")
            report["device_sync"] = {"state": sync.state, "seconds": round(time.perf_counter() - started, 1),
                                     "counts": sync.counts}  # fmt: skip
            print(json.dumps(report["device_sync"]), flush=True)

            def forget_inventory() -> None:
                """Back to "never refreshed": no rows, no fingerprints, no per-device figures."""
                for table in (SoftwareChange, Software, Patch):
                    db.session.execute(table.__table__.delete())
                blank = dict.fromkeys(INVENTORY_COLUMNS)
                db.session.execute(update(Device.__table__).values(blank))
                db.session.commit()

            def timed_refresh(label: str) -> dict[str, object]:
                db.session.expunge_all()
                peak_reset = reset_peak()
                before = rss_mb()
                started, cpu = time.perf_counter(), time.process_time()
                run = refresh_inventory(integration_id, trigger="bench")
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                after = rss_mb()
                result = {
                    "state": run.state,
                    "error": run.error,
                    "seconds": round(elapsed, 2),
                    "cpu_seconds": round(cpu, 2),
                    "requests": run.api_calls.get("requests"),
                    "rows_written": run.counts.get("rows_written"),
                    "counts": run.counts,
                    "rss_before_mb": before.get("VmRSS"),
                    "peak_rss_mb": after.get("VmHWM"),
                    "peak_is_refresh_only": peak_reset,
                }
                print(label, json.dumps(result), flush=True)
                assert run.state == "succeeded", run.error
                return result

            def floor() -> dict[str, object]:
                """Raw paging of the five reports + one bulk INSERT of the software and patch rows."""
                integration = db.session.get(Integration, integration_id)
                df = organization_filter(mapped_targets(db.session, integration))
                started, cpu = time.perf_counter(), time.process_time()
                # Keyed as the tables' unique constraints are, so the INSERT cannot conflict.
                software: dict[tuple[object, ...], dict[str, object]] = {}
                patches: dict[tuple[object, ...], dict[str, object]] = {}
                # Another tenant id, so the rows cannot collide with the stored ones (rolled back anyway).
                common = {"tenant_id": f"{tenant.id}-floor", "integration_id": integration_id}
                now = datetime.now(UTC)
                with client_for(integration) as client:
                    for name in REPORTS:
                        for page in client.query(name, df=df).pages():
                            for row in page.items:
                                device = row["deviceId"]
                                if name == "software":
                                    title = str(row.get("name", ""))
                                    publisher, version = row.get("publisher", ""), row.get("version", "")
                                    software[(device, title.lower(), publisher, version)] = common | {
                                        "device_id": device, "name": title, "name_key": title.lower(),
                                        "publisher": publisher, "version": version,
                                        "first_seen": now, "last_seen": now,
                                    }  # fmt: skip
                                elif name.endswith("patches"):
                                    kind, uid = name.split("-")[0], str(row.get("id"))
                                    patches[(device, kind, uid)] = common | {
                                        "device_id": device, "kind": kind, "patch_uid": uid,
                                        "name": str(row.get("name", "")),
                                        "status": str(row.get("status", "")),
                                        "last_seen": now,
                                    }  # fmt: skip
                paged = time.perf_counter() - started
                with engine.connect() as conn:
                    transaction = conn.begin()
                    conn.execute(insert(Software.__table__), list(software.values()))
                    conn.execute(insert(Patch.__table__), list(patches.values()))
                    transaction.rollback()
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                result = {"seconds": round(elapsed, 2), "paging_seconds": round(paged, 2),
                          "cpu_seconds": round(cpu, 2), "rows": len(software) + len(patches)}  # fmt: skip
                print("floor", json.dumps(result), flush=True)
                return result

            rounds = []
            for _ in range(args.reps):
                forget_inventory()
                first = timed_refresh("first_refresh")
                second = timed_refresh("no_change_refresh")
                assert second["rows_written"] == 0, "a refresh with nothing changed wrote rows"
                base = floor()
                took = {"first": first["seconds"], "no_change": second["seconds"], "floor": base["seconds"]}
                took["no_change_over_first"] = round(took["no_change"] / took["first"], 3)
                took["first_over_floor"] = round(took["first"] / took["floor"], 2)
                # This process's CPU only: the fake (NinjaOne's side) runs in its own process.
                took["cpu_first"], took["cpu_no_change"] = first["cpu_seconds"], second["cpu_seconds"]
                took["cpu_no_change_over_first"] = round(second["cpu_seconds"] / first["cpu_seconds"], 3)
                took["cpu_first_over_floor"] = round(first["cpu_seconds"] / base["cpu_seconds"], 2)
                # API requests of one whole-fleet walk, and the devices it covered (paged, never per device).
                took["requests_first"], took["devices_first"] = first["requests"], first["counts"]["devices"]
                rounds.append(took)
                print("round", json.dumps(rounds[-1]), flush=True)
            report["rounds"] = rounds
            report["summary"] = {key: spread([r[key] for r in rounds]) for key in rounds[0]}
            print("summary", json.dumps(report["summary"]), flush=True)

        if args.no_search:
            print(json.dumps(report, default=str))
            return
        if engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk load; without statistics the planner guesses 1 row.
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE ninjaone_software")
                conn.exec_driver_sql("ANALYZE ninjaone_devices")
        with tenant_scope(tenant.id):
            integration = db.session.scalars(select(Integration)).one()
            total = db.session.scalar(select(func.count()).select_from(Software))
            report["software_rows"] = total
            searches = {
                "chrome_older_than_123_contains": SoftwareQuery(
                    name="chrome", version=VersionFilter.parse("< 123")
                ),
                "google_chrome_exact": SoftwareQuery(name="google chrome", match="exact"),
                "publisher_contains_microsoft": SoftwareQuery(publisher="microsoft"),
            }
            report["search"] = {}
            for label, query in searches.items():
                with captured_selects(engine, "ninjaone_software") as seen:
                    started = time.perf_counter()
                    page = search_software(integration, query)
                    first_page = time.perf_counter() - started
                started = time.perf_counter()
                matches = sum(1 for _ in iter_software(integration, query))
                everything = time.perf_counter() - started
                report["search"][label] = {
                    "first_page_seconds": round(first_page, 3),
                    "all_matches_seconds": round(everything, 3),
                    "matches": matches,
                    "page_hits": len(page.hits),
                }
                print(label, json.dumps(report["search"][label]), flush=True)
                statement, parameters = seen[-1]
                print(
                    f"--- plan ({label}, page query) ---\n{explain(engine, statement, parameters)}\n",
                    flush=True,
                )
            if args.proposed_indexes and engine.dialect.name == "postgresql":
                with engine.begin() as conn:
                    conn.exec_driver_sql(
                        "CREATE INDEX IF NOT EXISTS ix_ninjaone_software_name_pattern ON ninjaone_software "
                        "(tenant_id, integration_id, name_key text_pattern_ops)"
                    )
                    conn.exec_driver_sql("ANALYZE ninjaone_software")
                query = SoftwareQuery(name="google", match="prefix", version=VersionFilter.parse("< 123"))
                with captured_selects(engine, "ninjaone_software") as seen:
                    started = time.perf_counter()
                    search_software(integration, query)
                    elapsed = time.perf_counter() - started
                print(f"prefix search with proposed index: {elapsed:.3f}s")
                print(explain(engine, *seen[-1]))
    print(
        json.dumps(
            {k: v for k, v in report.items() if k != "search"} | {"search": report["search"]}, default=str
        )
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
