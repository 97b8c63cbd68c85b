"""Real ``flask ninjaone worker`` processes on Redis: which queue comes first, dead workers' deliveries
taken over, and recovery from a Redis outage with nothing but workers running."""

from __future__ import annotations

import os

from sqlalchemy import select

from flask_ninjaone import jobs, tenant_scope
from flask_ninjaone.models import AuditEntry
from sample_host.database import db
from tests.support import jobs_app  # noqa: F401  (registers the test task the long job runs)
from tests.support.workers import start_worker

from .test_processing import _delivery
from .test_receiver import activity, post


def _worker_env(database_url: str, redis_url: str, encryption_key: str, **settings: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "NINJAONE_REDIS_URL": redis_url,
        "NINJAONE_ENCRYPTION_KEYS": encryption_key,
        "SECRET_KEY": "test-secret-key",
        **settings,
    }


def test_a_delivery_is_processed_before_a_long_job_queued_ahead_of_it(
    make_app, connected, redis_service, database_url, encryption_key
):
    tenant, _, path = connected
    queued = make_app(NINJAONE_REDIS_URL=redis_service)
    with queued.app_context():
        # The long job (an inventory walk, say) is queued first; then an alert arrives.
        jobs.enqueue("test.record_tenant", tenant_id=tenant.id, key="long", marker="long job")
        assert post(queued.test_client(), path, activity(7101, statusCode="SOMETHING_NEW")).status_code == 202
    assert _delivery(7101).status == "pending"
    db.session.remove()

    worker = start_worker(_worker_env(database_url, redis_service, encryption_key), "--burst")
    assert worker.wait(timeout=120) == 0
    delivery = _delivery(7101)
    with tenant_scope(tenant.id):
        long_job_ran_at = db.session.scalar(select(AuditEntry.at).where(AuditEntry.action == "job.ran"))
    assert delivery.status == "ignored"
    assert delivery.processed_at < long_job_ran_at  # the one worker served the delivery first
