"""One small queue facade: RQ on Redis when ``NINJAONE_REDIS_URL`` is set, inline otherwise.

Jobs are named tasks (``@task("sync.full")``) called with JSON-serializable keyword arguments and a
tenant id. The RQ job is always :func:`execute` with ``(name, tenant_id, kwargs)``: the worker pushes
an app context and binds the tenant before the task runs, so tasks never see another tenant's rows
and payloads never carry objects (or secrets) a JSON serializer would have to pickle.

Job ids are deterministic (``ninjaone--<name>--<tenant>--<key>``): enqueueing a job whose twin is still
queued or running returns the existing job instead of adding a duplicate.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from .config import setting
from .inline_jobs import InlineRunner
from .state import current_app_object
from .tenancy import system_scope, tenant_scope

log = logging.getLogger(__name__)

TaskFunc = Callable[..., Any]
_TASKS: dict[str, TaskFunc] = {}
#: Names of the tasks that go to the urgent queue (see :func:`queue`).
_URGENT: set[str] = set()
#: The app a worker process runs jobs in (set by ``flask ninjaone worker``).
_worker_app: Flask | None = None
#: Tenant id meaning "no single tenant": the task runs in :func:`system_scope`.
SYSTEM = "*"
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]")


#: RQ statuses of a job that has not started yet: only such a job collapses a duplicate request.
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def task(name: str, *, urgent: bool = False) -> Callable[[TaskFunc], TaskFunc]:
    """Register ``func`` as the background task ``name``; ``urgent`` tasks (short, and someone is
    waiting for them: webhook drains, alert work) go to the queue workers serve first."""

    def register(func: TaskFunc) -> TaskFunc:
        if name in _TASKS and _TASKS[name] is not func:
            raise RuntimeError(f"task {name!r} registered twice")
        _TASKS[name] = func
        if urgent:
            _URGENT.add(name)
        return func

    return register


def registered_tasks() -> dict[str, TaskFunc]:
    """Name → function of every registered task.

    The built-in tasks register when :mod:`.extension` imports :mod:`.tasks`; this module never imports
    them (they import it, and the domain code they call): callers enqueue by name.
    """
    return dict(_TASKS)


class _NoGlobalsUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")


class JobSerializer(JSONSerializer):
    """JSON for everything we enqueue; reads ``rq cron``'s pickled jobs only if they hold no objects.

    Earlier versions shipped an ``rq cron`` configuration (the workers keep the schedule now), which
    enqueues with RQ's default (pickle) serializer: ticks it queued before an upgrade, or from a
    cron process nobody stopped, must not stop a worker. They take no arguments, so their pickles
    contain only strings, tuples and dicts; an unpickler that refuses every global loads them
    without the code-execution risk of pickle.
    """

    @staticmethod
    def loads(s: bytes | str, *args: Any, **kwargs: Any) -> Any:
        if isinstance(s, bytes) and s[:1] == b"\x80":
            return _NoGlobalsUnpickler(io.BytesIO(s)).load()
        return json.loads(s, *args, **kwargs)


@dataclass(frozen=True)
class JobHandle:
    """What the caller learns about an enqueued job."""

    id: str
    inline: bool
    duplicate: bool = False
    result: Any = None


def job_id(name: str, tenant_id: str, key: str | None) -> str:
    """Deterministic id: the same task for the same tenant and key collapses into one job.

    RQ accepts only letters, digits, ``_`` and ``-`` in ids; other characters become ``_`` and a
    short hash of the original parts keeps distinct inputs from colliding.
    """
    parts = [name, str(tenant_id)] + ([key] if key else [])
    clean = [_UNSAFE_ID_CHARS.sub("_", part) for part in parts]
    suffix = "" if clean == parts else "-" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:10]
    return "ninjaone--" + "--".join(clean) + suffix


def redis_connection(app: Flask | None = None) -> Redis | None:
    """The app's Redis client for jobs (one pooled, fork-safe client per URL), or ``None`` inline.

    Reused rather than built per call: a new client means a new TCP connection and handshake for
    every webhook delivery, which was most of the receiver's time.
    """
    app = app or current_app_object()
    url = setting("NINJAONE_REDIS_URL", app)
    if not url:
        return None
    clients = app.extensions.setdefault("ninjaone_redis", {})
    if url not in clients:
        clients[url] = Redis.from_url(url)
    return clients[url]


def queue_names(app: Flask | None = None) -> list[str]:
    """The extension's queues in the order a worker must serve them: urgent first.

    With one queue, a webhook drain waited behind whatever was queued before it — an inventory walk
    held an alert for ~56 s with one worker. RQ workers take their queues in the order given, so a
    worker listening to both picks the urgent work up before starting the next long job.
    """
    name = setting("NINJAONE_QUEUE_NAME", app)
    return [setting("NINJAONE_URGENT_QUEUE_NAME", app) or f"{name}-urgent", name]


def queue(app: Flask | None = None, *, urgent: bool = False) -> Queue:
    """One of the extension's RQ queues (Redis must be configured), kept per app like its Redis client.

    Building a ``Queue`` resolves its serializer each time: a few percent of every webhook delivery.
    """
    app = app or current_app_object()
    connection = redis_connection(app)
    if connection is None:
        raise RuntimeError("NINJAONE_REDIS_URL is not set: jobs run inline")
    name = queue_names(app)[0 if urgent else 1]
    queues = app.extensions.setdefault("ninjaone_queues", {})
    key = (setting("NINJAONE_REDIS_URL", app), name)
    if key not in queues:
        queues[key] = Queue(name, connection=connection, serializer=JobSerializer)
    return queues[key]


def enqueue(
    name: str,
    *,
    tenant_id: str,
    key: str | None = None,
    fresh: bool = False,
    delay: timedelta | None = None,
    detach: bool = False,
    **kwargs: Any,
) -> JobHandle:
    """Run task ``name`` for ``tenant_id`` in the background (or now, without Redis).

    Jobs are not retried by RQ (a task that must retry keeps its own state: see the webhook
    inbox); inline, the caller sees the exception. ``fresh`` says the caller knows
    no job with this id can exist yet (its key was created just now), which saves the round trip
    that looks for a waiting duplicate — the webhook receiver's hot path. ``delay`` runs the job
    that much later (RQ's scheduler, which every worker runs); it needs Redis. ``detach`` says the
    caller must not wait (a page's button): without Redis the job then runs on the app's
    :class:`~.inline_jobs.InlineRunner` thread after this returns, instead of now. A job enqueued
    by a job that thread runs is detached too: it waits behind the current job, as on a worker.
    """
    if name not in registered_tasks():
        raise KeyError(f"unknown task {name!r}")
    json.dumps(kwargs)  # fail here, in the caller, if an argument cannot cross the queue
    jid = job_id(name, tenant_id, key)
    if setting("NINJAONE_REDIS_URL") is None:
        if delay is not None:
            raise RuntimeError("a delayed job needs NINJAONE_REDIS_URL: inline jobs run now")
        runner = inline_runner()
        if detach or runner.on_own_thread():
            submitted = runner.submit(jid, name, tenant_id, kwargs)
            return JobHandle(id=jid, inline=True, duplicate=not submitted)
        return JobHandle(id=jid, inline=True, result=execute(name, tenant_id, kwargs))
    q = queue(urgent=name in _URGENT)
    known = not fresh and _exists(q, jid)
    existing = Job.fetch(jid, connection=q.connection, serializer=JobSerializer) if known else None
    # Only a job still waiting collapses a duplicate. A "started" one may belong to a worker that was
    # killed (RQ notices only later); whether work is really in progress is the task's own business
    # (e.g. the sync lease), so a new request must be able to queue again.
    if existing is not None and existing.get_status() in WAITING:
        return JobHandle(id=jid, inline=False, duplicate=True)
    # One pipeline: RQ would otherwise spend two round trips (queue registry, then the job).
    with q.connection.pipeline() as pipe:
        timeout = setting("NINJAONE_JOB_TIMEOUT")
        options: dict[str, Any] = {"job_id": jid, "result_ttl": 3600, "failure_ttl": 7 * 24 * 3600}
        if delay is None:
            q.enqueue_call(execute, (name, tenant_id, kwargs), timeout=timeout, pipeline=pipe, **options)
        else:
            args = (name, tenant_id, kwargs)
            q.enqueue_in(delay, execute, args=args, job_timeout=timeout, pipeline=pipe, **options)
        pipe.execute()
    return JobHandle(id=jid, inline=False)


def enqueue_at(name: str, *, tenant_id: str, at: datetime, **kwargs: Any) -> JobHandle:
    """Queue task ``name`` to run at ``at`` (needs Redis), once per tenant and second.

    RQ's scheduler works in whole seconds, so the job is due at the second after ``at``: never early.
    """
    second = int(at.timestamp()) + 1
    delay = max(datetime.fromtimestamp(second, UTC) - datetime.now(UTC), timedelta(0))
    return enqueue(name, tenant_id=tenant_id, key=f"at-{second}", delay=delay, **kwargs)


def inline_runner(app: Flask | None = None) -> InlineRunner:
    """The app's thread for detached jobs without Redis (made on first use)."""
    app = app or current_app_object()
    runner = app.extensions.get("ninjaone_inline_jobs")
    if runner is None:
        runner = app.extensions.setdefault("ninjaone_inline_jobs", InlineRunner(app, execute))
    return runner


def job_pending(name: str, *, tenant_id: str, key: str | None = None) -> bool:
    """Whether the job is still waiting to run (in RQ, or on the inline runner without Redis).

    A run recorded as queued whose job is not pending was lost (Redis reset, web process restarted).
    A job RQ lists as "started" does not count, by the same rule as :func:`enqueue`'s duplicates: its
    worker may have been killed (RQ notices only after the job's timeout), and whether work really is
    in progress is the task's lease to say (the sync's and inventory's requests check it first)."""
    jid = job_id(name, tenant_id, key)
    if setting("NINJAONE_REDIS_URL") is None:
        return inline_runner().pending(jid)
    q = queue(urgent=name in _URGENT)
    if not _exists(q, jid):
        return False
    status = Job.fetch(jid, connection=q.connection, serializer=JobSerializer).get_status()
    return status in WAITING


def _exists(q: Queue, jid: str) -> bool:
    return bool(q.connection.exists(Job.key_for(jid)))


def execute(name: str, tenant_id: str, kwargs: dict[str, Any]) -> Any:
    """Entry point of every job: app context, tenant scope, then the task."""
    func = registered_tasks()[name]
    app = _worker_app or current_app_object()
    with app.app_context():
        if _worker_app is not None and os.getpid() != _worker_pid:
            # A forked work-horse must not reuse the parent's pooled connections.
            app.extensions["sqlalchemy"].engine.dispose(close=False)
        scope = system_scope() if tenant_id == SYSTEM else tenant_scope(tenant_id)
        with scope:
            log.info("ninjaone job %s started for tenant %s", name, tenant_id)
            return func(**kwargs)


_worker_pid: int | None = None


def bind_worker_app(app: Flask) -> None:
    """Called by the worker command: jobs in this process (and its forks) run in ``app``."""
    global _worker_app, _worker_pid
    _worker_app = app
    _worker_pid = os.getpid()
