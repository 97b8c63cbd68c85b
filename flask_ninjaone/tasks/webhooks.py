"""Webhook job: drain one tenant's due deliveries (the scheduler tick sweeps what no drain reached)."""

from __future__ import annotations

from ..extension import get_state
from ..jobs import task
from ..webhooks import processing


@task("webhooks.drain", urgent=True)
def drain_deliveries() -> dict[str, int]:
    """Process the job's tenant's due deliveries in arrival order; counts by outcome."""
    return processing.drain(get_state().db.session)
