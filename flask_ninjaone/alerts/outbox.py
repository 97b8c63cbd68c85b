"""The lifecycle's signals, held until the transaction that caused them has committed.

A receiver reacting to ``alert_received`` or ``alert_resolved`` reads the database: sent before the
commit it would see the state before the change (or nothing, on another connection). So the
lifecycle queues each signal with the values it announces, taken when queued (the rows expire at
the commit), and sends the queue once the unit of work is over.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..models import Alert
from ..state import current_app_object


class SignalOutbox:
    """The signals of one transaction of one integration, in the order they were raised."""

    def __init__(self, session: Session, tenant_id: str, integration_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.integration_id = integration_id
        self._pending: list[tuple[Any, dict[str, Any]]] = []

    def queue(self, signal: Any, alert: Alert, **extra: Any) -> None:
        """Queue a signal; its values are taken now (the row expires at the commit)."""
        if signal.receivers:
            self.session.flush()
            data = {
                "alert_id": alert.id,
                "series_uid": alert.series_uid,
                "ticket_id": alert.ticket_id,
                **extra,
            }
            self._pending.append((signal, data))

    def send(self) -> None:
        """Send after the commit, so receivers see what the signal announces."""
        if not self._pending:
            return
        app = current_app_object()
        pending, self._pending = self._pending, []
        for signal, data in pending:
            signal.send(app, tenant_id=self.tenant_id, integration_id=self.integration_id, **data)
