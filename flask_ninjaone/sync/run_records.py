"""The run record of a leased background run — a device sync or an inventory refresh — in one place.

Both kinds of run have the same shape: take over the run a page recorded as queued (see
:mod:`.requests`), hold a lease per integration while working and renew it as they go, and on
failure roll the work back and record why on the run, so no page waits on it. They differ in what
they walk and what they update besides the run; these helpers are the part they share.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from ..leases import Lease
from ..models import Integration, RunState, SyncRun
from ..models.base import utcnow
from ..tenancy import get_scoped


def take_lease(session: Session, lease: Lease, queued: SyncRun | None, busy: str, error: Exception) -> None:
    """Take ``lease``; if another process holds it, fail the queued run with ``busy`` and raise ``error``."""
    if lease.acquire():
        return
    if queued is not None:
        settle_unstarted(session, queued, busy)
    raise error


def start_run(queued: SyncRun | None, integration: Integration, *, kind: str, trigger: str) -> SyncRun:
    """The queued run, or a new one, marked running from now (the caller adds and commits it)."""
    run = queued or SyncRun(integration_id=integration.id, kind=kind, trigger=trigger)
    run.state = RunState.RUNNING
    run.started_at = utcnow()
    return run


def renewer(lease: Lease, what: str) -> Callable[[], None]:
    """A callback for the walk: renew the lease, or stop the run if another worker took it over."""

    def renew() -> None:
        if not lease.renew():
            raise RuntimeError(f"{what} lease lost (another worker took over an expired lease)")

    return renew


def fail_run(session: Session, run_id: int, message: str) -> SyncRun:
    """Roll the failed work back and mark the run failed with ``message`` (the caller commits)."""
    session.rollback()
    run = get_scoped(session, SyncRun, run_id)  # the rollback expired the objects
    assert run is not None
    run.state = RunState.FAILED
    run.error = message
    run.finished_at = utcnow()
    return run


def settle_unstarted(session: Session, run: SyncRun, reason: str) -> None:
    """A queued run whose job could not start it: failed, with the reason, so no page waits on it."""
    run.state = RunState.FAILED
    run.error = reason
    run.finished_at = utcnow()
    session.commit()
