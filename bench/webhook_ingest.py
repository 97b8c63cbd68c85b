"""Webhook ingest: the receiver under gunicorn vs a no-op Flask route under the same gunicorn (issue 6).

    .venv/bin/python bench/webhook_ingest.py                     # PostgreSQL ninjaone_bench + Redis db 9
    .venv/bin/python bench/webhook_ingest.py postgresql://postgres@127.0.0.1/bench_x --redis redis://127.0.0.1:6379/7
    .venv/bin/python bench/webhook_ingest.py sqlite:////tmp/ninjaone-bench-ingest.db

Setup (child process, real services): the bench database is dropped and created again, Redis db 9 (or
``--redis URL``) flushed, the schemas created, ``seed`` run, acme connected to a small fake NinjaOne
(``connect_client_credentials``) and the integration's webhook secret set directly in the database.

Then, one server at a time, the same command line ``gunicorn -w 2 -b 127.0.0.1:PORT APP`` (sync
workers; with ``--threads N`` the same two workers as ``gthread`` workers of N threads each, the
usual deployment of an I/O-bound Flask app, for every server) serves

* ``sample_host:create_app()`` with ``DATABASE_URL`` = the bench database, ``NINJAONE_REDIS_URL`` =
  Redis db 9 and ``NINJAONE_ENCRYPTION_KEYS`` set: ``POST /webhooks/ninjaone/<public id>`` is the
  real receiver (lookup, constant-time secret check, validation, inbox insert, ringing the tenant's
  doorbell — a Redis ``SET NX`` that enqueues a drain job only when it was not already ringing);
* ``bench.noop_app:create_app()``: the same path answered 202 after reading the body;
* ``bench.durable_floor_app:create_app()``: the same path doing only one ``INSERT`` + ``COMMIT``
  (plain psycopg) and one Redis ``RPUSH`` per delivery — the ceiling of any receiver that commits
  each delivery before acknowledging it, reported beside the target.

Each gets the same load: a warm-up, then (1) maximum throughput for 15 s with ``wrk`` (one thread,
8 connections, a Lua script giving every request a unique activity id), and (2) a fixed 200
deliveries/s for 15 s (both: ``--duration``) from an open-loop generator (one asyncio thread
writing HTTP/1.1 by hand, so the generator's own CPU stays small beside the server's; latency is
measured from each request's *scheduled* time, so a stalled server cannot hide queueing). Bodies
are real Activity deliveries shaped like ``webhook-condition-triggered.json`` (CONDITION /
TRIGGERED with the expanded device), each with a unique activity id and the valid secret.

Targets (issue 6): receiver throughput >= 0.5 x the no-op's; p99 < 50 ms at 200 deliveries/s.
Afterwards the inbox is checked against the answers: every 202 has its row (by the delivery id in
the answer) and the rows equal the 202s; a request wrk abandoned at its deadline may have been
stored without its answer being read, which is reported separately. No RQ worker runs: the
deliveries stay pending and Redis db 9 is flushed at the end. So the doorbell, once rung, stays
rung for the run and each delivery costs one ``SET NX``; with a worker that keeps up, a drain that
empties the inbox lets the next delivery enqueue again (at most one job per delivery, as before
drains existed).

When a target is missed (``--profile auto``), the receiver is run in-process in a child with the
same environment (Flask test client): milliseconds per delivery in each step, round trips per
delivery (SQL statements, pool checkouts, new Redis connections), and cProfile inside the view.

``--compare DIR`` adds server ``base``: the receiver of another checkout (``git archive`` of main),
same command line, same database and Redis, its own activity ids, checked against the inbox alike;
the ratios receiver / base and base / durable floor are taken within each round.

The servers are measured in ``--rounds`` rounds (default 3), the order flipped every round so
drifting load from other work on the machine lands on all of them; every ratio is taken within a
round and reported as median [min–max].

WARNING: the target database is dropped and re-created and the Redis database (``--redis``, default
db 9) is flushed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from bench_support import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    emit,
    fake_ninjaone,
    free_port,
    recreate_database,
    run_child,
    sqlalchemy_url,
)

#: Default Redis database (``--redis``): flushed at the start and at the end of a run.
REDIS_URL = "redis://127.0.0.1:6379/9"
#: Activity ids each phase of each server may use (its deliveries are told apart by range).
PHASE_SPAN = 1_000_000
SECRET = "bench-webhook-secret-0123456789abcdef"
HEADER = "X-NinjaOne-Webhook-Secret"
SAMPLE = ROOT / "tests/contract/ninjaone/samples/webhook-condition-triggered.json"
DURATION = 15.0  # seconds of each measured phase (``--duration``)
RATE = 200.0
WRK_CONNECTIONS = 8
WRK_THREADS = 1
WARMUP = 100
THROUGHPUT_TARGET = 0.5
P99_TARGET_MS = 50.0


# ---------------------------------------------------------------------------------------------------------
# setup child
# ---------------------------------------------------------------------------------------------------------


def child_setup(spec: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import select

    from flask_ninjaone import tenant_scope
    from flask_ninjaone.connection.connect import connect_client_credentials
    from flask_ninjaone.models import Integration, metadata
    from flask_ninjaone.organizations import client_mapping as mapping
    from flask_ninjaone.state import get_state
    from sample_host import create_app
    from sample_host.database import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": spec["db"],
            "NINJAONE_ENCRYPTION_KEYS": spec["key"],
            "SECRET_KEY": "bench",
            "NINJAONE_REDIS_URL": None,
        }
    )
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
            mapping.apply_suggestions(db.session, integration, create_missing=True)
            integration.webhook_secret = SECRET
            db.session.commit()
            return {"tenant_id": str(tenant.id), "integration_id": integration.id,
                    "public_id": integration.public_id}  # fmt: skip


def child_profile(spec: dict[str, Any]) -> dict[str, Any]:
    """The receiver in-process (Flask test client, same environment as the gunicorn workers):
    a timed breakdown of its steps, then cProfile over the same number of deliveries.

    The wrappers exist only in this child; product code is not changed.
    """
    import cProfile
    import functools
    import io
    import pstats

    import flask_ninjaone.blueprints.webhook_receiver as receiver
    import flask_ninjaone.webhooks.inbox as inbox
    import flask_ninjaone.webhooks.receiver_cache as receivers
    from sample_host import create_app

    os.environ.update(spec["env"])
    app = create_app()
    prefix, suffix = body_template()
    headers = {"Content-Type": "application/json", HEADER: SECRET}
    client = app.test_client()
    counter = iter(range(spec["id_base"], spec["id_base"] + 10_000_000))

    def post() -> int:
        body = prefix + str(next(counter)) + suffix
        return client.post(spec["path"], data=body, headers=headers).status_code

    for _ in range(20):  # warm: connections, imports
        assert post() == 202
    seconds: dict[str, float] = {}
    originals: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, label: str) -> None:
        original = owner[name] if isinstance(owner, dict) else getattr(owner, name)
        originals.append((owner, name, original))

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - started

        if isinstance(owner, dict):
            owner[name] = timed
        else:
            setattr(owner, name, timed)

    wrap(receivers, "find", "receivers.find (integration by public id, cached per process)")
    wrap(receiver, "secret_matches", "secret_matches (compare)")
    wrap(receiver._delivery_schema, "load", "DeliverySchema.load (the activity's own fields)")
    wrap(inbox, "store", "inbox.store (INSERT ... SELECT re-checking the secrets + commit)")
    wrap(inbox, "ring", "inbox.ring (doorbell SET NX; RQ enqueue when newly rung)")
    wrap(inbox, "enqueue", "  jobs.enqueue")
    view = f"{receiver.bp.name}.receive"
    wrap(app.view_functions, view, "receive view (total)")
    # Round trips per delivery: SQL statements, transaction ends, new Redis connections. On PostgreSQL
    # the inbox insert runs on the driver itself (see inbox._execute_on_driver): no statement event,
    # so it is not in "SQL ..." but its pool checkout is.
    from redis.connection import ConnectionPool
    from sqlalchemy import event

    from sample_host.database import db

    trips: Counter[str] = Counter()
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def statement(conn, cursor, text, parameters, context, executemany):
        trips["SQL " + text.lstrip().split(None, 1)[0].upper()] += 1

    @event.listens_for(engine, "commit")
    def commit(conn):
        trips["SQL COMMIT"] += 1

    @event.listens_for(engine, "rollback")
    def rollback(conn):
        trips["SQL ROLLBACK"] += 1

    pre_ping = bool(getattr(engine.pool, "_pre_ping", False))

    @event.listens_for(engine, "checkout")
    def checkout(dbapi_connection, record, proxy):
        trips["pool checkout" + (" (+ pre-ping SELECT 1)" if pre_ping else "")] += 1

    @event.listens_for(engine, "reset")
    def reset(dbapi_connection, record, reset_state):
        trips["pool reset on return (ROLLBACK)"] += 1

    make_connection = ConnectionPool.make_connection

    def counted(self: Any) -> Any:
        trips["new Redis connections"] += 1
        return make_connection(self)

    ConnectionPool.make_connection = counted  # type: ignore[method-assign]
    count = spec["count"]
    started = time.perf_counter()
    statuses = Counter(post() for _ in range(count))
    wall = time.perf_counter() - started
    ConnectionPool.make_connection = make_connection  # type: ignore[method-assign]
    event.remove(engine, "before_cursor_execute", statement)
    event.remove(engine, "commit", commit)
    event.remove(engine, "rollback", rollback)
    event.remove(engine, "checkout", checkout)
    event.remove(engine, "reset", reset)
    breakdown = {k: round(v / count * 1000, 3) for k, v in sorted(seconds.items(), key=lambda i: -i[1])}
    for owner, name, original in reversed(originals):
        if isinstance(owner, dict):
            owner[name] = original
        else:
            setattr(owner, name, original)

    # cProfile inside the view only (the test client's own work is left out).
    profiler = cProfile.Profile()
    receive = app.view_functions[view]

    @functools.wraps(receive)
    def profiled(*args: Any, **kwargs: Any) -> Any:
        profiler.enable()
        try:
            return receive(*args, **kwargs)
        finally:
            profiler.disable()

    app.view_functions[view] = profiled
    for _ in range(count):
        post()
    app.view_functions[view] = receive
    cumulative, own = io.StringIO(), io.StringIO()
    pstats.Stats(profiler, stream=cumulative).sort_stats("cumulative").print_stats(15)
    pstats.Stats(profiler, stream=own).sort_stats("tottime").print_stats(15)
    return {
        "deliveries": count,
        "statuses": {str(k): v for k, v in statuses.items()},
        "ms_per_delivery_in_process": round(wall / count * 1000, 3),
        "ms_per_delivery_by_step": breakdown,
        "per_delivery": {k: round(v / count, 2) for k, v in sorted(trips.items())},
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "profile": cumulative.getvalue(),
        "profile_tottime": own.getvalue(),
    }


# ---------------------------------------------------------------------------------------------------------
# bodies and load generators
# ---------------------------------------------------------------------------------------------------------

ID_MARK = "__ACTIVITY_ID__"


def body_template() -> tuple[str, str]:
    """(prefix, suffix) of a delivery body around its activity id (``"id"`` is the first key)."""
    sample = json.loads(SAMPLE.read_text())
    sample.pop("id")
    sample["activityTime"] = round(time.time(), 3)
    text = json.dumps({"id": ID_MARK, **sample}, separators=(",", ":"))
    prefix, suffix = text.split(f'"{ID_MARK}"')
    return prefix, suffix


def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(pct / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


WRK_SCRIPT = r"""
-- Unique activity ids per request; per-thread status counts and accepted delivery ids.
local prefix = [==[{prefix}]==]
local suffix = [==[{suffix}]==]
local path = "{path}"
local headers = {{["Content-Type"] = "application/json", ["{header}"] = "{secret}"}}
local threads = {{}}
local next_tid = 0
base = 0
tid = 0
nthreads = 1
counter = 0
statuses = {{}}
ids = {{}}

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  base = tonumber(args[1])
  nthreads = tonumber(args[2])
end

function request()
  counter = counter + 1
  local id = string.format("%d", base + counter * nthreads + tid)
  return wrk.format("POST", path, headers, prefix .. id .. suffix)
end

function response(status, hdrs, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status == 202 then
    local delivery = body:match('"id":%s*(%d+)')
    if delivery then ids[#ids + 1] = delivery end
  end
end

function done(summary, latency, requests)
  local merged = {{}}
  local all_ids = {{}}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for key, value in pairs(counts) do merged[key] = (merged[key] or 0) + value end
    for _, value in ipairs(thread:get("ids")) do all_ids[#all_ids + 1] = value end
  end
  local parts = {{}}
  for key, value in pairs(merged) do parts[#parts + 1] = string.format('"%s":%d', key, value) end
  local e = summary.errors
  io.write(string.format(
    '\n{{"requests":%d,"duration_us":%d,"bytes":%d,"statuses":{{%s}},"errors":{{"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d}},' ..
    '"latency_us":{{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d}},' ..
    '"delivery_ids":[%s]}}\n',
    summary.requests, summary.duration, summary.bytes, table.concat(parts, ","),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    table.concat(all_ids, ",")))
end
"""


def run_wrk(base_url: str, path: str, *, id_base: int, workdir: Path, duration: float) -> dict[str, Any]:
    prefix, suffix = body_template()
    script = workdir / f"ingest-{id_base}.lua"
    script.write_text(
        WRK_SCRIPT.format(prefix=prefix, suffix=suffix, path=path, header=HEADER, secret=SECRET)
    )
    command = [
        "wrk", "-t", str(WRK_THREADS), "-c", str(WRK_CONNECTIONS), "-d", f"{int(duration)}s",
        "--timeout", "10s", "--latency", "-s", str(script), base_url, "--", str(id_base), str(WRK_THREADS),
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr}")
    result = json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])
    seconds = result["duration_us"] / 1e6
    accepted = result["statuses"].get("202", 0)
    return {
        "generator": f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{int(duration)}s",
        "seconds": round(seconds, 2),
        "requests": result["requests"],
        "statuses": result["statuses"],
        "errors": result["errors"],
        "accepted": accepted,
        "accepted_per_second": round(accepted / seconds, 1),
        "requests_per_second": round(result["requests"] / seconds, 1),
        "latency_ms": {k: round(v / 1000, 2) for k, v in result["latency_us"].items()},
        "delivery_ids": [int(x) for x in result["delivery_ids"]],
    }


def _delivery_id(status: int, answer: bytes) -> int | None:
    """The inbox id a 202 names (checked against the inbox afterwards)."""
    if status != 202:
        return None
    try:
        value = json.loads(answer).get("id")
    except ValueError:
        return None
    return value if isinstance(value, int) else None


def run_python(
    base_url: str, path: str, *, id_base: int, rate: float | None, duration: float, count: int | None = None,
    connections: int = 256,
) -> dict[str, Any]:  # fmt: skip
    """Open-loop at ``rate`` per second for ``duration`` (or ``count`` requests back to back).

    One asyncio thread writes HTTP/1.1 by hand over up to ``connections`` sockets (reused when the
    server keeps them alive; gunicorn's sync workers close every one; a request that finds its idle
    connection closed by the server's keep-alive timeout is sent again on a new one, as HTTP clients
    do): on this two-core machine a
    pool of ``requests`` threads cost more CPU per request than the no-op route itself and its
    queueing showed up as the servers' latency. A request is sent at its scheduled time whether or
    not earlier ones have been answered; latency is measured from that scheduled time (so a stalled
    server cannot hide queueing) and, separately, from the actual send (the service time).
    """
    import asyncio
    from urllib.parse import urlsplit

    prefix, suffix = body_template()
    address = urlsplit(base_url)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
        f"{HEADER}: {SECRET}\r\n"
    )
    total = count if count is not None else int(rate * duration)
    results: list[tuple[int, float, float, int | None]] = []
    errors: Counter[str] = Counter()

    async def exchange(idle: list, body: bytes) -> tuple[int, bytes]:
        request = f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
        reader, writer = idle.pop() if idle else (None, None)
        if reader is not None:
            writer.write(request)
            line = await reader.readline()
            if not line:  # the server closed the idle connection (keep-alive timeout) before reading
                writer.close()
                reader = None
        if reader is None:
            reader, writer = await asyncio.open_connection(address.hostname, address.port)
            writer.write(request)
            line = await reader.readline()
        status = int(line.split()[1])
        length, close = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                close = value.strip().lower() == "close"
        answer = await reader.readexactly(length)
        if close:
            writer.close()
        else:
            idle.append((reader, writer))
        return status, answer

    async def one(idle: list, gate: asyncio.Semaphore, number: int, scheduled: float) -> None:
        async with gate:
            sent = time.perf_counter()
            try:
                status, answer = await asyncio.wait_for(
                    exchange(idle, (prefix + str(id_base + number) + suffix).encode()), 30
                )
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                errors[type(exc).__name__] += 1
                return
            end = time.perf_counter()
        results.append((status, end - scheduled, end - sent, _delivery_id(status, answer)))

    async def drive() -> float:
        idle: list = []
        gate = asyncio.Semaphore(connections if rate else 1)
        started = time.perf_counter() + 0.1
        tasks = []
        for number in range(total):
            scheduled = started + number / rate if rate else time.perf_counter()
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if rate:
                tasks.append(asyncio.create_task(one(idle, gate, number, scheduled)))
            else:
                await one(idle, gate, number, scheduled)
        await asyncio.gather(*tasks)
        for _, writer in idle:
            writer.close()
        return time.perf_counter() - started

    elapsed = asyncio.run(drive())
    statuses = Counter(str(status) for status, *_ in results)
    latency = [r[1] * 1000 for r in results]
    service = [r[2] * 1000 for r in results]
    accepted = statuses.get("202", 0)
    return {
        "generator": f"python asyncio open loop, <= {connections} connections"
        if rate
        else "python sequential",
        "target_rate": rate,
        "seconds": round(elapsed, 2),
        "requests": total,
        "completed": len(results),
        "statuses": dict(statuses),
        "errors": dict(errors),
        "accepted": accepted,
        "accepted_per_second": round(accepted / elapsed, 1),
        "latency_ms": {  # from the scheduled send time
            "p50": round(percentile(latency, 50) or 0, 2),
            "p90": round(percentile(latency, 90) or 0, 2),
            "p99": round(percentile(latency, 99) or 0, 2),
            "max": round(max(latency, default=0), 2),
        },
        "service_ms": {  # from the actual send
            "p50": round(percentile(service, 50) or 0, 2),
            "p99": round(percentile(service, 99) or 0, 2),
        },
        "delivery_ids": [r[3] for r in results if r[3] is not None],
    }


# ---------------------------------------------------------------------------------------------------------
# gunicorn
# ---------------------------------------------------------------------------------------------------------


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], log: Path, threads: int, root: Path = ROOT) -> Iterator[str]:
    import requests

    binary = Path(sys.executable).parent / "gunicorn"
    port = free_port()
    workers = ["-k", "gthread", "--threads", str(threads)] if threads > 1 else []
    command = [str(binary), "-w", "2", *workers, "-b", f"127.0.0.1:{port}", app_spec]
    with open(log, "ab") as log_file:
        process = subprocess.Popen(command, cwd=str(root), env=env, stdout=log_file, stderr=log_file)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/webhooks/ninjaone/ping", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {log.read_text()[-3000:]}") from None
                time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def server_env(url: str, key: str, redis_url: str) -> dict[str, str]:
    """The environment of a twelve-factor deployment of the sample host (and nothing NINJAONE_* else:
    the extension rejects keys it does not know)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NINJAONE_") and k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=url,
        NINJAONE_REDIS_URL=redis_url,
        NINJAONE_ENCRYPTION_KEYS=key,
        SECRET_KEY="bench-secret-key",
        PYTHONPATH=str(ROOT),
    )
    return env


# ---------------------------------------------------------------------------------------------------------
# parent
# ---------------------------------------------------------------------------------------------------------


def inbox_rows(url: str) -> dict[int, int]:
    """Delivery id → activity id of every stored inbox row."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT id, activity_id FROM ninjaone_webhook_inbox")).all())
    finally:
        engine.dispose()


def redis_queue_length(redis_url: str) -> int | None:
    from redis import Redis

    try:
        return Redis.from_url(redis_url).llen("rq:queue:ninjaone")
    except Exception:  # noqa: BLE001 - reported as unknown
        return None


def flush_redis(redis_url: str) -> None:
    from redis import Redis

    Redis.from_url(redis_url).flushdb()


def spread(values: list[float]) -> dict[str, float]:
    """Median and range of one figure over the rounds."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return {"median": round(median, 3), "min": round(ordered[0], 3), "max": round(ordered[-1], 3)}


def median_runs(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One server's runs from its median round by maximum throughput (figures stay consistent)."""
    ordered = sorted(rounds, key=lambda runs: runs["max"]["accepted_per_second"])
    return ordered[(len(ordered) - 1) // 2]


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        children = {"setup": child_setup, "profile": child_profile}
        print(json.dumps(children[sys.argv[2]](json.loads(sys.argv[3])), default=str))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=DEFAULT_DATABASE_URL,
                        help="database to DROP and re-create (default: %(default)s)")  # fmt: skip
    parser.add_argument("--profile", choices=("auto", "always", "never"), default="auto",
                        help="profile the receiver in-process: auto = when a target is missed")  # fmt: skip
    parser.add_argument("--profile-deliveries", type=int, default=300)
    parser.add_argument("--redis", default=REDIS_URL,
                        help="Redis database to use and FLUSH (default: %(default)s)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds, server order flipped each round (default: %(default)s)")  # fmt: skip
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="also serve the receiver of another checkout (e.g. main exported with git "
                             "archive) as server 'base', interleaved with the others")  # fmt: skip
    parser.add_argument("--duration", type=float, default=DURATION,
                        help="seconds of each measured phase, wrk and 200/s (default: %(default)s; "
                             "shorter only to check the plumbing)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=1,
                        help="gthread workers with this many threads each (1 = sync workers)")  # fmt: skip
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk)")

    from cryptography.fernet import Fernet

    url = sqlalchemy_url(args.url)
    key = Fernet.generate_key().decode()
    workdir = Path(tempfile.mkdtemp(prefix="ninjaone-ingest-"))
    log = workdir / "gunicorn.log"
    report: dict[str, Any] = {"database": url.split("://")[0], "redis": args.redis, "threads": args.threads}
    try:
        recreate_database(url)
        flush_redis(args.redis)
        with fake_ninjaone(40, organizations=2) as fake:
            setup = run_child(__file__, "--child", "setup", json.dumps({"db": url, "key": key, "fake": fake}))
        path = f"/webhooks/ninjaone/{setup['public_id']}"
        emit({"event": "setup", **setup, "path": path})
        env = server_env(url, key, args.redis)
        apps = {
            "receiver": "sample_host:create_app()",
            "noop": "bench.noop_app:create_app()",
            "floor": "bench.durable_floor_app:create_app()",
            "batched": "bench.durable_floor_app:create_app(batched=True)",
        }
        phases: dict[str, dict[str, Any]] = {}  # receiver phases: id range, answers
        roots = {name: ROOT for name in apps}
        if args.compare:
            apps["base"] = apps["receiver"]
            roots["base"] = args.compare.resolve()
        names = list(apps)
        report["rounds"] = []
        for round_number in range(args.rounds):
            # Servers run one after another; flipping the order every round puts drifting machine load
            # on every server alike instead of always on the last one.
            order = names if round_number % 2 == 0 else list(reversed(names))
            measured: dict[str, Any] = {"order": order}
            for name in order:
                slot = round_number * len(names) + names.index(name)
                bases = {label: (slot * 10 + offset) * PHASE_SPAN
                         for offset, label in ((1, "warmup"), (2, "max"), (3, "fixed_200"))}  # fmt: skip
                server = {**env, "PYTHONPATH": str(roots[name])}
                with gunicorn(apps[name], server, log, args.threads, roots[name]) as base:
                    runs: dict[str, Any] = {}
                    runs["warmup"] = run_python(base, path, id_base=bases["warmup"], rate=None, duration=0,
                                                count=WARMUP)  # fmt: skip
                    if runs["warmup"]["statuses"] != {"202": WARMUP}:
                        raise RuntimeError(f"{name} warm-up answered {runs['warmup']['statuses']} "
                                           f"{runs['warmup']['errors']}: see {log}")  # fmt: skip
                    runs["max"] = run_wrk(base, path, id_base=bases["max"], workdir=workdir,
                                          duration=args.duration)  # fmt: skip
                    time.sleep(1.0)
                    runs["fixed_200"] = run_python(base, path, id_base=bases["fixed_200"], rate=RATE,
                                                   duration=args.duration)  # fmt: skip
                for label, run in runs.items():
                    ids = run.pop("delivery_ids")
                    if name in ("receiver", "base"):  # both store in the inbox, by activity id range
                        key_ = f"{label}#{round_number}" + ("" if name == "receiver" else f"@{name}")
                        phases[key_] = {"id_base": bases[label], "accepted": run["accepted"], "ids": ids}
                measured[name] = runs
                emit({"event": "server", "round": round_number, "app": name, **runs})
            report["rounds"].append(measured)
        # The figures below are medians over the rounds; each ratio is taken within a round.
        for name in names:
            report[name] = median_runs([measured[name] for measured in report["rounds"]])

        # ---- the inbox against the answers, phase by phase (activity id ranges)
        time.sleep(1.0)
        rows = inbox_rows(url)  # delivery id -> activity id
        check: dict[str, Any] = {}
        for label, phase in phases.items():
            stored = {d for d, a in rows.items() if phase["id_base"] <= a < phase["id_base"] + PHASE_SPAN}
            acked = set(phase["ids"])
            check[label] = {
                "rows": len(stored),
                "answers_202": phase["accepted"],
                "answered_202_without_row": len(acked - stored),
                "rows_without_a_202_read": len(stored - acked),
            }
        total_rows, total_202 = len(rows), sum(p["accepted"] for p in phases.values())
        unread = sum(c["rows_without_a_202_read"] for c in check.values())
        lost = sum(c["answered_202_without_row"] for c in check.values())
        report["inbox"] = {
            "rows": total_rows,
            "answers_202": total_202,
            "by_phase": check,
            "rq_jobs_queued": redis_queue_length(args.redis),
            "equal": total_rows == total_202 and lost == 0,
            # wrk stops at its deadline with requests in flight: the server stored and answered them,
            # nobody read the answer. At most one per connection, and only in the wrk phase.
            "equal_except_wrk_cutoff": lost == 0
            and all(
                c["rows_without_a_202_read"] <= (WRK_CONNECTIONS if label.startswith("max#") else 0)
                for label, c in check.items()
            ),
            "unread_at_wrk_deadline": unread,
        }
        emit({"event": "inbox", **report["inbox"]})

        # ---- targets
        noop = report["noop"]

        def per_round(server: str, over: str) -> list[float]:
            return [
                measured[server]["max"]["accepted_per_second"] / measured[over]["max"]["accepted_per_second"]
                for measured in report["rounds"]
            ]

        ratio = spread(per_round("receiver", "noop"))["median"]
        p99s = [measured["receiver"]["fixed_200"]["latency_ms"]["p99"] for measured in report["rounds"]]
        p99 = max(p99s)
        fixed_ok = all(
            m["receiver"]["fixed_200"]["accepted"] == m["receiver"]["fixed_200"]["requests"]
            for m in report["rounds"]
        )
        report["targets"] = {
            "throughput_ratio": round(ratio, 3),
            "throughput_met": ratio >= THROUGHPUT_TARGET,
            "p99_at_200_ms": p99,
            "p99_met": p99 < P99_TARGET_MS and fixed_ok,
        }
        report["spread"] = {
            "receiver_over_noop": spread(per_round("receiver", "noop")),
            "receiver_over_durable_floor": spread(per_round("receiver", "floor")),
            "floor_over_noop": spread(per_round("floor", "noop")),
            "receiver_p99_at_200_ms": spread(p99s),
        }
        if args.compare:
            report["spread"].update(
                base_over_durable_floor=spread(per_round("base", "floor")),
                receiver_over_base=spread(per_round("receiver", "base")),
                base_p99_at_200_ms=spread(
                    [m["base"]["fixed_200"]["latency_ms"]["p99"] for m in report["rounds"]]
                ),
            )
        emit({"event": "targets", **report["targets"]})

        server = f"gthread workers x {args.threads} threads" if args.threads > 1 else "sync workers"
        print(f"\n=== webhook ingest: gunicorn -w 2 ({server}), "
              f"{report['database']} + {args.redis}, {args.rounds} rounds (order flipped each round); "
              "figures of each server's median round ===")  # fmt: skip
        for name in apps:
            m, f = report[name]["max"], report[name]["fixed_200"]
            print(
                f"{name:>8}: max {m['accepted_per_second']:.0f} accepted/s ({m['requests']} requests in "
                f"{m['seconds']}s, statuses {m['statuses']}, p50 {m['latency_ms']['p50']} ms, "
                f"p99 {m['latency_ms']['p99']} ms)"
            )
            print(
                f"          at 200/s: achieved {f['accepted_per_second']:.0f}/s "
                f"({f['requests']} in {f['seconds']}s), "
                f"p50 {f['latency_ms']['p50']} ms, p99 {f['latency_ms']['p99']} ms, "
                f"max {f['latency_ms']['max']} ms "
                f"(from the scheduled send; service time p50 {f['service_ms']['p50']} ms, "
                f"p99 {f['service_ms']['p99']} ms), statuses {f['statuses']}"
            )
        floor_ratio = report["floor"]["max"]["accepted_per_second"] / noop["max"]["accepted_per_second"]
        print(f"durable floor / no-op = {floor_ratio:.3f} (one INSERT + COMMIT + RPUSH per delivery, "
              "nothing else: the ceiling of any receiver that commits before acknowledging)")  # fmt: skip
        batched_ratio = report["batched"]["max"]["accepted_per_second"] / noop["max"]["accepted_per_second"]
        print(f"durable floor with group commit / no-op = {batched_ratio:.3f} (the same work, one commit "
              "per batch of whatever requests are waiting: needs --threads)")  # fmt: skip
        targets = report["targets"]
        print(f"throughput receiver / no-op = {targets['throughput_ratio']} (>= {THROUGHPUT_TARGET}): "
              f"{'MET' if targets['throughput_met'] else 'MISSED'}")  # fmt: skip
        print(f"receiver p99 at 200 deliveries/s = {p99} ms (< {P99_TARGET_MS}): "
              f"{'MET' if targets['p99_met'] else 'MISSED'}")  # fmt: skip
        for label, figure in report["spread"].items():
            print(f"{label}: median {figure['median']} [{figure['min']}–{figure['max']}] over the rounds")
        inbox = report["inbox"]
        print(f"inbox rows {inbox['rows']} vs 202 answers {inbox['answers_202']}: "
              f"{'EQUAL' if inbox['equal'] else 'NOT EQUAL'}; by phase {inbox['by_phase']}; "
              f"RQ jobs queued {inbox['rq_jobs_queued']}")  # fmt: skip
        if not inbox["equal"]:
            print(
                f"  -> {inbox['unread_at_wrk_deadline']} stored deliveries were answered after wrk "
                "stopped reading "
                f"(in flight at its deadline, <= {WRK_CONNECTIONS} connections); every 202 has its row: "
                f"{'OK' if inbox['equal_except_wrk_cutoff'] else 'NO - deliveries lost or unexplained rows'}"
            )

        # ---- profile the receiver when a target is missed
        missed = not (targets["throughput_met"] and targets["p99_met"])
        if args.profile == "always" or (args.profile == "auto" and missed):
            keys = ("DATABASE_URL", "NINJAONE_REDIS_URL", "NINJAONE_ENCRYPTION_KEYS", "SECRET_KEY")
            spec = {"env": {k: env[k] for k in keys}, "path": path, "id_base": 900_000_000,
                    "count": args.profile_deliveries}  # fmt: skip
            profiled = run_child(__file__, "--child", "profile", json.dumps(spec))
            emit({"event": "profile", **profiled})
            print(f"\n=== receiver in-process (Flask test client, same config), {profiled['deliveries']} "
                  f"deliveries: {profiled['ms_per_delivery_in_process']} ms each ===")  # fmt: skip
            for step, ms in profiled["ms_per_delivery_by_step"].items():
                print(f"  {ms:8.3f} ms  {step}")
            print(f"  per delivery: {profiled['per_delivery']}")
            print("--- cProfile inside the receive view, top 15 by cumulative ---")
            print(profiled["profile"])
            print("--- cProfile inside the receive view, top 15 by own time ---")
            print(profiled["profile_tottime"])
    finally:
        try:
            flush_redis(args.redis)
        except Exception as exc:  # noqa: BLE001
            print(f"could not flush {args.redis}: {exc}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
