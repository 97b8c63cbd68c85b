"""Alert jobs: the scheduled reconciliation with ``GET /v2/alerts``, the reset after a ticket close, and
"test this rule"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..alerts.reconcile import RECONCILABLE, reconcile
from ..alerts.resets import reset_on_ticket_close
from ..alerts.rule_tests import TASK as RULE_TEST
from ..alerts.rule_tests import run_test
from ..config import setting
from ..connection.api_client import client_for
from ..jobs import enqueue, task
from ..models import Integration
from ..owed_writes import SHORT_WAIT
from ..state import get_state
from ..tenancy import get_scoped, require_tenant_id


@task(RULE_TEST)
def rule_test(test_id: int) -> dict[str, Any]:
    """Run a recorded rule test (a page is following it), naming people as the host does."""
    state = get_state()
    users = {user.id: user.name for user in state.host.list_users(require_tenant_id())}
    test = run_test(state.db.session, test_id, users)
    return {"state": test.state if test is not None else "gone"}


#: Minutes between two reconciliations of an integration (the scheduler tick runs every minute).
RECONCILE_EVERY_MINUTES = 15


@task("alerts.reconcile", urgent=True)
def reconcile_alerts(integration_id: int) -> dict[str, Any]:
    """Reconcile one integration's alerts (one API call, however many devices).

    It runs on the urgent queue, among every tenant's webhook drains: a throttling or slow NinjaOne
    may cost it one exchange's deadline in all and no wait over :data:`SHORT_WAIT` (it used to sleep
    out five ``Retry-After`` of up to a minute each); the next reconciliation tries again.
    """
    session = get_state().db.session
    integration = get_scoped(session, Integration, integration_id)
    if integration is None or integration.status not in RECONCILABLE:
        return {"state": "skipped"}
    with client_for(integration, max_sleep=SHORT_WAIT, budget=setting("NINJAONE_HTTP_DEADLINE")) as client:
        return {"state": "done", **reconcile(session, integration, client)}


@task("alerts.reset_on_close", urgent=True)
def reset_on_close(ticket_id: str) -> dict[str, int]:
    """A person closed a ticket: reset its alerts in NinjaOne where the rule says so."""
    return reset_on_ticket_close(get_state().db.session, ticket_id)


def enqueue_reconciliations(session: Session, now: datetime) -> list[int]:
    """Called by the scheduler tick (system scope): every 15 minutes, one job per connected integration."""
    if now.minute % RECONCILE_EVERY_MINUTES:
        return []
    queued = []
    for integration in session.scalars(select(Integration).where(Integration.status.in_(RECONCILABLE))):
        enqueue(
            "alerts.reconcile",
            tenant_id=integration.tenant_id,
            key=str(integration.id),
            integration_id=integration.id,
        )
        queued.append(integration.id)
    return queued
