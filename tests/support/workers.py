"""Real ``flask ninjaone worker`` processes for tests, and killing them like a power cut."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_worker(env: dict, *args: str) -> subprocess.Popen:
    """A real RQ worker process (``flask ninjaone worker``) on the test jobs app, logging nowhere
    (or to the file named by ``TEST_WORKER_LOG`` in ``env``, to see what a failing test's worker did)."""
    app = "tests.support.jobs_app:create_app"
    command = [sys.executable, "-m", "flask", "--app", app, "ninjaone", "worker"]
    log = open(env["TEST_WORKER_LOG"], "a") if env.get("TEST_WORKER_LOG") else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen([*command, *args], cwd=ROOT, env=env, stdout=log, stderr=log)


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (RQ's work-horse calls setsid, so a process-group kill misses it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the worker and its work-horse: a machine losing power, not a polite shutdown."""
    if process.poll() is None:
        for child in children(process.pid):
            os.kill(child, signal.SIGKILL)
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_for(predicate, timeout: float = 120.0, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy (returned), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
