"""Webhook job: process one stored delivery (the scheduler tick sweeps what was never enqueued)."""

from __future__ import annotations

from ..extension import get_state
from ..jobs import task
from ..webhooks import processing


@task("webhooks.process")
def process_delivery(delivery_id: int) -> str:
    """Process one delivery; on error the row records it and the job fails so RQ retries it."""
    return processing.process(get_state().db.session, delivery_id)
