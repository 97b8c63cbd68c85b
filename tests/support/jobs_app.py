"""App module for the worker tests: the sample host plus one task that records where it ran, and a
way to stop a worker in the middle of a delivery."""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask_ninjaone import signals
from flask_ninjaone.jobs import enqueue, job_pending, task
from flask_ninjaone.models import AuditEntry
from flask_ninjaone.tenancy import current_tenant_id
from sample_host import create_app as create_sample_app
from sample_host.database import db


@task("test.record_tenant")
def record_tenant(marker: str) -> str:
    """Write an audit row carrying the tenant the job runs for and the process it ran in."""
    db.session.add(
        AuditEntry(
            action="job.ran", detail={"marker": marker, "tenant": current_tenant_id(), "pid": os.getpid()}
        )
    )
    db.session.commit()
    return marker


@task("test.follow_up")
def follow_up(marker: str) -> str:
    """A job that queues another (not detached, like a full sync's inventory refresh), then records
    whether that one already ran and whether its own id still counts as waiting."""
    tenant = current_tenant_id()
    handle = enqueue("test.record_tenant", tenant_id=tenant, key="after", marker=f"{marker}-after")
    db.session.add(
        AuditEntry(
            action="job.ran",
            detail={
                "marker": marker,
                "tenant": tenant,
                "pid": os.getpid(),
                "follow_up_result": handle.result,
                "self_pending": job_pending("test.follow_up", tenant_id=tenant, key="first"),
            },
        )
    )
    db.session.commit()
    return marker


#: When set, the first worker that opens an alert writes its pid to this file and hangs there: the
#: ticket is committed, the delivery's outcome is not — the moment a test SIGKILLs it.
PAUSE_FILE = os.environ.get("TEST_PAUSE_AFTER_ALERT_FILE")


def _hang_after_the_first_alert(_sender, **_kwargs) -> None:
    if PAUSE_FILE and not Path(PAUSE_FILE).exists():
        Path(PAUSE_FILE).write_text(str(os.getpid()))
        time.sleep(600)


signals.alert_received.connect(_hang_after_the_first_alert)


def create_app():
    """Configured from the environment (DATABASE_URL, NINJAONE_*), like a real deployment."""
    return create_sample_app()
