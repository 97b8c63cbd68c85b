"""The host tickets of alerts: find, open, note, reopen and close them through the host adapter.

Host writes go through the lifecycle's session and commit with the alert rows, so either both
happen or neither. One ticket serves a problem (device + condition): other series of the same
problem find it through :meth:`AlertTickets.problem_ticket`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlalchemy import update

from ..host import TicketDraft, TicketState
from ..models import Alert
from ..models.base import utcnow
from . import ticket_text
from .lookups import LookupsPart
from .rules import AlertFacts, RuleActions, ticket_priority

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TicketRef:
    """An alert's ticket as the host has it now."""

    ticket_id: str
    state: TicketState
    alert: Alert


class AlertTickets(LookupsPart):
    """Ticket work for one integration's alerts, in the caller's transaction."""

    def ticket_of(self, alert: Alert) -> TicketRef | None:
        """The alert's ticket, ``None`` when it has none or the host no longer has it."""
        if not alert.ticket_id:
            return None
        state = self.host.ticket_state(self.tenant_id, alert.ticket_id)
        return TicketRef(alert.ticket_id, state, alert) if state.exists else None

    def problem_ticket(self, alert: Alert) -> TicketRef | None:
        """The newest ticket of another series of the same problem (device + condition)."""
        sibling = self.lookups.problem_series(alert)[1]
        return self.ticket_of(sibling) if sibling is not None else None

    def open_ticket(self, alert: Alert, facts: AlertFacts, actions: RuleActions, *, auto: bool = True) -> str:
        """Open a ticket for the alert as ``actions`` say and link it; returns its id."""
        device = self.lookups.device_context(alert, facts)
        priority = ticket_priority(alert.severity, actions.priority)
        draft = TicketDraft(
            client_id=self.lookups.client_id(alert.organization_id),
            title=ticket_text.ticket_title(facts, device),
            description=ticket_text.ticket_description(facts, device, priority=priority),
            priority=priority,
            asset_ids=(alert.host_asset_id,) if alert.host_asset_id else (),
            board=actions.board,
            assignee_id=actions.assignee_id,
            external_ref=alert.series_uid,
        )
        ticket_id = self._create(draft)
        alert.ticket_id = ticket_id
        alert.auto_created = auto
        alert.suppressed_reason = None
        alert.ticket_closed_at = None
        return ticket_id

    def _create(self, draft: TicketDraft) -> str:
        try:
            with self.session.begin_nested():
                return str(self.host.create_ticket(self.tenant_id, draft))
        except LookupError as exc:
            if draft.assignee_id is None and not draft.asset_ids:
                raise
            # The rule's assignee left, or the asset was deleted in the host: still open the ticket.
            log.warning(
                "ninjaone: ticket for alert %s opened without assignee/asset: %s", draft.external_ref, exc
            )
            with self.session.begin_nested():
                return str(
                    self.host.create_ticket(self.tenant_id, replace(draft, assignee_id=None, asset_ids=()))
                )

    def note(self, ticket_id: str, body: str) -> None:
        self.host.add_ticket_note(self.tenant_id, ticket_id, body)

    def reopen(self, ticket_id: str, note: str) -> None:
        self.host.reopen_ticket(self.tenant_id, ticket_id, note)

    def close(self, ticket_id: str, note: str) -> None:
        """Close the ticket and record when on every alert linked to it (for the reopen window)."""
        self.host.close_ticket(self.tenant_id, ticket_id, note)
        self.session.execute(
            update(Alert)
            .where(Alert.integration_id == self.integration_id, Alert.ticket_id == ticket_id)
            .values(ticket_closed_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
