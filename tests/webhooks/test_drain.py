"""Draining the inbox: one claim per attempt, backoff on the row, arrival order, the doorbell."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue

from flask_ninjaone import jobs, tenant_scope
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from flask_ninjaone.webhooks import inbox, processing
from sample_host.database import db
from tests.support.webhook_deliveries import (
    _delivery,
    _drain,
    _set,
    _store_pending,
    _synced_device_id,
    activity,
    post,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_claimed_delivery_is_left_alone_until_its_claim_lapses(app, make_app, connected):
    tenant, _, path = connected
    [delivery_id] = _store_pending(make_app, path, activity(6001, statusCode="SOMETHING_NEW"))
    # Another worker claimed it a moment ago and is still within its claim.
    _set(
        delivery_id, tenant, status="processing", attempts=1, next_attempt_at=utcnow() + timedelta(minutes=5)
    )
    with tenant_scope(tenant.id):
        assert processing.process(db.session, delivery_id) == "processing"
    row = _delivery(6001)
    assert (row.status, row.attempts) == ("processing", 1)
    # That worker was killed: once the claim lapses the delivery is claimed and processed again.
    _set(delivery_id, tenant, next_attempt_at=utcnow() - timedelta(seconds=1))
    assert _drain(tenant) == {"ignored": 1}
    row = _delivery(6001)
    assert (row.status, row.attempts, row.next_attempt_at) == ("ignored", 2, None)


def test_a_failed_attempt_waits_out_its_backoff_then_succeeds(app, connected, fake):
    tenant, _, path = connected
    app.config["NINJAONE_HTTP_MAX_RETRIES"] = 0
    device_id = _synced_device_id(tenant)
    fake.state.faults.inject(Fault(path=f"/v2/device/{device_id}", kind="server_error", times=1))
    before = utcnow()
    body = activity(6002, activityType="SYSTEM", statusCode="NODE_UPDATED", deviceId=device_id)
    assert post(app.test_client(), path, body).status_code == 202
    failed = _delivery(6002)
    assert (failed.status, failed.attempts) == ("pending", 1) and "500" in failed.error
    wait = failed.next_attempt_at - before
    assert (
        timedelta(seconds=inbox.RETRY_INTERVALS[0] - 1)
        <= wait
        <= timedelta(seconds=inbox.RETRY_INTERVALS[0] + 5)
    )
    assert _drain(tenant) == {}  # not due yet: nothing is attempted
    assert _delivery(6002).attempts == 1
    _set(failed.id, tenant, next_attempt_at=utcnow() - timedelta(seconds=1))
    assert _drain(tenant) == {"done": 1}
    done = _delivery(6002)
    assert (done.status, done.attempts, done.error, done.next_attempt_at) == ("done", 2, None, None)


def test_the_last_attempt_fails_for_good_with_its_error(app, make_app, connected, fake):
    tenant, _, path = connected
    app.config["NINJAONE_HTTP_MAX_RETRIES"] = 0
    device_id = _synced_device_id(tenant)
    body = activity(6003, activityType="SYSTEM", statusCode="NODE_UPDATED", deviceId=device_id)
    [delivery_id] = _store_pending(make_app, path, body)
    _set(delivery_id, tenant, attempts=inbox.MAX_ATTEMPTS - 1)
    fake.state.faults.inject(Fault(path=f"/v2/device/{device_id}", kind="server_error", times=1))
    assert _drain(tenant) == {"failed": 1}
    row = _delivery(6003)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", inbox.MAX_ATTEMPTS, None)
    assert "500" in row.error
    assert _drain(tenant) == {}  # failed for good: no drain touches it again
    # Once the cause is fixed, a human retries it: it starts over with a fresh count of attempts.
    result = app.test_cli_runner().invoke(
        args=["ninjaone", "inbox", "replay", "--tenant", "acme", "--include-failed"]
    )
    assert result.exit_code == 0 and "Enqueued 1" in result.output
    row = _delivery(6003)
    assert (row.status, row.attempts, row.error) == ("done", 1, None)


def test_a_drain_goes_in_arrival_order_and_hands_over_after_its_limit(app, make_app, connected, monkeypatch):
    tenant, _, path = connected
    ids = _store_pending(make_app, path, *(activity(6010 + n, statusCode="SOMETHING_NEW") for n in range(5)))
    rung: list[tuple[str, bool]] = []
    monkeypatch.setattr(inbox, "ring", lambda tenant_id, force=False: rung.append((tenant_id, force)) or True)
    assert _drain(tenant, limit=2) == {"ignored": 2}
    statuses = {delivery_id: _delivery(6010 + n).status for n, delivery_id in enumerate(ids)}
    assert [statuses[i] for i in sorted(ids)] == ["ignored", "ignored", "pending", "pending", "pending"]
    assert rung == [(tenant.id, True)]  # the rest goes to a new drain at the back of the queue
    rung.clear()
    assert _drain(tenant) == {"ignored": 3}
    assert rung == []


def test_a_delivery_committed_late_with_a_smaller_id_is_not_left_behind(
    app, make_app, connected, monkeypatch
):
    tenant, _, path = connected
    early, late = _store_pending(
        make_app, path, *(activity(6040 + n, statusCode="SOMETHING_NEW") for n in range(2))
    )
    # ``early`` drew the smaller id, but its INSERT commits only while ``late`` is being processed
    # (and its ring finds the doorbell ringing): the drain must still get to it.
    _set(early, tenant, status="processing", next_attempt_at=utcnow() + timedelta(minutes=5))
    attempt = processing.attempt

    def commit_early_meanwhile(session, claim, *args):
        if claim.delivery_id == late:
            _set(early, tenant, status="pending", next_attempt_at=None)
        return attempt(session, claim, *args)

    monkeypatch.setattr(processing, "attempt", commit_early_meanwhile)
    assert _drain(tenant) == {"ignored": 2}
    assert (_delivery(6040).status, _delivery(6041).status) == ("ignored", "ignored")


def test_concurrent_drains_process_every_delivery_exactly_once(app, make_app, connected):
    tenant, _, path = connected
    ids = _store_pending(make_app, path, *(activity(6100 + n, statusCode="SOMETHING_NEW") for n in range(40)))
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        try:
            start.wait(timeout=60)
            with app.app_context(), tenant_scope(tenant.id):
                processing.drain(db.session)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == [] and len(ids) == 40
    # A delivery processed twice would show two attempts: each was claimed by exactly one drain.
    assert {(_delivery(6100 + n).status, _delivery(6100 + n).attempts) for n in range(40)} == {("ignored", 1)}


def test_the_sweep_rings_for_each_tenant_with_deliveries_left_waiting(app, make_app, connected, monkeypatch):
    tenant, _, path = connected
    stale, fresh, backing_off, lapsed = _store_pending(
        make_app, path, *(activity(6020 + n, statusCode="SOMETHING_NEW") for n in range(4))
    )
    long_ago = utcnow() - inbox.STALE_AFTER - timedelta(seconds=5)
    _set(stale, tenant, received_at=long_ago)
    _set(backing_off, tenant, received_at=long_ago, next_attempt_at=utcnow() + timedelta(minutes=1))
    _set(lapsed, tenant, status="processing", attempts=1, next_attempt_at=utcnow() + timedelta(minutes=1))
    rung: list[tuple[str, bool]] = []

    def ring(tenant_id, force=False, key=None):
        assert key == "sweep"  # one queued sweep drain per tenant, however often the sweep runs
        rung.append((tenant_id, force))
        return True

    monkeypatch.setattr(inbox, "ring", ring)

    def sweep() -> list[tuple[str, bool]]:
        rung.clear()
        with tenant_scope(tenant.id):
            assert inbox.sweep(db.session) == len(rung)
        return list(rung)

    assert sweep() == [(tenant.id, True)]  # a delivery waited too long: a drain is forced
    _set(stale, tenant, status="done")
    # A recent one rings the doorbell the ordinary way: if it rings already, a drain is coming.
    assert sweep() == [(tenant.id, False)]
    # A claim whose worker died (its lease ran out) forces a drain: the dead drain's doorbell may ring.
    _set(lapsed, tenant, next_attempt_at=utcnow() - timedelta(seconds=1))
    assert sweep() == [(tenant.id, True)]
    _set(lapsed, tenant, status="done")
    _set(fresh, tenant, status="done")
    assert sweep() == []  # only one waiting out its backoff remains
    assert _delivery(6022).status == "pending"


def test_a_delayed_job_needs_redis(app):
    with pytest.raises(RuntimeError, match="needs NINJAONE_REDIS_URL"):
        jobs.enqueue("webhooks.drain", tenant_id="t", key="k", delay=timedelta(seconds=5))


def _queued_drains(url: str) -> list[str]:
    queue = Queue("ninjaone-urgent", connection=Redis.from_url(url), serializer=jobs.JobSerializer)
    return [job.id for job in queue.get_jobs() if job.args[0] == "webhooks.drain"]


def test_the_doorbell_queues_one_drain_and_a_real_worker_drains_everything(
    make_app, connected, fake, redis_service, database_url, encryption_key
):
    tenant, _, path = connected
    queued = make_app(NINJAONE_REDIS_URL=redis_service)
    with queued.app_context():
        client = queued.test_client()
        for n in range(3):
            assert post(client, path, activity(6030 + n, statusCode="SOMETHING_NEW")).status_code == 202
        assert len(_queued_drains(redis_service)) == 1  # the doorbell was already ringing for 2 of 3
        with tenant_scope(tenant.id):
            inbox.silence(tenant.id)  # what a drain does before it reads
        assert post(client, path, activity(6033, statusCode="SOMETHING_NEW")).status_code == 202
        assert len(_queued_drains(redis_service)) == 2
        with tenant_scope(tenant.id):
            inbox.retry_later(tenant.id, utcnow() + timedelta(seconds=30))
            inbox.retry_later(tenant.id, utcnow() + timedelta(seconds=30))
        scheduled = Queue("ninjaone-urgent", connection=Redis.from_url(redis_service)).scheduled_job_registry
        assert len(scheduled.get_job_ids()) == 1  # one delayed drain per instant
        scheduled.remove(scheduled.get_job_ids()[0], delete_job=True)
    assert {_delivery(6030 + n).status for n in range(4)} == {"pending"}
    db.session.remove()

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "NINJAONE_REDIS_URL": redis_service,
        "NINJAONE_ENCRYPTION_KEYS": encryption_key,
        "SECRET_KEY": "test-secret-key",
        "NINJAONE_ALLOWED_BASE_URLS": fake.url,  # the worker's operator lists the test's fake
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
    result = subprocess.run(worker, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    outcomes = [(row.status, row.attempts) for row in map(_delivery, range(6030, 6034))]
    assert outcomes == [("ignored", 1)] * 4
    assert _queued_drains(redis_service) == []
