"""Send a queued action to NinjaOne (the ``actions.send`` job), at most once at a time.

An attempt claims the row with one conditional ``UPDATE`` (still ``queued``, due), so two workers or
a retried job never send it twice; a killed worker's claim lapses after :data:`CLAIM`. Then:

* NinjaOne accepted it → ``sent`` (a reboot waits for ``SYSTEM_REBOOTED``, see :mod:`.confirm`, a
  patch job for its ``…_COMPLETED`` activity, see :mod:`.patching`, or
  is confirmed at once when that delivery came in while it was being sent); a
  maintenance change is re-read from the device and ``confirmed`` when NinjaOne shows it.
* Throttled (429, HTML page), unreachable, or a 5xx on the idempotent maintenance PUT/DELETE → still
  ``queued``, next attempt after NinjaOne's ``Retry-After`` or the backoff of
  :func:`~..owed_writes.delay_after`; ``failed`` after :data:`MAX_ATTEMPTS`.
* A 5xx on the reboot, script or patch-job POST → ``failed`` and not retried: NinjaOne (or a proxy)
  may have acted, and a second reboot (or patch apply) is worse than a person checking.
* Refused (4xx, unknown device, missing scope, reconnect needed) → ``failed`` with the reason.

The client is made for one short step (:data:`SEND_BUDGET` seconds for every request, waiting out no
``Retry-After`` longer than :data:`SHORT_WAIT`), as webhook drains do, so a slow NinjaOne cannot hold
a worker.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..client import (
    ApiError,
    AuthError,
    NetworkError,
    NinjaOneClient,
    NinjaOneError,
    NotFound,
    RateLimited,
    UserContextRequired,
)
from ..connection.api_client import MissingCredentials, client_for
from ..dml import rows_matched
from ..jobs import enqueue, enqueue_at, redis_connection
from ..models import ActionKind, ActionState, ConnectionStatus, DeviceAction, Integration
from ..models.base import utcnow
from ..owed_writes import delay_after
from ..tenancy import get_scoped, require_tenant_id
from .confirm import reported_reboot, reported_script, script_finished
from .outcome import finish, when
from .patching import PATCH_KINDS, WAITING, operation, patch_finished, reported_patch
from .scripts import SIGN_IN_NEEDED

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)
MAX_ATTEMPTS = 5
SHORT_WAIT = 5.0
SEND_BUDGET = 30.0
#: POSTs that may have acted when NinjaOne (or a proxy) answers 5xx: never replayed automatically.
NOT_REPLAYED = frozenset({ActionKind.REBOOT, ActionKind.SCRIPT, *PATCH_KINDS})


#: How long a sent reboot or script run waits for NinjaOne's report of its outcome before it is given up:
#: long enough for a slow reboot or a long script, short enough that a ticket is told within a working
#: day instead of showing "sent" for ever when no report will come (webhook off, activity lost).
OUTCOME_WAIT = timedelta(hours=6)
UNREPORTED = (
    "NinjaOne reported no outcome within {hours} hours of accepting it (is the webhook active on the "
    "settings page?): check the device in NinjaOne."
)


class _Retry(Exception):
    """Worth another attempt later (throttled, unreachable, a 5xx on an idempotent request)."""

    def __init__(self, cause: NinjaOneError) -> None:
        super().__init__(str(cause))
        self.retry_after = getattr(cause, "retry_after", None)


def send_action(session: Session, action_id: int) -> str:
    """One attempt at the action; returns its state afterwards."""
    now = utcnow()
    claimed = rows_matched(
        session.execute(
            update(DeviceAction)
            .where(
                DeviceAction.id == action_id,
                DeviceAction.state == ActionState.QUEUED,
                or_(DeviceAction.next_attempt_at.is_(None), DeviceAction.next_attempt_at <= now),
            )
            .values(attempts=DeviceAction.attempts + 1, next_attempt_at=now + CLAIM)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    action = get_scoped(session, DeviceAction, action_id)
    if action is None:
        return "missing"
    if not claimed:
        if action.state == ActionState.SENT:
            _give_up_if_unreported(session, action, now)
        return action.state
    session.refresh(action)
    integration = get_scoped(session, Integration, action.integration_id)
    try:
        _attempt(session, action, integration, now)
    except _Retry as exc:
        if action.attempts >= MAX_ATTEMPTS:
            finish(
                session, action, ActionState.FAILED, f"Not sent after {action.attempts} attempts: {exc}", now
            )
        else:
            action.next_attempt_at = now + delay_after(action.attempts, exc.retry_after)
            action.result = f"Waiting to retry at {when(action.next_attempt_at)}: {exc}"[:500]
    session.commit()
    if action.state == ActionState.QUEUED:
        _schedule(action)
    return action.state


def _attempt(session: Session, action: DeviceAction, integration: Integration | None, now: datetime) -> None:
    if integration is None or integration.status in (
        ConnectionStatus.DISCONNECTED,
        ConnectionStatus.RECONNECT_REQUIRED,
    ):
        finish(
            session, action, ActionState.FAILED, "NinjaOne is not connected (or must be re-authorized).", now
        )
        return
    try:
        client = client_for(integration, max_sleep=SHORT_WAIT, budget=SEND_BUDGET)
    except MissingCredentials as exc:
        finish(session, action, ActionState.FAILED, str(exc), now)
        return
    with client:
        try:
            _send(client, action)
        except (RateLimited, NetworkError) as exc:
            raise _Retry(exc) from None
        except NotFound:
            finish(session, action, ActionState.FAILED, "NinjaOne no longer knows this device.", now)
            return
        except UserContextRequired:
            finish(session, action, ActionState.FAILED, SIGN_IN_NEEDED, now)
            return
        except ApiError as exc:
            _refused(session, action, exc, now)
            return
        except (AuthError, NinjaOneError) as exc:
            finish(session, action, ActionState.FAILED, f"Not sent: {exc}", now)
            return
        finally:
            action.api_calls += client.stats["requests"]
        action.state = ActionState.SENT
        action.sent_at = now
        action.next_attempt_at = None
        if action.kind == ActionKind.REBOOT:
            action.result = "Reboot sent to NinjaOne; waiting for the device to report it rebooted."
            if (rebooted := reported_reboot(session, action, now)) is not None:
                finish(
                    session,
                    action,
                    ActionState.CONFIRMED,
                    f"Rebooted; back online at {when(rebooted)}.",
                    rebooted,
                )
            return
        if action.kind == ActionKind.SCRIPT:
            action.result = "Script sent to NinjaOne; waiting for the device to report its result."
            if (reported := reported_script(session, action, now)) is not None:
                script_finished(session, action, reported)
            return
        if action.kind in PATCH_KINDS:
            action.result = WAITING
            if (ended := reported_patch(session, action, now)) is not None:
                patch_finished(session, action, ended)
            return
        before = client.stats["requests"]
        try:
            _confirm_maintenance(session, client, action, now)
        except NinjaOneError as exc:
            action.result = f"NinjaOne accepted it; reading the device back failed ({exc})."[:500]
        finally:
            action.api_calls += client.stats["requests"] - before


def _send(client: NinjaOneClient, action: DeviceAction) -> None:
    parameters: dict[str, Any] = action.parameters
    if action.kind == ActionKind.REBOOT:
        client.reboot_device(action.device_id, parameters["mode"], parameters.get("reason"))
    elif action.kind in PATCH_KINDS:
        client.submit_patch_job(action.device_id, parameters["target"], operation(action))
    elif action.kind == ActionKind.MAINTENANCE_START:
        start = parameters.get("start")
        client.schedule_maintenance(
            action.device_id,
            end=datetime.fromisoformat(parameters["end"]),
            start=datetime.fromisoformat(start) if start else None,
            disabled_features=parameters["features"],
            reason=parameters.get("reason"),
        )
    elif action.kind == ActionKind.SCRIPT:
        client.run_script(
            action.device_id,
            script_type=parameters["type"],
            script_id=parameters.get("id"),
            action_uid=parameters.get("uid"),
            parameters=parameters.get("parameters"),
            run_as=parameters.get("run_as"),
        )
    else:
        client.cancel_maintenance(action.device_id)


def _refused(session: Session, action: DeviceAction, exc: ApiError, now: datetime) -> None:
    server_error = (exc.status or 0) >= 500
    if server_error and action.kind not in NOT_REPLAYED:
        raise _Retry(exc)
    if server_error:
        what = {ActionKind.REBOOT: "reboot", ActionKind.SCRIPT: "script"}.get(
            ActionKind(action.kind), "patch job"
        )
        message = (
            f"NinjaOne answered HTTP {exc.status}: the {what} may or may not have reached the device. It is "
            "not sent again automatically; check the device in NinjaOne before trying again."
        )
    elif exc.status == 403:
        message = (
            "NinjaOne refused (HTTP 403): the API client lacks the 'management' scope. An administrator must "
            "allow it in NinjaOne and reconnect."
        )
    else:
        message = f"NinjaOne refused (HTTP {exc.status}): {exc}"
    finish(session, action, ActionState.FAILED, message, now)


def _confirm_maintenance(
    session: Session, client: NinjaOneClient, action: DeviceAction, now: datetime
) -> None:
    """Re-read the device: NinjaOne's ``maintenance`` record is the confirmation."""
    maintenance = client.device(action.device_id).get("maintenance") or {}
    status = maintenance.get("status")
    if action.kind == ActionKind.MAINTENANCE_END:
        if status in (None, "FAILED"):
            finish(
                session, action, ActionState.CONFIRMED, "NinjaOne shows the device out of maintenance.", now
            )
        else:
            action.result = f"NinjaOne accepted it but still shows the device {status}."
        return
    if status == "IN_MAINTENANCE":
        finish(
            session,
            action,
            ActionState.CONFIRMED,
            f"In maintenance until {when(maintenance.get('end'))}.",
            now,
        )
    elif status == "PENDING":
        start, end = when(maintenance.get("start")), when(maintenance.get("end"))
        result = f"Maintenance scheduled from {start} until {end}."
        finish(session, action, ActionState.CONFIRMED, result, now)
    elif status == "FAILED":
        finish(session, action, ActionState.FAILED, "NinjaOne reports the maintenance window FAILED.", now)
    else:
        action.result = "NinjaOne accepted it but does not show a maintenance window yet."


def _give_up_if_unreported(session: Session, action: DeviceAction, now: datetime) -> None:
    """A sent action NinjaOne never reported on within :data:`OUTCOME_WAIT` fails, with why, and its
    ticket hears so. The conditional update lets one job do it, and never after a report finished it."""
    expired = rows_matched(
        session.execute(
            update(DeviceAction)
            .where(
                DeviceAction.id == action.id,
                DeviceAction.state == ActionState.SENT,
                DeviceAction.sent_at <= now - OUTCOME_WAIT,
            )
            .values(state=ActionState.FAILED, finished_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(action)
    if expired:
        hours = int(OUTCOME_WAIT.total_seconds() // 3600)
        finish(session, action, ActionState.FAILED, UNREPORTED.format(hours=hours), now)
    session.commit()


def _schedule(action: DeviceAction) -> None:
    """Queue the next attempt (needs Redis; without it the scheduler tick's :func:`sweep` does)."""
    if redis_connection() is not None and action.next_attempt_at is not None:
        enqueue_at(
            "actions.send", tenant_id=require_tenant_id(), at=action.next_attempt_at, action_id=action.id
        )


def sweep(session: Session, now: datetime | None = None) -> int:
    """Scheduler tick (system scope): queue the due queued actions of every tenant, and the sent ones
    NinjaOne left unreported past :data:`OUTCOME_WAIT` (the job gives them up); returns how many.

    The job queued at start and the delayed retry are the fast path; this one cannot be lost.
    """
    now = now or utcnow()
    due = session.execute(
        select(DeviceAction.tenant_id, DeviceAction.id).where(
            or_(
                (DeviceAction.state == ActionState.QUEUED)
                & or_(DeviceAction.next_attempt_at.is_(None), DeviceAction.next_attempt_at <= now),
                (DeviceAction.state == ActionState.SENT) & (DeviceAction.sent_at <= now - OUTCOME_WAIT),
            )
        )
    ).all()
    for tenant_id, action_id in due:
        enqueue("actions.send", tenant_id=tenant_id, key=str(action_id), action_id=action_id)
    return len(due)
