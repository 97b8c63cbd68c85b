"""App module for the worker tests: the sample host plus one task that records where it ran."""

from __future__ import annotations

import os

from flask_ninjaone.jobs import task
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


def create_app():
    """Configured from the environment (DATABASE_URL, NINJAONE_*), like a real deployment."""
    return create_sample_app()
