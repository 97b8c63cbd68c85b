"""Alert storm: 20,000 CONDITION deliveries through ``handle_condition``, then the tickets are counted.

    .venv/bin/python bench/alert_storm.py postgresql+psycopg://postgres@127.0.0.1/bench --reset
    .venv/bin/python bench/alert_storm.py            # SQLite file in /tmp

200 devices, each with two conditions (one or two episodes each: a trigger repeated 1-4 times, then
usually a reset) plus ten flapping devices (five trigger/reset cycles). Every activity is delivered
1-3 times (duplicates), triggers of a series arrive shuffled, and ~15 % of the resets arrive before
their triggers. Problems (device + condition) are interleaved at random, each keeping its own order
of episodes, as one worker sees them. One catch-all rule with the defaults (ticket, close on reset,
no reopen window, flapping at more than 3 cycles in 60 minutes).

Each delivery is processed like the webhook worker does it: a fresh app context, the integration
re-read, ``ActivitySchema`` load, ``handle_condition`` (which commits). The run fails unless exactly
the expected tickets, open tickets and alerts exist. Prints JSON with deliveries/s.

``--rq REDIS_URL`` takes the production path instead: every delivery is posted to the real receiver
(in-process test client; duplicates are answered 200 and stored once), then one real RQ worker
(``flask ninjaone worker --burst``, a separate process on the same database) drains the inbox. It
reports ingest and worker deliveries/s and fails unless every stored delivery ended ``done``. The
database must be one both processes reach (PostgreSQL, or a SQLite file); the Redis db is flushed.

``--tenants 2`` connects globex to the same fake as acme and posts the same storm to both tenants'
receivers (each tenant must end with exactly the expected tickets and alerts); ``--workers N`` drains
with N such workers at once. Drains are per tenant, so two workers on two tenants should approach
twice one worker's rate: compare ``--workers 1`` and ``--workers 2`` runs taken back to back.

With ``--rq`` the rate is timed over the workers' jobs, from the first job's start to the last job's
end (RQ's ``started_at``/``ended_at`` on the job hashes; the Redis db is flushed first, so every job is
this run's): neither the workers' start-up nor their shutdown is in it (both are reported apart).
The workers' CPU (user + sys, with their work horses) is reported raw and net of what one idle burst
worker costs (start-up and exit with nothing queued, measured first in the same run): CPU moves far
less with the shared machine's load than wall time does.

``--reset`` drops the extension's and the sample host's tables in the target database first: never
point it at a database you care about.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_support import drop_ninjaone_environment  # noqa: E402

drop_ninjaone_environment()  # the app is configured here; a stray NINJAONE_* variable would break it
WEBHOOK_SECRET = "bench-alert-storm-webhook-secret-0123456789"


@dataclass
class Problem:
    """One device + condition and the deliveries it produces, in the order one worker gets them."""

    deliveries: list[dict[str, Any]] = field(default_factory=list)
    series: int = 0
    tickets: int = 0
    open_tickets: int = 0
    active_alerts: int = 0


def _episode(
    state: Any, rng: random.Random, device_id: int, config_uid: str, *, last: bool
) -> tuple[list[dict], dict]:
    """One series: 1-4 triggers, then (unless it is the last episode and it stays active) a reset.

    Returns the deliveries and what the series should produce.
    """
    repeats = rng.randint(1, 4)
    triggers = [state.trigger_condition(device_id, source_config_uid=config_uid, severity=rng.choice(
        ["MINOR", "MODERATE", "MAJOR", "CRITICAL"]))["activities"][0] for _ in range(repeats)]  # fmt: skip
    resets = not last or rng.random() < 0.7
    reset_first = resets and rng.random() < 0.15
    copies = [dict(a) for a in triggers for _ in range(rng.randint(1, 3))]
    rng.shuffle(copies)
    outcome = {"ticket": 0 if reset_first else 1, "open": 0, "active": 0}
    if resets:
        reset = state.reset_alert(triggers[0]["seriesUid"])
        reset_copies = [dict(reset) for _ in range(rng.randint(1, 3))]
        copies = reset_copies + copies if reset_first else copies + reset_copies
    else:
        outcome.update(open=1, active=1)
    return copies, outcome


def build_storm(
    state: Any, device_ids: list[int], *, target: int, seed: int
) -> tuple[list[dict], dict[str, int]]:
    rng = random.Random(seed)
    problems: list[Problem] = []
    for index, device_id in enumerate(device_ids):
        for condition in ("cpu", "disk"):
            problem = Problem()
            episodes = rng.choice([1, 1, 2])
            for number in range(episodes):
                copies, outcome = _episode(
                    state, rng, device_id, f"{condition}-{device_id}", last=number == episodes - 1
                )
                problem.deliveries += copies
                problem.series += 1
                problem.tickets += outcome["ticket"]
                problem.open_tickets += outcome["open"]
                problem.active_alerts += outcome["active"]
            problems.append(problem)
        if index < 10:  # flapping: five quick cycles collapse into the third cycle's ticket
            problem = Problem()
            for _ in range(5):
                trigger = state.trigger_condition(device_id, source_config_uid=f"flap-{device_id}")[
                    "activities"
                ][0]
                reset = state.reset_alert(trigger["seriesUid"])
                problem.deliveries += [dict(trigger)] * rng.randint(1, 2) + [dict(reset)]
                problem.series += 1
            problem.tickets, problem.open_tickets = 3, 1
            problems.append(problem)
    # Pad with duplicates (right after an existing copy of the same activity) up to the target.
    total = sum(len(p.deliveries) for p in problems)
    while total < target:
        problem = rng.choice(problems)
        at = rng.randrange(len(problem.deliveries))
        problem.deliveries.insert(at + 1, dict(problem.deliveries[at]))
        total += 1
    # Interleave the problems at random, each keeping its own order.
    queues = [list(p.deliveries) for p in problems]
    order = [i for i, q in enumerate(queues) for _ in q]
    rng.shuffle(order)
    positions = [0] * len(queues)
    storm = []
    for i in order:
        storm.append(queues[i][positions[i]])
        positions[i] += 1
    expected = {
        "deliveries": len(storm),
        "alerts": sum(p.series for p in problems),
        "tickets": sum(p.tickets for p in problems),
        "open_tickets": sum(p.open_tickets for p in problems),
        "active_alerts": sum(p.active_alerts for p in problems),
    }
    return storm, expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", default="sqlite:////tmp/ninjaone-bench-alert-storm.db")
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reset", action="store_true", help="drop the extension's and host's tables first")
    parser.add_argument(
        "--rq", metavar="REDIS_URL", help="post to the receiver, drain with one real RQ worker"
    )
    parser.add_argument("--tenants", type=int, choices=(1, 2), default=1, help="acme, or acme and globex")
    parser.add_argument("--workers", type=int, default=1, help="RQ workers draining at once (with --rq)")
    args = parser.parse_args()
    if args.tenants > 1 and not args.rq:
        sys.exit("--tenants 2 needs --rq (the in-process path handles one tenant)")
    if args.url.startswith("postgresql://"):
        args.url = args.url.replace("postgresql://", "postgresql+psycopg://", 1)

    from cryptography.fernet import Fernet
    from sqlalchemy import func, inspect, select

    from flask_ninjaone import tenant_scope
    from flask_ninjaone.alerts.lifecycle import handle_condition
    from flask_ninjaone.client.schemas import ActivitySchema
    from flask_ninjaone.models import Alert, AlertStatus, Device, Integration, metadata
    from flask_ninjaone.state import get_state
    from flask_ninjaone.sync import runner
    from flask_ninjaone.tenancy import get_scoped
    from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet
    from flask_ninjaone.testing.fake_ninjaone.payloads import device_with_references
    from sample_host import create_app
    from sample_host.database import db
    from sample_host.models import Ticket

    if args.url.startswith("sqlite:////tmp/") and not args.reset:
        Path(args.url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    key = Fernet.generate_key().decode()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.url,
            "NINJAONE_ENCRYPTION_KEYS": key,
            "SECRET_KEY": "bench",
            "NINJAONE_REDIS_URL": args.rq,
        }
    )
    with app.app_context():
        engine = db.engine
        if "ninjaone_alerts" in inspect(engine).get_table_names():
            if not args.reset:
                sys.exit("The database already has the tables: pass --reset to drop them (destructive).")
            metadata.drop_all(engine)
            db.drop_all()
        db.create_all()
        metadata.create_all(engine)
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        tenants = [get_state().host.find_tenant(slug) for slug in ("acme", "globex")[: args.tenants]]
        tenant = tenants[0]
        if hasattr(runner, "_queue_inventory"):
            runner._queue_inventory = lambda integration: None  # not what this bench measures

        state = FakeState()
        seed_fleet(state, devices=int(args.devices * 1.4) + 20, organizations=5, seed=args.seed)
        with FakeNinjaOne(state) as fake, tenant_scope(tenant.id):
            receiver_paths = []
            for other in tenants[1:]:  # the same fleet, seen by a second tenant
                with tenant_scope(other.id):
                    receiver_paths.append(_connect(db.session, fake.url)[1])
                db.session.remove()
            integration_id, receiver_path = _connect(db.session, fake.url)
            receiver_paths.insert(0, receiver_path)
            device_ids = list(
                db.session.scalars(
                    select(Device.device_id)
                    .where(Device.host_asset_id.is_not(None))
                    .order_by(Device.device_id)
                )
            )[: args.devices]
            assert len(device_ids) == args.devices, f"only {len(device_ids)} devices synced"
            seeded_tickets = db.session.scalar(select(func.max(Ticket.id))) or 0

            print(f"generating the storm over {len(device_ids)} devices…", flush=True)
            storm, expected = build_storm(state, device_ids, target=args.deliveries, seed=args.seed)
            payloads = []
            for activity in storm:
                device = state.device(activity["deviceId"])
                location = next(
                    (
                        loc
                        for loc in state.locations_of(device["organizationId"])
                        if loc["id"] == device["locationId"]
                    ),
                    None,
                )
                payloads.append(
                    {
                        **activity,
                        "device": device_with_references(
                            device, state.organization(device["organizationId"]), location
                        ),
                    }
                )
            db.session.remove()

            print(f"processing {len(payloads)} deliveries…", flush=True)
            through_rq: dict[str, Any] = {}
            if args.rq:
                through_rq = _through_rq(app, receiver_paths, payloads, args.url, args.rq, key, args.workers)
                elapsed = through_rq.pop("worker_seconds")
            else:
                schema = ActivitySchema()
                started = time.perf_counter()
                for payload in payloads:
                    with app.app_context():
                        session = db.session
                        handle_condition(
                            session, get_scoped(session, Integration, integration_id), schema.load(payload)
                        )
                        session.remove()
                elapsed = time.perf_counter() - started

            got_by_tenant = {}
            for each in tenants:
                with tenant_scope(each.id):
                    ours = (Ticket.id > seeded_tickets) & (Ticket.tenant_id == int(each.id))
                    got_by_tenant[each.slug] = {
                        "deliveries": len(payloads),
                        "alerts": db.session.scalar(select(func.count()).select_from(Alert)),
                        "tickets": db.session.scalar(select(func.count()).select_from(Ticket).where(ours)),
                        "open_tickets": db.session.scalar(
                            select(func.count()).select_from(Ticket).where(ours, Ticket.status != "closed")
                        ),
                        "active_alerts": db.session.scalar(
                            select(func.count())
                            .select_from(Alert)
                            .where(Alert.status != AlertStatus.RESOLVED)
                        ),
                    }
            got = got_by_tenant[tenant.slug]
    report = {
        "database": args.url.split("://")[0],
        "path": f"receiver + {args.workers} RQ worker(s), {args.tenants} tenant(s)"
        if args.rq
        else "in-process handle_condition",
        "devices": args.devices,
        "seconds": round(elapsed, 2),
        # With --rq, what the worker processed: duplicates were answered 200 and never stored.
        "deliveries_per_second": round(through_rq.get("stored", len(payloads)) / elapsed, 1),
        **through_rq,
        "expected": expected,
        "got": got_by_tenant if args.tenants > 1 else got,
        "ok": all(each == expected for each in got_by_tenant.values())
        and through_rq.get("inbox", {}).keys() <= {"done"},
    }
    print(json.dumps(report, indent=2))
    if not report["ok"]:
        sys.exit("MISMATCH: the storm did not produce exactly the expected tickets and alerts, all processed")


def _connect(session: Any, fake_url: str) -> tuple[int, str]:
    """Connect the bound tenant to the fake, map its organizations, sync; (integration id, receiver path)."""
    from sqlalchemy import select

    from flask_ninjaone.alerts import rule_store
    from flask_ninjaone.connection.connect import connect_client_credentials
    from flask_ninjaone.models import Integration
    from flask_ninjaone.organizations import client_mapping as mapping
    from flask_ninjaone.sync import runner

    connect_client_credentials(
        session, client_id="demo-client-id", client_secret="demo-client-secret",
        region=None, custom_url=fake_url, actor=None,
        set_by_operator=True,  # the operator (this bench) picks the fake; tenants may not
    )  # fmt: skip
    integration = session.scalars(select(Integration)).one()
    integration.webhook_secret = WEBHOOK_SECRET
    mapping.apply_suggestions(session, integration, create_missing=True)
    run = runner.run_sync(integration.id, kind="full", trigger="manual")
    assert run.state == "succeeded", run.error
    rule_store.create_rule(session, name="Catch-all", conditions={}, actions={}, catch_all=True)
    return integration.id, f"/webhooks/ninjaone/{integration.public_id}"


def _through_rq(
    app: Any, paths: list[str], payloads: list[dict], url: str, redis_url: str, key: str, workers: int
) -> dict[str, Any]:
    """Post every delivery to each receiver, then time ``workers`` real workers draining the inbox
    at once, from their first job's start to their last job's end (see the module doc)."""
    from redis import Redis
    from rq.utils import utcparse
    from sqlalchemy import func, select

    from flask_ninjaone import system_scope
    from flask_ninjaone.models import WebhookDelivery
    from sample_host.database import db

    redis = Redis.from_url(redis_url)
    redis.flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "NINJAONE_REDIS_URL": redis_url,
        "NINJAONE_ENCRYPTION_KEYS": key,
        "SECRET_KEY": "bench",
        "PYTHONPATH": str(ROOT),
    }
    worker = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "sample_host:create_app()",
        "ninjaone",
        "worker",
        "--burst",
    ]
    idle_cpu, _ = _run_workers(worker, env, 1)  # start-up and exit with nothing queued
    client = app.test_client()
    headers = {"X-NinjaOne-Webhook-Secret": WEBHOOK_SECRET}
    answers: dict[int, int] = {}
    started = time.perf_counter()
    for payload in payloads:
        for path in paths:
            status = client.post(path, json=payload, headers=headers).status_code
            answers[status] = answers.get(status, 0) + 1
    ingest = time.perf_counter() - started
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    worker_cpu, failures = _run_workers(worker, env, workers)
    seconds = time.perf_counter() - started
    exited = time.time()
    if failures:
        sys.exit(f"a worker failed:\n{failures[0][-3000:]}")
    jobs = [redis.hmget(key, "started_at", "ended_at") for key in redis.scan_iter("rq:job:*", _type="hash")]
    spans = [(utcparse(a.decode()), utcparse(b.decode())) for a, b in jobs if a and b]
    first_start = min(a for a, _ in spans)
    last_end = max(b for _, b in spans)
    window = (last_end - first_start).total_seconds()
    with app.app_context(), system_scope():
        statuses = db.session.execute(
            select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
        ).all()
        first, last, mean_ms = db.session.execute(
            select(
                func.min(WebhookDelivery.processed_at),
                func.max(WebhookDelivery.processed_at),
                func.avg(WebhookDelivery.duration_ms),
            )
        ).one()
    stored = sum(count for _, count in statuses)
    # From the first delivery done to the last (session 16's measure; the job window above also holds
    # the first batch's work and the drains' last empty reads).
    span = (last - first).total_seconds() if first is not None and last is not None else None
    net_cpu = worker_cpu - workers * idle_cpu
    return {
        "worker_seconds": window,
        "jobs": len(spans),
        "process_seconds": round(seconds, 2),
        # After the last job ended, until the last worker process was gone (was up to 60 s: db303c1).
        "shutdown_seconds": round(exited - last_end.timestamp(), 2),
        "load_before_after": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "processing_span_seconds": round(span, 2) if span else None,
        "processed_per_second_in_span": round((stored - 1) / span, 1) if span else None,
        "mean_attempt_ms": round(float(mean_ms), 1) if mean_ms is not None else None,
        # What the load moves least: the workers' own CPU (PostgreSQL's is not in it).
        "worker_cpu_seconds": round(worker_cpu, 2),
        "worker_cpu_ms_per_delivery": round(1000 * worker_cpu / stored, 1) if stored else None,
        "idle_worker_cpu_seconds": round(idle_cpu, 2),
        "net_worker_cpu_ms_per_delivery": round(1000 * net_cpu / stored, 2) if stored else None,
        "answers": {str(status): count for status, count in sorted(answers.items())},
        "ingest_per_second": round(len(payloads) * len(paths) / ingest, 1),
        "stored": stored,
        "inbox": {str(status): count for status, count in statuses},
    }


def _run_workers(command: list[str], env: dict[str, str], count: int) -> tuple[float, list[str]]:
    """Run ``count`` burst workers at once until they exit; their CPU seconds (user + sys, their work
    horses included) and the stderr of those that failed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    running = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for _ in range(count)
    ]
    failures = [stderr for process in running if (stderr := process.communicate()[1]) and process.returncode]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), failures


if __name__ == "__main__":
    main()
