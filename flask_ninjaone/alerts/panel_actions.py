"""What a technician does to an alert from the alerts panel: acknowledge, resolve, open a ticket.

Each action locks the alert's problem and row like an event does (so it cannot interleave with a
delivery of the same series), commits its own work, then sends the signals. A refused action raises
:class:`AlertActionError`, whose message the panel shows as is; a missing alert raises
``LookupError`` (a 404).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import audit, signals
from ..client import NinjaOneError, NotFound
from ..connection.api_client import MissingCredentials, client_for
from ..host import UserRef
from ..labels import labels_for
from ..models import Alert, AlertStatus, Integration
from ..models.base import utcnow
from ..owed_writes import SHORT_WAIT
from ..tenancy import get_scoped
from ..unit_of_work import unit_of_work
from .resolution import resolve as resolve_alert
from .rules import RuleActions
from .run import LifecycleRun


class AlertActionError(RuntimeError):
    """A panel action that cannot be done (the message is shown to the user as is)."""


def _for_action(session: Session, alert_id: int) -> tuple[LifecycleRun, Alert]:
    """Lock the alert's problem and row for a panel action (404-style ``LookupError`` when missing)."""
    found = get_scoped(session, Alert, alert_id)
    if found is None:
        raise LookupError(f"alert {alert_id} does not exist")
    integration = get_scoped(session, Integration, found.integration_id)
    if integration is None:
        raise LookupError(f"integration of alert {alert_id} does not exist")
    run = LifecycleRun(session, integration)
    run.rows.lock(found.series_uid, found.device_id, found.source_config_uid)
    alert = run.rows.locked(found.series_uid)
    if alert is None:  # deleted between the two reads
        raise LookupError(f"alert {alert_id} does not exist")
    return run, alert


def acknowledge(session: Session, alert_id: int, user: UserRef | None) -> Alert:
    """Acknowledge an alert from the panel (no effect on NinjaOne)."""
    with unit_of_work(session):
        run, alert = _for_action(session, alert_id)
        if alert.status == AlertStatus.RESOLVED:
            raise AlertActionError("This alert is already resolved.")
        by = user.name if user else "system"
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by = by[:255]
        alert.status = AlertStatus.ACKNOWLEDGED
        run.signals.queue(signals.alert_acknowledged, alert, by=by)
    run.send_signals()
    return alert


def resolve(
    session: Session, alert_id: int, user: UserRef | None, *, reset_in_ninjaone: bool = False
) -> Alert:
    """Resolve an alert from the panel, optionally resetting it in NinjaOne first.

    The NinjaOne call happens before any lock is taken; if NinjaOne refuses, nothing changes here
    and :class:`AlertActionError` says why (an alert already gone from NinjaOne counts as reset).
    The ticket is then handled like on a reset: closed if the rule says so and nobody worked it.
    """
    found = get_scoped(session, Alert, alert_id)
    if found is None:
        raise LookupError(f"alert {alert_id} does not exist")
    if found.status == AlertStatus.RESOLVED:
        raise AlertActionError("This alert is already resolved.")
    if reset_in_ninjaone:
        integration = get_scoped(session, Integration, found.integration_id)
        _reset_in_ninjaone(integration, found.series_uid)
    with unit_of_work(session):
        run, alert = _for_action(session, alert_id)
        if alert.status != AlertStatus.RESOLVED:
            by = user.name if user else "system"
            resolve_alert(run, alert, at=utcnow(), by=by[:255])
    run.send_signals()
    return alert


def resolve_from_panel(
    session: Session, alert_id: int, user: UserRef | None, *, reset_in_ninjaone: bool, remote_addr: str | None
) -> Alert:
    """:func:`resolve`, then its audit entry (a person's resolve is audited, NinjaOne's is not)."""
    alert = resolve(session, alert_id, user, reset_in_ninjaone=reset_in_ninjaone)
    audit.record(
        session, "alert.resolved", user=user, target_type="alert", target_id=str(alert_id),
        remote_addr=remote_addr, detail={"reset_in_ninjaone": reset_in_ninjaone}, commit=True,
    )  # fmt: skip
    return alert


def _reset_in_ninjaone(integration: Integration | None, series_uid: str) -> None:
    if integration is None:
        raise AlertActionError("The NinjaOne connection of this alert no longer exists.")
    try:  # a person waits for this answer: a long Retry-After is theirs to decide on, not to sleep
        with client_for(integration, max_sleep=SHORT_WAIT) as client:
            client.reset_alert(series_uid)
    except NotFound:
        pass  # already gone from NinjaOne: the reset we wanted
    except (NinjaOneError, MissingCredentials, ValueError) as exc:
        raise AlertActionError(f"NinjaOne did not reset the alert: {exc}") from exc


def create_ticket(session: Session, alert_id: int, user: UserRef | None) -> str:
    """Open a ticket for an alert by hand (whatever the rules and suppression said); returns its id."""
    with unit_of_work(session):
        run, alert = _for_action(session, alert_id)
        current = run.tickets.ticket_of(alert)
        if current is not None and current.state.is_open:
            label = labels_for(run.tenant_id, ticket_ids=[alert.ticket_id]).ticket(alert.ticket_id)
            raise AlertActionError(f"This alert already has an open ticket ({label}).")
        rule = run.lookups.rule_for(alert)
        actions = rule.actions if rule is not None and rule.actions.creates_ticket else RuleActions()
        ticket_id = run.tickets.open_ticket(alert, run.lookups.facts(alert), actions, auto=False)
        if user is not None:
            run.tickets.note(ticket_id, f"Opened from the NinjaOne alerts panel by {user.name}.")
    run.send_signals()
    return ticket_id
