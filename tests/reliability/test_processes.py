"""Process-level failures: a worker SIGKILLed mid-sync, PostgreSQL dropping the connection mid-batch."""

from __future__ import annotations

import os
import time

from redis import Redis
from sqlalchemy import create_engine, select, text

from flask_ninjaone import signals, tenant_scope
from flask_ninjaone.models import Integration, RunState, SyncRun, metadata
from flask_ninjaone.sync.requests import request_sync
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.tenancy import get_scoped
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from tests.support.reliability import connect_acme, consistency
from tests.support.services import postgres_url
from tests.support.workers import kill as _kill
from tests.support.workers import start_worker as _worker
from tests.support.workers import wait_for as _wait_for


def _latest_run(tenant_id: str) -> SyncRun | None:
    """The newest device sync run (the workers' scheduler tick may also start an inventory refresh)."""
    db.session.expire_all()
    with tenant_scope(tenant_id):
        device_syncs = select(SyncRun).where(SyncRun.kind.in_(("full", "incremental")))
        return db.session.scalars(device_syncs.order_by(SyncRun.id.desc())).first()


def test_worker_killed_mid_sync_then_a_new_worker_finishes(
    make_app, database_url, redis_service, encryption_key, fake, report, workers
):
    app = make_app(NINJAONE_REDIS_URL=redis_service, NINJAONE_SYNC_LEASE_SECONDS=3)
    with app.app_context():
        db.create_all()
        metadata.create_all(db.engine)
        tenant, integration_id = connect_acme(app, fake)
        Redis.from_url(redis_service).flushdb()  # drop the first-sync job the connection queued
        env = {**os.environ, "DATABASE_URL": database_url, "NINJAONE_REDIS_URL": redis_service,
               "NINJAONE_ENCRYPTION_KEYS": encryption_key, "NINJAONE_SYNC_LEASE_SECONDS": "3",
               "NINJAONE_ALLOWED_BASE_URLS": fake.url}  # fmt: skip

        fake.state.faults.inject(Fault(path="/v2/devices-detailed", kind="slow", times=3, seconds=2.0))
        with tenant_scope(tenant.id):
            assert request_sync(get_scoped(db.session, Integration, integration_id)).started
        first = _worker(env)
        workers.append(first)
        killed_run = _wait_for(
            lambda: (
                (run := _latest_run(tenant.id))
                and run.state == RunState.RUNNING
                and run.processed > 0
                and run
            ),
            what="the sync to be running with a committed page",
        )
        _kill(first)
        report.did(f"SIGKILLed the worker after {killed_run.processed} devices were committed")
        killed_id = killed_run.id
        consistency_partial = _latest_run(tenant.id)
        report.checked("the killed run is left 'running' (nobody could record its end)",
                       consistency_partial.state == RunState.RUNNING)  # fmt: skip

        time.sleep(3.5)  # the dead worker's lease expires
        fake.state.faults.clear()
        with tenant_scope(tenant.id):
            assert request_sync(get_scoped(db.session, Integration, integration_id)).started
        second = _worker(env)
        workers.append(second)
        try:
            finished = _wait_for(
                lambda: (
                    (run := _latest_run(tenant.id))
                    and run.id != killed_id
                    and run.state in (RunState.SUCCEEDED, RunState.FAILED)  # queued, then running first
                    and run
                ),
                what="the second worker's sync to finish",
            )
        finally:
            _kill(second)
        report.did("started a new worker after the lease expired")
        report.checked(f"the new run succeeded ({finished.counts})", finished.state == RunState.SUCCEEDED)
        with tenant_scope(tenant.id):
            orphan = get_scoped(db.session, SyncRun, killed_id)
        report.checked(
            f"the orphaned run is marked failed: {orphan.error!r}", orphan.state == RunState.FAILED
        )
        consistency(report, tenant, fake)
        db.session.remove()
        db.engine.dispose()


def test_postgres_connection_dropped_mid_batch(app, connected, fake, report):
    url = postgres_url()
    tenant, integration_id = connected
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    dropped: list[int] = []

    def drop_connection(_sender, **_kwargs) -> None:
        if dropped:
            return
        pid = db.session.connection().connection.dbapi_connection.info.backend_pid
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        dropped.append(pid)

    signals.device_synced.connect(drop_connection)
    try:
        with tenant_scope(tenant.id):
            failed = run_sync(integration_id)
            state, error, processed = failed.state, failed.error, failed.processed
    finally:
        signals.device_synced.disconnect(drop_connection)
        admin.dispose()
    report.did(f"terminated the sync's PostgreSQL backend {dropped} while it wrote the first batch")
    report.checked(f"the run failed cleanly: {error!r}", state == RunState.FAILED)
    short_and_clean = len(error) <= 500 and "INSERT" not in error and error.startswith("Database error")
    report.checked("the stored error is short and carries no SQL or row values", short_and_clean)
    report.checked("nothing of the interrupted batch was committed", processed == 0)
    with tenant_scope(tenant.id):
        recovered = run_sync(integration_id)
        report.checked("the next run succeeded on a fresh connection", recovered.state == RunState.SUCCEEDED)
    consistency(report, tenant, fake)
