"""Real ``flask ninjaone worker`` processes on Redis: which queue comes first, dead workers' deliveries
taken over, and recovery from a Redis outage with nothing but workers running."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select

from flask_ninjaone import jobs, tenant_scope
from flask_ninjaone.models import AuditEntry
from sample_host.database import db
from tests.support import jobs_app  # noqa: F401  (registers the test task the long job runs)
from tests.support.services import redis_url
from tests.support.webhook_deliveries import _alert_delivery, _delivery, _tickets, _worker_env, activity, post
from tests.support.workers import children, kill, start_worker, wait_for


def test_a_delivery_is_processed_before_a_long_job_queued_ahead_of_it(
    make_app, connected, fake, redis_service, database_url, encryption_key
):
    tenant, _, path = connected
    queued = make_app(NINJAONE_REDIS_URL=redis_service)
    with queued.app_context():
        # The long job (an inventory walk, say) is queued first; then an alert arrives.
        jobs.enqueue("test.record_tenant", tenant_id=tenant.id, key="long", marker="long job")
        assert post(queued.test_client(), path, activity(7101, statusCode="SOMETHING_NEW")).status_code == 202
    assert _delivery(7101).status == "pending"
    db.session.remove()

    worker = start_worker(_worker_env(database_url, redis_service, encryption_key, fake.url), "--burst")
    assert worker.wait(timeout=120) == 0
    delivery = _delivery(7101)
    with tenant_scope(tenant.id):
        long_job_ran_at = db.session.scalar(select(AuditEntry.at).where(AuditEntry.action == "job.ran"))
    assert delivery.status == "ignored"
    assert delivery.processed_at < long_job_ran_at  # the one worker served the delivery first


def _pid_in(path) -> int | None:
    return int(path.read_text()) if path.exists() and path.read_text() else None


def test_a_sigkilled_worker_s_delivery_is_taken_over_by_another_worker_once(
    make_app, connected, fake, redis_service, database_url, encryption_key, workers, tmp_path, capsys
):
    tenant, _, path = connected
    lease, sweep = (os.environ.get("TEST_LEASE_SECONDS", "3"), os.environ.get("TEST_SWEEP_SECONDS", "1"))
    settings = {"NINJAONE_DELIVERY_LEASE_SECONDS": lease, "NINJAONE_SWEEP_SECONDS": sweep}
    paused = tmp_path / "paused"
    env = _worker_env(database_url, redis_service, encryption_key, fake.url, **settings,
                      TEST_PAUSE_AFTER_ALERT_FILE=str(paused))  # fmt: skip
    receiving = make_app(NINJAONE_REDIS_URL=redis_service)
    body = _alert_delivery(tenant, fake, 7201)
    with receiving.app_context():
        assert post(receiving.test_client(), path, body).status_code == 202
    db.session.remove()

    first = start_worker(env)
    workers.append(first)
    horse = wait_for(lambda: _pid_in(paused), timeout=60, what="a worker to open the alert's ticket")
    assert horse in children(first.pid)
    series = body["seriesUid"]
    # the ticket is committed, the delivery's outcome is not
    assert (_delivery(7201).status, _tickets(tenant, series)) == ("processing", 1)
    second = start_worker(env)
    workers.append(second)
    time.sleep(1)  # the second worker is up and idle
    kill(first)
    killed_at = time.monotonic()
    wait_for(lambda: _delivery(7201).status == "done", timeout=120, what="another worker to take over")
    takeover = time.monotonic() - killed_at
    row = _delivery(7201)
    assert row.attempts == 2 and row.error is None
    assert _tickets(tenant, series) == 1  # the alert took effect once
    with capsys.disabled():
        print(f"\n[SIGKILL] taken over and done {takeover:.1f} s after the kill "
              f"(lease {lease} s, sweep every {sweep} s)")  # fmt: skip


class _OwnRedis:
    """A redis-server of this test's own on a free port, to stop and start (others use the shared one)."""

    def __init__(self, workdir) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.workdir)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self._answers(), timeout=30, what="redis-server to start")

    def _answers(self) -> bool:
        try:
            return bool(Redis.from_url(self.url).ping())
        except RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed to simulate a Redis outage")
    server = _OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_with_only_a_worker_deliveries_stored_during_a_redis_outage_are_processed_after_it(
    make_app, connected, fake, own_redis, database_url, encryption_key, workers, capsys
):
    redis_url()  # a test of the Redis deployment: it runs where the suite runs with Redis
    tenant, _, path = connected
    outage = float(os.environ.get("TEST_REDIS_OUTAGE_SECONDS", "3"))
    sweep = os.environ.get("TEST_SWEEP_SECONDS", "1")
    env = _worker_env(database_url, own_redis.url, encryption_key, fake.url, NINJAONE_SWEEP_SECONDS=sweep)
    workers.append(start_worker(env))
    receiving = make_app(NINJAONE_REDIS_URL=own_redis.url)
    client = receiving.test_client()
    with receiving.app_context():
        assert post(client, path, activity(7300, statusCode="SOMETHING_NEW")).status_code == 202
        wait_for(lambda: _delivery(7300).status == "ignored", timeout=60, what="the worker to be working")

        own_redis.stop()
        started = time.monotonic()
        stored = 0
        while time.monotonic() - started < outage:  # deliveries keep arriving during the outage
            assert post(client, path, activity(7301 + stored, statusCode="SOMETHING_NEW")).status_code == 202
            stored += 1
            time.sleep(min(0.5, outage / 10))
        own_redis.start()
    returned = time.monotonic()
    ids = range(7301, 7301 + stored)
    assert {_delivery(n).status for n in ids} == {"pending"}
    wait_for(lambda: {_delivery(n).status for n in ids} == {"ignored"}, timeout=120,
             what="every delivery stored during the outage to be processed")  # fmt: skip
    recovered = time.monotonic() - returned
    with capsys.disabled():
        print(f"\n[Redis outage] {stored} deliveries stored during a {outage:.0f} s outage, all processed "
              f"{recovered:.1f} s after Redis returned (sweep every {sweep} s)")  # fmt: skip
