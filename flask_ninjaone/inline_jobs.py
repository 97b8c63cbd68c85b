"""Detached jobs without Redis: the web process runs them on one thread of its own, after the request.

Without ``NINJAONE_REDIS_URL`` jobs run inline, which is right for the CLI and tests but wrong for a
button: "Sync now" would hold the browser's request for the whole sync (and a proxy may time it out).
A job enqueued with ``detach=True`` therefore goes to this runner instead: one daemon thread per app
that runs detached jobs one after the other in an app context of their own, so the request answers at
once and the page polls the run's progress like it does with a real worker.

Why a single thread, and what it does not promise (development mode, see docs/configuration.md):
- SQLite takes one writer at a time; one thread keeps the runner to one writer besides the requests,
  whose writes are short (a run commits per page, so a request waits at most one page's commit).
- Nothing is durable: a restart of the web process loses queued jobs and stops a running one. The
  run's lease then expires and the next sync marks the run failed ("its worker stopped"), exactly as
  after a killed RQ worker. Production runs RQ workers.
- Each process has its own runner; the sync and inventory leases still keep it to one run per
  integration across processes, and a job already waiting here is not queued twice (same job id).

It behaves like an RQ worker in the two ways pages rely on. A job enqueued from a job this thread
runs (a full sync queues its inventory refresh) waits behind it and runs as a job of its own, instead
of inside it: the first job ends, and its run is final, before the second starts. And only a job that
has not started counts as a duplicate (RQ's rule, see ``jobs.WAITING``): a running one is the task's
lease to guard, so asking again queues the job again rather than answering "already queued" for a
job that is nearly done.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

#: Runs one job: ``(name, tenant_id, kwargs)`` (``jobs.execute``, passed in so this module stays a leaf).
Execute = Callable[[str, str, dict[str, Any]], Any]


class InlineRunner:
    """One app's detached-job thread: jobs in order, a job id at most once while it waits."""

    def __init__(self, app: Flask, execute: Execute) -> None:
        self._app = app
        self._execute = execute
        self._jobs: queue.Queue[tuple[str, str, str, dict[str, Any]]] = queue.Queue()
        self._waiting: set[str] = set()
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._open.set()
        self._thread: threading.Thread | None = None

    def submit(self, job_id: str, name: str, tenant_id: str, kwargs: dict[str, Any]) -> bool:
        """Queue a job; ``False`` (and nothing queued) when the same job id is still waiting."""
        with self._lock:
            if job_id in self._waiting:
                return False
            self._waiting.add(job_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="ninjaone-inline-jobs", daemon=True)
                self._thread.start()
        self._jobs.put((job_id, name, tenant_id, kwargs))
        return True

    def pending(self, job_id: str) -> bool:
        """Whether this job id is waiting here (a running job is not: see the module's docstring)."""
        with self._lock:
            return job_id in self._waiting

    def on_own_thread(self) -> bool:
        """Whether the caller is a job this runner is running (its enqueues must queue, not run)."""
        return self._thread is not None and threading.current_thread() is self._thread

    def wait(self) -> None:
        """Block until every submitted job has finished (tests, and a clean shutdown)."""
        self._jobs.join()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Jobs submitted meanwhile wait until the block ends: lets a test see a job still queued
        (a double click while the first job has not started) without racing the thread."""
        self._open.clear()
        try:
            yield
        finally:
            self._open.set()

    def _work(self) -> None:
        while True:
            job_id, name, tenant_id, kwargs = self._jobs.get()
            self._open.wait()
            with self._lock:
                self._waiting.discard(job_id)  # started: the same request may queue it again
            try:
                with self._app.app_context():
                    self._execute(name, tenant_id, kwargs)
            except Exception:  # noqa: BLE001 - a failed job must not end the thread; the run records it
                log.exception("ninjaone detached job %s failed", job_id)
            finally:
                self._jobs.task_done()
