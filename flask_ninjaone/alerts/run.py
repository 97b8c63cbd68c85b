"""One transaction's worth of lifecycle work: the parts an event or a panel action works with.

Built per transaction and dropped after it, so the lookups' caches never outlive what they read and
the signals raised are sent once, after the commit (:meth:`LifecycleRun.send_signals`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Integration
from ..state import get_state
from .lookups import Lookups, StableReads
from .outbox import SignalOutbox
from .rows import AlertRows
from .tickets import AlertTickets


class LifecycleRun:
    """The rows, tickets, lookups and pending signals of one integration in one transaction."""

    def __init__(self, session: Session, integration: Integration | StableReads) -> None:
        self.session = session
        self.lookups = Lookups(session, integration, get_state().host)
        self.tenant_id = self.lookups.tenant_id
        self.integration_id = self.lookups.integration_id
        self.rows = AlertRows(session, self.lookups)
        self.tickets = AlertTickets(session, self.lookups)
        self.signals = SignalOutbox(session, self.tenant_id, self.integration_id)

    def send_signals(self) -> None:
        """Send the queued signals; call it after the commit."""
        self.signals.send()
