"""Fleet software search, every kind, against a count(*) floor.

    .venv/bin/python bench/inventory_refresh.py postgresql+psycopg://postgres@127.0.0.1/bench_inv --reset
    .venv/bin/python bench/software_search.py postgresql+psycopg://postgres@127.0.0.1/bench_inv

Runs on a database that ``inventory_refresh.py`` filled (10k devices, ~815k software rows; PostgreSQL),
or with ``--fill N`` re-creates the database and writes the software of the fake's N-device fleet
(``FakeState``'s own per-device software lists, the rows a refresh would store) directly with COPY:
minutes instead of a full inventory refresh on a busy machine.
For every search kind it times ``search_software`` (the first page, counts included: what the page
shows) and, as the floor, ``SELECT count(*)`` with the same name/publisher predicate on the software
table alone; ``--reps`` rounds, median [min–max] per cell. The name indexes are made those of the
checkout's model (0009's prefix index before migration 0018, 0018's page-order index after). To compare
two versions of the code (A/B), run this script from each checkout in turn on the same database,
alternating (the fill also writes ``ninjaone_software_names``, migration 0018, which older code
ignores). ``--json`` adds one JSON line at the end with every timing in seconds, per kind and round
(what ``goals.py`` reads).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

#: The software search's name indexes: 0009's prefix index, 0018's page-order index.
NAME_INDEXES = ("ix_ninjaone_software_name_prefix", "ix_ninjaone_software_name_order")


BENCH_ORGANIZATION = 10
BENCH_CLIENT = f"bench-{BENCH_ORGANIZATION}"


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return f"{median * 1000:.0f} [{ordered[0] * 1000:.0f}–{ordered[-1] * 1000:.0f}]"


def fill(url: str, devices: int) -> None:
    """A fresh database with the host seeded, one integration of acme, and the fleet's mirror rows and
    installed software (name, lower-cased key, publisher, version, as the inventory writer stores)."""
    import psycopg
    from bench_support import recreate_database
    from cryptography.fernet import Fernet
    from sqlalchemy.engine import make_url

    from flask_ninjaone import tenant_scope
    from flask_ninjaone.models import Integration, metadata
    from flask_ninjaone.state import get_state
    from flask_ninjaone.testing.fake_ninjaone import FakeState, seed_fleet
    from flask_ninjaone.testing.fake_ninjaone.device_filter import parse_device_filter
    from sample_host import create_app
    from sample_host.database import db

    recreate_database(url)
    key = Fernet.generate_key().decode()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "NINJAONE_ENCRYPTION_KEYS": key, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        metadata.create_all(db.engine)
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        tenant = get_state().host.find_tenant("acme")
        with tenant_scope(tenant.id):
            integration = Integration(
                tenant_id=tenant.id, public_id="bench", base_url="https://app.ninjarmm.com"
            )
            db.session.add(integration)
            db.session.commit()
            integration_id, tenant_id = integration.id, tenant.id
    state = FakeState()
    seed_fleet(state, devices=devices, organizations=20, seed=0)
    fleet = state.devices_page(None, devices + 1000, parse_device_filter(None).approved_by_default())
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    rows = 0
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        stamp = "2026-12-07T00:00:00Z"
        with cursor.copy(
            "COPY ninjaone_devices (tenant_id, integration_id, device_id, name, organization_id, "
            "agent_status, hardware, active_alerts, retired, synced_at) FROM STDIN"
        ) as copy:
            for device in fleet:
                name = device.get("systemName") or "x"
                organization = device["organizationId"]
                copy.write_row(
                    (
                        tenant_id,
                        integration_id,
                        device["id"],
                        name,
                        organization,
                        "online",
                        "{}",
                        0,
                        False,
                        stamp,
                    )
                )
        with cursor.copy(
            "COPY ninjaone_software (tenant_id, integration_id, device_id, name, name_key, publisher, "
            "version, first_seen, last_seen) FROM STDIN"
        ) as copy:
            for device in fleet:
                for item in state.device_software(device["id"]):
                    name = item["name"]
                    publisher, version = item.get("publisher") or "", item.get("version") or ""
                    key = name.lower()
                    copy.write_row(
                        (tenant_id, integration_id, device["id"], name, key, publisher, version, stamp, stamp)
                    )
                    rows += 1
        conn.commit()
        if conn.execute("SELECT to_regclass('ninjaone_software_names')").fetchone() != (None,):
            conn.execute(
                "INSERT INTO ninjaone_software_names (tenant_id, integration_id, name_key, publisher) "
                "SELECT DISTINCT tenant_id, integration_id, name_key, publisher FROM ninjaone_software"
            )
            conn.commit()
        conn.execute("ANALYZE ninjaone_software")
        conn.execute("ANALYZE ninjaone_devices")
        conn.commit()
    print(f"filled: {len(fleet)} devices, {rows} software rows", flush=True)


def explain_page_query(engine: Any, integration: Any, query: Any) -> str:
    """``EXPLAIN ANALYZE`` of the page query exactly as the search sent it (tenant scope included)."""
    from sqlalchemy import event

    from flask_ninjaone.inventory.search import search_software
    from sample_host.database import db

    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "ninjaone_software" in statement and "LIMIT" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        search_software(integration, query)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if not seen:
        return "(the page query was not captured: a version filter pages in Python)"
    statement, parameters = seen[-1]
    rows = db.session.connection().exec_driver_sql("EXPLAIN ANALYZE " + statement, parameters)
    return "\n".join(row[0] for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="a PostgreSQL database filled by inventory_refresh.py")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the page query's plan per kind")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of every timing")
    parser.add_argument("--fill", type=int, default=0, metavar="N",
                        help="DROP and re-create the database; fill it from an N-device fleet")  # fmt: skip
    args = parser.parse_args()
    if args.fill:
        fill(args.url, args.fill)

    from cryptography.fernet import Fernet
    from sqlalchemy import and_, func, select, true

    from flask_ninjaone import tenant_scope
    from flask_ninjaone.inventory.search import SoftwareQuery, search_software
    from flask_ninjaone.inventory.versions import VersionFilter
    from flask_ninjaone.models import Device, Integration, OrganizationMapping, Software
    from flask_ninjaone.state import get_state
    from sample_host import create_app
    from sample_host.database import db

    key = Fernet.generate_key().decode()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.url, "NINJAONE_ENCRYPTION_KEYS": key, "SECRET_KEY": "bench"}
    )
    client_devices = select(Device.device_id).where(Device.organization_id == BENCH_ORGANIZATION)
    kinds: dict[str, tuple[SoftwareQuery, Any]] = {
        "exact 'google chrome'": (
            SoftwareQuery(name="google chrome", match="exact"),
            Software.name_key == "google chrome",
        ),
        "prefix 'google'": (
            SoftwareQuery(name="google", match="prefix"),
            Software.name_key.startswith("google"),
        ),
        "prefix 'micro'": (
            SoftwareQuery(name="micro", match="prefix"),
            Software.name_key.startswith("micro"),
        ),
        "prefix 'zz' (no match)": (
            SoftwareQuery(name="zz", match="prefix"),
            Software.name_key.startswith("zz"),
        ),
        "prefix 'google' + version < 123": (
            SoftwareQuery(name="google", match="prefix", version=VersionFilter.parse("< 123")),
            Software.name_key.startswith("google"),
        ),
        "contains 'chrome'": (SoftwareQuery(name="chrome"), Software.name_key.contains("chrome")),
        "contains 'chrome' + version < 123": (
            SoftwareQuery(name="chrome", version=VersionFilter.parse("< 123")),
            Software.name_key.contains("chrome"),
        ),
        "publisher contains 'microsoft'": (
            SoftwareQuery(publisher="microsoft"),
            Software.publisher.icontains("microsoft"),
        ),
        "prefix 'micro' + version >= 1 (broad)": (
            SoftwareQuery(name="micro", match="prefix", version=VersionFilter.parse(">= 1")),
            Software.name_key.startswith("micro"),
        ),
        "version < 123 alone (whole fleet)": (SoftwareQuery(version=VersionFilter.parse("< 123")), true()),
        "one client (1 of 20)": (
            SoftwareQuery(client_id=BENCH_CLIENT),
            Software.device_id.in_(client_devices),
        ),
        "one client + contains 'chrome'": (
            SoftwareQuery(name="chrome", client_id=BENCH_CLIENT),
            and_(Software.name_key.contains("chrome"), Software.device_id.in_(client_devices)),
        ),
    }
    times: dict[tuple[str, str], list[float]] = {}
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            sys.exit("PostgreSQL only: the fill writes with COPY")
        tenant = get_state().host.find_tenant("acme")
        with engine.connect() as conn:
            rows = conn.scalar(select(func.count()).select_from(Software.__table__))
        print(f"ninjaone_software rows: {rows}; load average {os.getloadavg()}", flush=True)

        with tenant_scope(tenant.id):  # every organization mapped to a host client (the client filter)
            integration = db.session.scalars(select(Integration)).one()
            mapped = set(db.session.scalars(select(OrganizationMapping.organization_id)))
            for organization in sorted(set(db.session.scalars(select(Device.organization_id))) - mapped):
                db.session.add(
                    OrganizationMapping(
                        tenant_id=tenant.id,
                        integration_id=integration.id,
                        organization_id=organization,
                        name=f"Organization {organization}",
                        host_client_id=f"bench-{organization}",
                        state="mapped",
                    )
                )
            db.session.commit()
        with engine.begin() as conn:  # the name indexes of this checkout's model, and no other
            wanted = {index.name: index for index in Software.__table__.indexes if index.name in NAME_INDEXES}
            for name in NAME_INDEXES:
                if name not in wanted:
                    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
            for index in wanted.values():
                index.create(conn, checkfirst=True)
            conn.exec_driver_sql("ANALYZE ninjaone_software")
        for rep in range(args.reps):
            with tenant_scope(tenant.id):
                integration = db.session.scalars(select(Integration)).one()
                for label, (query, predicate) in kinds.items():
                    search_software(integration, query)  # warm the cache
                    db.session.rollback()
                    started = time.perf_counter()
                    search_software(integration, query)
                    times.setdefault((label, "search"), []).append(time.perf_counter() - started)
                    db.session.rollback()
                    floor_query = (
                        select(func.count())
                        .select_from(Software)
                        .where(Software.integration_id == integration.id, predicate)
                    )
                    started = time.perf_counter()
                    db.session.scalar(floor_query)
                    times.setdefault((label, "floor"), []).append(time.perf_counter() - started)
                    db.session.rollback()
                    if args.explain and rep == 0:
                        plan = explain_page_query(engine, integration, query)
                        print(f"--- {label} ---\n{plan}", flush=True)
                        db.session.rollback()

    print(f"\n=== software search on {rows} rows, first page (ms), median [min–max] of {args.reps} ===")
    print("| Search | search | floor: count(*) same predicate |")
    print("|---|---|---|")
    for label in kinds:
        print(f"| {label} | {spread(times[(label, 'search')])} | {spread(times[(label, 'floor')])} |")
    print(f"(load average at the end: {os.getloadavg()})")
    if args.json:
        kinds_seconds = {
            label: {"search_seconds": times[(label, "search")], "floor_seconds": times[(label, "floor")]}
            for label in kinds
        }
        print(json.dumps({"rows": rows, "reps": args.reps, "kinds": kinds_seconds}))


if __name__ == "__main__":
    main()
