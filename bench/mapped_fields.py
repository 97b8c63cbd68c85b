"""Inventory walk with custom fields and last logons (10k devices) beside the same walk without them.

    .venv/bin/python bench/mapped_fields.py                       # SQLite file in /tmp
    .venv/bin/python bench/mapped_fields.py postgresql+psycopg://postgres@127.0.0.1/bench --reset

After a device sync and one inventory refresh (not timed), each round runs, interleaved and with the
order flipped every other round:

* *without*: the refresh with no field mapped and contact linking off (the walk as before);
* *with, first*: five fields mapped (text, dropdown, date, checkbox, number) and contacts linked with
  creation on, after the stored field values, logons and contacts were forgotten: everything written;
* *with, no change*: the same again with nothing changed in NinjaOne.

For each it prints wall seconds, the fake's request counts per endpoint, and the per-device calls
(any ``/v2/device/{id}/…``; must be 0); then per-round ratios to *without* and their median
[min–max]. Only ratios from one run mean anything on a shared machine.

``--reset`` drops the extension's and the sample host's tables in the target database first: never
point it at a database you care about.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_support import fake_counters, fake_ninjaone, reset_fake_counters  # noqa: E402

MAPPED = {
    "assetTag": "asset_tag",
    "costCenter": "cost_center",
    "purchaseDate": "purchase_date",
    "diskEncrypted": "disk_encrypted",
    "rackUnits": "rack_units",
}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3g} [{min(values):.3g}–{max(values):.3g}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default="sqlite:////tmp/ninjaone-bench-mapped-fields.db")
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--organizations", type=int, default=20)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--reset", action="store_true", help="drop the extension's and host's tables first")
    args = parser.parse_args()

    from cryptography.fernet import Fernet
    from sqlalchemy import delete, inspect, select, update

    from flask_ninjaone import tenant_scope
    from flask_ninjaone.connection.api_client import client_for
    from flask_ninjaone.connection.connect import connect_client_credentials
    from flask_ninjaone.inventory import field_map
    from flask_ninjaone.inventory.refresh import refresh_inventory
    from flask_ninjaone.models import DeviceAttributes, FieldMapping, Integration, metadata
    from flask_ninjaone.organizations import client_mapping as mapping
    from flask_ninjaone.state import get_state
    from flask_ninjaone.sync import runner
    from sample_host import create_app
    from sample_host.asset_attributes import ATTRIBUTES
    from sample_host.database import db
    from sample_host.models import Asset, Contact

    if args.url.startswith("sqlite:////tmp/") and not args.reset:
        Path(args.url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.url,
            "NINJAONE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SECRET_KEY": "bench",
            "NINJAONE_HTTP_TIMEOUT": 120.0,
        }
    )
    with app.app_context():
        engine = db.engine
        if "ninjaone_devices" in inspect(engine).get_table_names():
            if not args.reset:
                sys.exit("The database already has the tables: pass --reset to drop them (destructive).")
            metadata.drop_all(engine)
            db.drop_all()
        db.create_all()
        metadata.create_all(engine)
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        tenant = get_state().host.find_tenant("acme")
        runner._queue_inventory = lambda integration: None  # the bench runs the refreshes itself

        print(f"seeding a fake fleet of {args.devices} devices…", flush=True)
        with fake_ninjaone(args.devices, organizations=args.organizations) as url, tenant_scope(tenant.id):
            connect_client_credentials(
                db.session, client_id="demo-client-id", client_secret="demo-client-secret",
                region=None, custom_url=url, actor=None, set_by_operator=True,
            )  # fmt: skip
            integration = db.session.scalars(select(Integration)).one()
            mapping.apply_suggestions(db.session, integration, create_missing=True)
            integration_id = integration.id
            sync = runner.run_sync(integration_id, kind="full")
            assert sync.state == "succeeded", sync.error
            started = time.perf_counter()
            assert refresh_inventory(integration_id, trigger="bench").state == "succeeded"
            print(f"initial inventory refresh: {time.perf_counter() - started:.1f}s", flush=True)

            def configure(on: bool) -> None:
                integration = db.session.get(Integration, integration_id)
                db.session.execute(delete(FieldMapping))
                if on:
                    with client_for(integration) as client:
                        definitions = field_map.read_definitions(client)
                    for name, key in MAPPED.items():
                        field_map.save_mapping(
                            db.session, integration, definitions, ATTRIBUTES, name, key, two_way=True
                        )
                field_map.save_contact_settings(db.session, integration, link=on, create=on)
                db.session.commit()

            def forget() -> None:
                """Back to "never read": no stored values or logons, no contacts, no attributes."""
                db.session.execute(delete(DeviceAttributes))
                db.session.execute(delete(Contact))
                db.session.execute(update(Asset).values(custom_attributes={}))
                db.session.commit()

            def walk(label: str) -> dict[str, object]:
                db.session.expunge_all()
                reset_fake_counters(url)
                started = time.perf_counter()
                run = refresh_inventory(integration_id, trigger="bench")
                seconds = time.perf_counter() - started
                assert run.state == "succeeded", run.error
                requests = fake_counters(url)["requests"]
                per_device = sum(n for key, n in requests.items() if "/v2/device/" in key)
                mapped = {
                    k: v for k, v in run.counts.items() if k.startswith(("custom_", "logon_", "contacts_"))
                }
                result = {
                    "seconds": round(seconds, 2),
                    "requests": sum(requests.values()),
                    "per_device_calls": per_device,
                    "by_endpoint": requests,
                    "counts": mapped,
                }
                print(label, json.dumps(result), flush=True)
                assert per_device == 0, "a per-device call in the walk"
                return result

            def without() -> dict[str, object]:
                configure(False)
                return walk("without")

            def with_fields() -> tuple[dict[str, object], dict[str, object]]:
                configure(True)
                forget()
                first = walk("with_first")
                steady = walk("with_no_change")
                assert steady["counts"].get("custom_fields_written") == 0
                return first, steady

            rounds = []
            for rep in range(args.reps):
                if rep % 2 == 0:
                    base = without()
                    first, steady = with_fields()
                else:
                    first, steady = with_fields()
                    base = without()
                rounds.append(
                    {
                        "without_s": base["seconds"],
                        "with_first_s": first["seconds"],
                        "with_no_change_s": steady["seconds"],
                        "first_over_without": round(first["seconds"] / base["seconds"], 3),
                        "no_change_over_without": round(steady["seconds"] / base["seconds"], 3),
                        "extra_requests": steady["requests"] - base["requests"],
                    }
                )
                print("round", json.dumps(rounds[-1]), flush=True)
            summary = {key: spread([r[key] for r in rounds]) for key in rounds[0]}
            print("summary", json.dumps(summary), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
