"""Finish an action (``confirmed`` or ``failed``) and tell the ticket it was started from.

The note goes through the host adapter (``add_ticket_note``) in the same transaction as the state
change, so a retried job that finds the action already finished writes no second note. A ticket the
host no longer has is logged, not fatal: the action's row still holds the outcome.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from ..models import ActionState, DeviceAction
from ..state import get_state
from .inputs import describe

log = logging.getLogger(__name__)
RESULT_LIMIT = 500


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "an unknown time"


def finish(session: Session, action: DeviceAction, state: ActionState, result: str, at: datetime) -> None:
    """Move the action to a final state with its one-line result and note the ticket; the caller commits."""
    action.state = state
    action.result = result[:RESULT_LIMIT]
    action.finished_at = at
    action.next_attempt_at = None
    if action.ticket_id:
        _note(action)


def note_text(action: DeviceAction) -> str:
    """E.g. "Normal reboot of PC-042 by Ada at 2026-12-07 10:02 UTC: confirmed — back online …"."""
    who = action.requested_by_name or "the operator"
    return (
        f"NinjaOne: {describe(action.kind, action.parameters)} of {action.device_name} requested by {who} at "
        f"{when(action.requested_at)}: {action.state} — {action.result}"
    )


def _note(action: DeviceAction) -> None:
    try:
        get_state().host.add_ticket_note(action.tenant_id, str(action.ticket_id), note_text(action))
    except LookupError as exc:
        log.warning("ninjaone action %s: ticket %s is gone, no note: %s", action.id, action.ticket_id, exc)
