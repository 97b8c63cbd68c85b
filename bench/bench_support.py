"""Shared plumbing of ``full_sync.py`` and ``webhook_ingest.py``: the bench database, the fake, RSS.

The benchmarks own their database: by default ``ninjaone_bench`` on the local PostgreSQL, dropped
and created again at the start of a run (never the ``test`` database the test suite wipes). SQLite
URLs work too: the file is deleted instead.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def drop_ninjaone_environment() -> list[str]:
    """Remove ``NINJAONE_*`` variables from this process's environment; returns their names.

    The benches configure the app explicitly. A ``NINJAONE_*`` variable of the calling shell (say
    ``NINJAONE_SHARED_DIR`` on a shared machine) would otherwise reach the sample host, which passes
    every one to the extension, which rejects settings it does not know — and every child inherits it.
    """
    names = [name for name in os.environ if name.startswith("NINJAONE_")]
    for name in names:
        del os.environ[name]
    return names


drop_ninjaone_environment()

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ninjaone_bench"


def sqlalchemy_url(url: str) -> str:
    """``postgres://``/``postgresql://`` → psycopg 3, like the sample host does for ``DATABASE_URL``."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_postgres(url: str) -> bool:
    return sqlalchemy_url(url).startswith("postgresql")


def recreate_database(url: str) -> None:
    """Drop and create the bench database (PostgreSQL, via the ``postgres`` maintenance database),
    or delete the SQLite file. Refuses the suite's ``test`` database and the maintenance one."""
    from sqlalchemy.engine import make_url

    parsed = make_url(sqlalchemy_url(url))
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"unsupported database {parsed.get_backend_name()}")
    name = parsed.database
    if not name or name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to drop database {name!r}: pass a database the bench may own")
    import psycopg

    maintenance = parsed.set(drivername="postgresql", database="postgres")
    conninfo = maintenance.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fake_ninjaone(devices: int, *, organizations: int = 20, seed: int = 0) -> Iterator[str]:
    """A seeded fake NinjaOne in its own process (log to a file: an unread pipe would stall it)."""
    import requests

    port = free_port()
    code = (
        "from flask_ninjaone.testing.fake_ninjaone import FakeState, seed_fleet, create_fake_app\n"
        "from werkzeug.serving import make_server\n"
        "state = FakeState()\n"
        f"seed_fleet(state, devices={devices}, organizations={organizations}, seed={seed})\n"
        f"make_server('127.0.0.1', {port}, create_fake_app(state), threaded=True).serve_forever()\n"
    )
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=log, cwd=str(ROOT)
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    requests.get(url + "/_fake/counters", timeout=1)
                    break
                except requests.ConnectionError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError(log.read().decode()[-2000:]) from None
                    time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def fake_counters(url: str) -> dict[str, Any]:
    import requests

    return requests.get(url + "/_fake/counters", timeout=10).json()


def reset_fake_counters(url: str) -> None:
    import requests

    requests.delete(url + "/_fake/counters", timeout=10).raise_for_status()


def peak_rss_mb() -> float:
    """This process's high-water resident memory (``ru_maxrss`` is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def emit(record: dict[str, Any]) -> None:
    """One JSON line on stdout."""
    print(json.dumps(record, default=str), flush=True)


def run_child(script: str, *args: str, env: dict[str, str] | None = None, timeout: float = 3600) -> dict:
    """Run ``script`` as a child process and return the JSON object on the last line of its stdout."""
    out = subprocess.run(
        [sys.executable, script, *args],
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        env=env,
        timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child {args[:2]} failed ({out.returncode}):\n{out.stderr[-4000:]}")
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"child {args[:2]} printed no JSON:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])
