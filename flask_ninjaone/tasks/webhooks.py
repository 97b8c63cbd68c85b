"""Webhook jobs: drain one tenant's due deliveries; sweep for deliveries no drain is coming for."""

from __future__ import annotations

from ..jobs import task
from ..state import get_state
from ..webhooks import inbox, processing


@task("webhooks.drain", urgent=True)
def drain_deliveries() -> dict[str, int]:
    """Process the job's tenant's due deliveries in arrival order; counts by outcome."""
    return processing.drain(get_state().db.session)


@task("webhooks.sweep", urgent=True)
def sweep_inbox() -> int:
    """Queue drains for every tenant with deliveries nobody is draining (see ``inbox.sweep``); the
    workers queue this every ``NINJAONE_SWEEP_SECONDS`` and at start. Runs in system scope."""
    return inbox.sweep(get_state().db.session)
