"""Owed-writes job: send the tenant's due writes to NinjaOne (alert resets, webhook, releases, custom
fields)."""

from __future__ import annotations

from ..alerts import resets
from ..connection import release
from ..inventory import field_writes
from ..jobs import task
from ..owed_writes import send_due
from ..state import get_state

#: Every kind of owed write and who sends it.
SENDERS = {**resets.SENDERS, **release.SENDERS, **field_writes.SENDERS}


@task("writes.send")
def send_owed_writes() -> dict[str, int]:
    """Queued for the earliest owed write after a failed attempt, and by the scheduler tick's sweep."""
    return send_due(get_state().db.session, SENDERS)
