"""The run record of a leased background run — a device sync or an inventory refresh — in one place.

Both kinds of run have the same shape: take over the run a page recorded as queued (see
:mod:`.requests`), hold a lease per integration while working and renew it as they go, and on
failure roll the work back and record why on the run, so no page waits on it. They differ in what
they walk and what they update besides the run; these helpers are the part they share.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..client import NinjaOneError, describe
from ..connection.api_client import MissingCredentials
from ..leases import Lease
from ..models import Integration, RunState, SyncRun
from ..models.base import utcnow
from ..tenancy import get_scoped

#: Longest error text kept on a run record.
MAX_ERROR_LENGTH = 500


def run_to_take_over(
    session: Session, integration_id: int, run_id: int | None
) -> tuple[Integration, SyncRun | None]:
    """The bound tenant's integration ``integration_id`` (``LookupError`` when it has none) and the run
    ``run_id`` a page recorded as queued, if any. A run no longer queued was answered already: the
    caller returns it without working."""
    integration = get_scoped(session, Integration, integration_id)
    if integration is None:
        raise LookupError(f"no integration {integration_id} in this tenant")
    return integration, get_scoped(session, SyncRun, run_id) if run_id is not None else None


def describe_failure(exc: Exception) -> str:
    """A short message safe to store on a run and show: client errors never carry secrets, missing
    credentials say what to do, and database errors are reduced to their driver message (never the
    SQL statement and its row values)."""
    if isinstance(exc, NinjaOneError):
        message = describe(exc)
    elif isinstance(exc, MissingCredentials):
        message = str(exc)
    elif isinstance(exc, DBAPIError):
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else ""
        message = f"Database error ({type(exc.orig).__name__}): {detail}"
    else:
        message = f"{type(exc).__name__}: {exc}"
    return message[:MAX_ERROR_LENGTH]


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
