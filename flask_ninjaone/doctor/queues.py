"""Background work: Redis reachable, workers on both queues, the schedule ticking."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.defaults import DEFAULT_JOB_MONITORING_INTERVAL

from ..config import setting
from ..jobs import queue_names
from ..worker import LAST_TICK, TICK_SECONDS, schedule_key_prefix
from .results import Check, fail, ok, short_error, warn

REDIS = "redis"
WORKERS = "workers"
SCHEDULE = "schedule"
#: Seconds the doctor waits for Redis: a firewalled host must not hang it.
REDIS_TIMEOUT = 3.0
#: A tick older than this means no worker keeps the schedule (one is queued every minute).
STALE_TICK_SECONDS = 3 * TICK_SECONDS
START_WORKER = "Run `flask ninjaone worker` (two or more in production) with the same configuration"
INLINE = "NINJAONE_REDIS_URL is not set"


def check_redis(app: Flask) -> Check:
    """``NINJAONE_REDIS_URL`` answers a PING; unset is a warning (jobs run inline in the request)."""
    url = setting("NINJAONE_REDIS_URL", app)
    if not url:
        return warn(
            REDIS,
            f"{INLINE}: jobs run inline — fine for development, not for production "
            "(requests wait for syncs; no schedule runs)",
            "Set NINJAONE_REDIS_URL and run workers",
        )
    try:
        _redis(url).ping()
    except RedisError as exc:
        return fail(
            REDIS,
            f"Redis at {redacted(url)} is unreachable ({short_error(exc)})",
            "Start Redis or fix NINJAONE_REDIS_URL; deliveries are still stored and drained later",
        )
    return ok(REDIS, f"Redis at {redacted(url)} answers")


def check_workers(app: Flask, now: float | None = None) -> Check:
    """At least one live RQ worker listens on each of the extension's queues (urgent and long).

    RQ keeps a worker in its registry until its key expires, minutes after the worker was killed;
    a worker whose last heartbeat is older than it can be while alive is listed but not counted. A
    worker started on other queues only (``rq worker default``) does not count either.
    """
    url = setting("NINJAONE_REDIS_URL", app)
    if not url:
        return warn(
            WORKERS,
            f"{INLINE}: no workers — nothing runs in the background",
            "Set NINJAONE_REDIS_URL and run `flask ninjaone worker`",
        )
    connection = _redis(url)
    limit = heartbeat_limit(app)
    moment = datetime.fromtimestamp(now if now is not None else time.time(), UTC)
    missing, found = [], []
    try:
        for name in queue_names(app):
            live, dead = [], []
            for worker in Worker.all(queue=Queue(name, connection=connection)):
                silent = (moment - worker.last_heartbeat).total_seconds() if worker.last_heartbeat else None
                if silent is None or silent <= limit:  # None: registered, not beaten yet
                    live.append(worker.name)
                else:
                    dead.append(f"{worker.name} (no heartbeat for {int(silent)} s: killed?)")
            if live:
                found.append(f"{name}: {len(live)} worker(s) ({', '.join(sorted(live))})")
            else:
                missing.append(name)
            if dead:
                found.append(f"{name}: not counted: {', '.join(sorted(dead))}")
    except RedisError as exc:
        return fail(
            WORKERS,
            f"cannot list workers: Redis unreachable ({short_error(exc)})",
            "Fix the redis check first",
        )
    if missing:
        return fail(WORKERS, f"no worker listens on {', '.join(missing)}", START_WORKER, *found)
    return ok(WORKERS, "workers listen on every queue", *found)


def heartbeat_limit(app: Flask) -> int:
    """Seconds a live worker can go without a heartbeat: an idle one beats every sweep period (its
    dequeue wakes then), a busy one every job-monitoring interval; plus a minute of slack."""
    return max(int(setting("NINJAONE_SWEEP_SECONDS", app)), DEFAULT_JOB_MONITORING_INTERVAL) + 60


def check_schedule(app: Flask, now: float | None = None) -> Check:
    """A worker queued the scheduler tick within the last few minutes (the workers keep the schedule:
    :mod:`flask_ninjaone.worker`). Burst workers (``--burst``) keep none."""
    url = setting("NINJAONE_REDIS_URL", app)
    if not url:
        return warn(
            SCHEDULE,
            f"{INLINE}: no schedule runs (syncs, inventory refresh, alert reconciliation, inbox sweeps)",
            "Set NINJAONE_REDIS_URL and run `flask ninjaone worker`",
        )
    try:
        raw = _redis(url).get(f"{schedule_key_prefix(app)}:{LAST_TICK}")
    except RedisError as exc:
        return fail(
            SCHEDULE,
            f"cannot read the schedule: Redis unreachable ({short_error(exc)})",
            "Fix the redis check first",
        )
    if raw is None:
        return fail(
            SCHEDULE, "no scheduler tick recorded: no worker has kept the schedule (for a week)", START_WORKER
        )
    age = int((now if now is not None else time.time()) - int(raw))
    at = datetime.fromtimestamp(int(raw), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if age > STALE_TICK_SECONDS:
        return fail(
            SCHEDULE,
            f"the last scheduler tick was queued {age} s ago ({at}); one is due every minute",
            f"{START_WORKER}; a worker busy with a long job keeps no schedule meanwhile",
        )
    return ok(SCHEDULE, f"the last scheduler tick was queued {max(age, 0)} s ago")


def _redis(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)


def redacted(url: str) -> str:
    """``scheme://host:port/db`` of a Redis URL: never its user or password."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"
