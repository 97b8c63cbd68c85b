"""Device-action job: send one queued technician action to NinjaOne (see :mod:`..actions.send`)."""

from __future__ import annotations

from ..actions.send import send_action
from ..actions.windows import apply_windows
from ..jobs import task
from ..state import get_state


@task("actions.send", urgent=True)
def send(action_id: int) -> dict[str, str]:
    """Queued when the action is started, for its retries, and by the scheduler tick's sweep."""
    return {"state": send_action(get_state().db.session, action_id)}


@task("actions.windows")
def windows() -> dict[str, int | str | None]:
    """Start or end NinjaOne maintenance for the tenant's opted-in maintenance windows; queued by the
    scheduler tick and after a window is added or deleted."""
    run = apply_windows(get_state().db.session)
    return {"started": run.started, "ended": run.ended, "refused": run.refused}
