"""The RQ worker ``flask ninjaone worker`` runs: it serves the queues and keeps the schedule itself.

Recovery used to depend on a separate ``rq cron`` process: deliveries stored while Redis was down
waited for its next tick, and ``rq cron`` exits when its Redis connection resets, so after an outage
nothing recovered until someone restarted it. Now the workers run the schedule themselves, so a
deployment is only workers (and however many of them):

* Every ``NINJAONE_SWEEP_SECONDS`` (15 s) — and at start — one worker queues a ``webhooks.sweep``,
  which queues drains for deliveries stored while Redis was down and for claims whose worker died.
* Every minute one worker queues the scheduler tick (due syncs, inventory refreshes, alert
  reconciliation).

"One worker" is whoever first sets that period's key in Redis (``SET NX EX``), so more workers do not
mean more ticks. An idle worker wakes every ``NINJAONE_SWEEP_SECONDS`` (RQ's blocking dequeue times
out then) to look. A worker busy with a long job does not look until the job ends; with more
workers, another does.

The worker also survives Redis going away. RQ waits for Redis only inside its dequeue loop; a
Redis error anywhere else in its main loop — a heartbeat after a job, a state change, the
suspension check, the registry cleanup, watching a running job — ends the worker ("unhandled
exception, quitting"), and a reset while a job ran was enough. Here those steps log the error and
carry on (a running job is left to finish on its own), so the worker ends up in the dequeue loop,
which waits for Redis; it retries within 5 s (RQ's own backoff grows to a minute), so what was
stored during an outage is drained seconds after Redis returns.

A worker also stops at once when it is done (``--burst``) or told to stop: see
:class:`PubSubStopsAtOnce`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from flask import Flask
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, Worker
from rq.job import Job
from rq.worker import BaseWorker

from . import jobs
from .config import setting

log = logging.getLogger(__name__)

#: Seconds between two scheduler ticks.
TICK_SECONDS = 60
#: Key (under :func:`schedule_key_prefix`) holding when the last tick was queued, in Unix seconds.
#: ``flask ninjaone doctor`` reads it: the per-minute keys vanish after two minutes, this one says
#: how long ago the schedule stopped.
LAST_TICK = "last-tick"
LAST_TICK_KEPT_SECONDS = 7 * 24 * 3600
#: What Redis going away looks like to redis-py.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)


def schedule_key_prefix(app: Flask) -> str:
    """Prefix of the Redis keys the workers keep the schedule with (one schedule per queue name)."""
    return f"ninjaone:{setting('NINJAONE_QUEUE_NAME', app)}:schedule"


class PubSubStopsAtOnce(BaseWorker):
    """An RQ worker whose command listener stops when the worker does, not up to a minute later.

    RQ listens for commands (stop a job, shut down) on a pub/sub thread that reads with a 60 s
    timeout. To stop it RQ sends ``UNSUBSCRIBE`` — the reply wakes the read — and then asks the
    thread to stop, and redis-py's ``stop()`` waits for it (RQ 3.0, redis-py 8.2). If the thread
    handles the reply before the stop request (a race it wins now and then, more often on a busy
    machine), it is still running, finds nothing subscribed and waits up to 60 s for a subscription
    that never comes, and the worker waits with it: a burst worker finished its jobs and lingered a
    minute (one test in each full CI run on Redis, 4 of 8 benchmark runs), a stopped worker took a
    minute to go. Asking the thread to stop *before* the ``UNSUBSCRIBE`` leaves no such window: the
    reply wakes it and it ends. ``_running`` is redis-py's stop flag (what
    ``PubSubWorkerThread.stop()`` clears), which has no public way to be cleared without waiting.
    """

    def unsubscribe(self) -> None:
        if self.pubsub_thread is not None:
            self.pubsub_thread._running.clear()
        super().unsubscribe()  # type: ignore[no-untyped-call]  # unannotated in RQ


class NinjaOneWorker(PubSubStopsAtOnce, Worker):
    """An RQ worker bound to a Flask app that also queues the sweep and the scheduler tick."""

    #: RQ doubles its wait between reconnection attempts up to this (its default is a minute).
    max_connection_wait_time = 5.0

    def __init__(self, queues: Any, *, app: Flask, keep_schedule: bool = True, **kwargs: Any) -> None:
        """``keep_schedule=False`` (a burst worker: one-off runs, tests) only serves the queues."""
        self.app = app
        self.sweep_seconds = int(setting("NINJAONE_SWEEP_SECONDS", app))  # RQ's __init__ reads it
        self._next_sweep = 0.0 if keep_schedule else float("inf")  # at start, or never
        super().__init__(queues, **kwargs)

    @property
    def dequeue_timeout(self) -> int:
        """Wake from the blocking dequeue at least once per sweep period (RQ's default: ~7 minutes)."""
        return max(1, min(super().dequeue_timeout, self.sweep_seconds))

    @property
    def should_run_maintenance_tasks(self) -> bool:
        return time.monotonic() >= self._next_sweep or super().should_run_maintenance_tasks

    def run_maintenance_tasks(self) -> None:
        """RQ calls this from its loops: our schedule first, then RQ's own housekeeping."""
        with self._outage_tolerated("keeping the schedule"):
            if time.monotonic() >= self._next_sweep:
                self.keep_schedule()
            if super().should_run_maintenance_tasks:
                super().run_maintenance_tasks()  # type: ignore[no-untyped-call]  # unannotated in RQ

    def heartbeat(self, *args: Any, **kwargs: Any) -> None:
        with self._outage_tolerated("heartbeat"):
            super().heartbeat(*args, **kwargs)

    def set_state(self, *args: Any, **kwargs: Any) -> None:
        with self._outage_tolerated("state change"):
            super().set_state(*args, **kwargs)

    def check_for_suspension(self, burst: bool) -> None:
        with self._outage_tolerated("suspension check"):
            super().check_for_suspension(burst)

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run the job; if Redis goes away meanwhile, let the work-horse finish the job on its own.

        Its outcome cannot be recorded in RQ then; the work itself is in the database (a delivery's
        outcome, a sync run), and RQ's registry cleanup settles the job's record later.
        """
        with self._outage_tolerated(f"job {job.id}"):
            super().execute_job(job, queue)
        if self._horse_pid:  # the outage interrupted the watch, not the job
            with suppress(ChildProcessError):
                self.wait_for_horse()
            self._horse_pid = 0
            self.executions.clear()

    @contextmanager
    def _outage_tolerated(self, what: str) -> Iterator[None]:
        try:
            yield
        except REDIS_DOWN as exc:
            log.warning(
                "ninjaone worker %s: Redis unreachable during %s (%s); waiting for it", self.name, what, exc
            )

    def keep_schedule(self) -> None:
        """Queue this period's sweep and tick unless another worker already did.

        A Redis error propagates (this runs again first thing once Redis is back). Any other error
        is logged and tried again next period: it must not stop the worker.
        """
        connection = self.connection
        now = time.time()
        prefix = schedule_key_prefix(self.app)
        try:
            with self.app.app_context():
                if connection.set(f"{prefix}:sweep", 1, nx=True, ex=self.sweep_seconds):
                    jobs.enqueue("webhooks.sweep", tenant_id=jobs.SYSTEM)
                minute = int(now // TICK_SECONDS)
                if connection.set(f"{prefix}:tick:{minute}", 1, nx=True, ex=2 * TICK_SECONDS):
                    jobs.enqueue("schedule.tick", tenant_id=jobs.SYSTEM, key=str(minute))
                    connection.set(f"{prefix}:{LAST_TICK}", int(now), ex=LAST_TICK_KEPT_SECONDS)
        except REDIS_DOWN:
            raise
        except Exception:
            log.exception("ninjaone worker %s could not queue the schedule; trying again", self.name)
        self._next_sweep = time.monotonic() + self.sweep_seconds
