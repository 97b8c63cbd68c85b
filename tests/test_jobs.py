"""The queue facade: inline without Redis; RQ with a real Redis and a real worker process."""

from __future__ import annotations

import ast
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from flask_ninjaone import jobs, system_scope
from flask_ninjaone.models import AuditEntry, metadata
from sample_host.database import db
from tests.support import jobs_app  # noqa: F401  (registers test.record_tenant)

ROOT = Path(__file__).resolve().parents[1]


def _ran() -> list[dict]:
    db.session.expunge_all()
    with system_scope():
        return [e.detail | {"row_tenant": e.tenant_id} for e in db.session.scalars(select(AuditEntry))]


def test_inline_without_redis_runs_now_with_tenant_bound(app):
    handle = jobs.enqueue("test.record_tenant", tenant_id="42", marker="inline")
    assert handle.inline and handle.result == "inline"
    [row] = _ran()
    assert row["tenant"] == "42" and row["row_tenant"] == "42" and row["pid"] == os.getpid()


def test_unknown_task_and_unserializable_arguments_are_refused(app):
    with pytest.raises(KeyError):
        jobs.enqueue("no.such.task", tenant_id="1")
    with pytest.raises(TypeError):
        jobs.enqueue("test.record_tenant", tenant_id="1", marker=object())
    assert _ran() == []


def test_job_ids_are_deterministic():
    assert jobs.job_id("sync-full", "7", "3") == "ninjaone--sync-full--7--3"
    assert jobs.job_id("sync.full", "7", "3") == jobs.job_id("sync.full", "7", "3")
    assert jobs.job_id("sync.full", "7", "3") != jobs.job_id("sync_full", "7", "3")
    assert jobs.job_id("inventory", "7", None).startswith("ninjaone--inventory--7")


def test_cron_pickles_load_only_without_globals():
    plain = pickle.dumps(("flask_ninjaone.jobs.execute", None, (), {}))
    assert jobs.JobSerializer.loads(plain)[0] == "flask_ninjaone.jobs.execute"
    with pytest.raises(pickle.UnpicklingError):
        jobs.JobSerializer.loads(pickle.dumps(Path("/etc/passwd")))
    assert jobs.JobSerializer.loads(json.dumps({"a": 1}).encode()) == {"a": 1}


def test_real_worker_runs_job_with_tenant_bound(make_app, database_url, redis_service, encryption_key):
    app = make_app(NINJAONE_REDIS_URL=redis_service)
    with app.app_context():
        db.create_all()
        metadata.create_all(db.engine)
        first = jobs.enqueue("test.record_tenant", tenant_id="acme-id", key="k", marker="queued")
        again = jobs.enqueue("test.record_tenant", tenant_id="acme-id", key="k", marker="queued")
        assert not first.inline and again.duplicate and first.id == again.id
        assert _ran() == []  # nothing runs until a worker picks it up

        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "NINJAONE_REDIS_URL": redis_service,
            "NINJAONE_ENCRYPTION_KEYS": encryption_key,
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "tests.support.jobs_app:create_app",
                "ninjaone",
                "worker",
                "--burst",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        [row] = _ran()
        assert row["marker"] == "queued"
        assert row["tenant"] == "acme-id" and row["row_tenant"] == "acme-id"
        assert row["pid"] != os.getpid()
        db.session.remove()
        db.engine.dispose()


def test_a_detached_job_without_redis_runs_on_the_apps_thread_once_per_id(app):
    runner = jobs.inline_runner(app)
    with runner.held():
        first = jobs.enqueue("test.record_tenant", tenant_id="42", key="k", detach=True, marker="detached")
        again = jobs.enqueue("test.record_tenant", tenant_id="42", key="k", detach=True, marker="detached")
        assert first.inline and first.result is None and not first.duplicate
        assert again.duplicate and again.id == first.id
        assert jobs.job_pending("test.record_tenant", tenant_id="42", key="k")
        assert _ran() == []  # the caller did not wait for it
    runner.wait()
    [row] = _ran()
    assert row["marker"] == "detached" and row["tenant"] == "42" and row["row_tenant"] == "42"
    assert not jobs.job_pending("test.record_tenant", tenant_id="42", key="k")


def test_a_job_queued_from_the_runners_own_thread_runs_after_the_current_one_as_its_own_job(app):
    """As with RQ: a job a detached job enqueues waits behind it (it used to run inside it, so the
    first job's status was final long before its job ended), and a running job no longer counts as
    waiting, so the same request again is queued rather than answered "already queued"."""
    runner = jobs.inline_runner(app)
    jobs.enqueue("test.follow_up", tenant_id="42", key="first", detach=True, marker="first")
    runner.wait()
    first, after = _ran()
    assert first["marker"] == "first" and after["marker"] == "first-after"  # in that order
    assert first["follow_up_result"] is None  # queued, not run inside the first job
    assert first["self_pending"] is False  # running, not waiting
    assert after["tenant"] == "42" and after["row_tenant"] == "42"
    assert not runner.pending(jobs.job_id("test.record_tenant", "42", "after"))


def test_a_detached_job_with_redis_is_an_ordinary_queued_job(make_app, redis_service):
    app = make_app(NINJAONE_REDIS_URL=redis_service)
    with app.app_context():
        db.create_all()
        metadata.create_all(db.engine)
        first = jobs.enqueue("test.record_tenant", tenant_id="7", key="d", detach=True, marker="rq")
        again = jobs.enqueue("test.record_tenant", tenant_id="7", key="d", detach=True, marker="rq")
        assert not first.inline and again.duplicate
        assert jobs.job_pending("test.record_tenant", tenant_id="7", key="d")
        assert "ninjaone_inline_jobs" not in app.extensions
        jobs.queue(app).connection.delete(f"rq:job:{first.id}")  # Redis lost the job
        assert not jobs.job_pending("test.record_tenant", tenant_id="7", key="d")


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at module level or inside functions (relative ones resolved)."""
    package = "flask_ninjaone"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = (package + "." if node.level else "") + (node.module or "")
            found.update(f"{base.rstrip('.')}.{alias.name}" for alias in node.names)
            found.add(base.rstrip("."))
    return found


def test_jobs_knows_tasks_by_name_only():
    """The queue facade sits below the task layer: it must not import ``tasks`` (lazily or not)."""
    imported = _imported_modules(ROOT / "flask_ninjaone" / "jobs.py")
    assert not {name for name in imported if name.startswith("flask_ninjaone.tasks")}, imported


def test_built_in_tasks_are_registered_by_the_extension():
    """A fresh process that imports the extension knows every built-in task, without asking ``jobs`` to
    import them; one that did not import ``flask_ninjaone.tasks`` would refuse to enqueue them."""
    code = "import json, flask_ninjaone.jobs as j; print(json.dumps(sorted(j.registered_tasks())))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    names = set(json.loads(out.stdout))
    expected = {"sync.run", "schedule.tick", "webhooks.drain", "webhooks.sweep", "inventory.refresh"}
    assert expected <= names
