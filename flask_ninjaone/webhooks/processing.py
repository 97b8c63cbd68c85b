"""Process one stored delivery: ``statusCode`` is the event, ``activityType`` its category.

Device events never trust the payload (deliveries arrive out of order): the device is re-read from
the API and synced like any other. Patch-management and antivirus events re-read that one device's
patches, antivirus and health (see :mod:`..inventory.device_refresh`). Condition events drive the
alert lifecycle. A ``SYSTEM_REBOOTED`` also confirms the reboots the PSA sent to that device
(:mod:`..actions.confirm`). Unknown codes are recorded as ``ignored``, not errors. Failures are retried with
backoff and end in a visible ``failed`` state carrying the error. One drain job per tenant
processes whatever is due, in arrival order (see ``inbox.ring``).

Nothing here may hold the worker for long, because other tenants' drains wait behind it in the
same queue (a tenant can even point its connection at a server of its own that answers slowly):

* an attempt's API client has a time budget (``NINJAONE_DRAIN_BUDGET_SECONDS``, retries and waits
  included, every exchange under its total deadline) and waits out no ``Retry-After`` longer than
  :data:`DELIVERY_WAIT`;
* a throttled attempt is rescheduled on its row for NinjaOne's ``Retry-After`` and the drain moves
  on. It does not count against :data:`MAX_ATTEMPTS` — NinjaOne said when to come back, the
  delivery did nothing wrong — for :data:`THROTTLE_GRACE` after the delivery arrived; after that
  throttling counts like any failure, so a NinjaOne that never stops throttling ends the delivery
  in ``failed`` instead of retrying for ever. Throttling without a ``Retry-After`` counts at once
  (nothing says when it ends). A server too slow for the budget is a failed attempt, with backoff;
* a drain works for one tenant at most the same budget, then hands over (see :func:`drain`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..actions.confirm import confirm_from_activity
from ..alerts.lifecycle import handle_condition
from ..alerts.lookups import StableReads
from ..client import RateLimited
from ..client.schemas import ActivitySchema
from ..config import setting
from ..connection.api_client import client_for
from ..inventory.device_refresh import refresh_device_compliance
from ..models import DeliveryStatus, Integration, WebhookDelivery
from ..models.base import utcnow
from ..state import current_app_object
from ..sync.engine import retire_device, sync_one_device
from ..tenancy import get_scoped, require_tenant_id
from . import claims, inbox
from .claims import Claim, Heartbeat
from .inbox import MAX_ATTEMPTS, RETRY_INTERVALS

log = logging.getLogger(__name__)
_activity_schema = ActivitySchema()
#: Deliveries one drain job processes before handing over to a new one (see :func:`drain`).
DRAIN_LIMIT = 500
#: Deliveries a drain claims at once (one statement), then records the outcomes of in one
#: transaction with the next batch's claim. A worker that dies leaves at most this many deliveries
#: claimed: each is taken over once its lease lapses, like a single dead attempt's.
CLAIM_BATCH = 10
#: Longest ``Retry-After`` (and backoff step) a delivery's attempt waits out in the worker; a longer
#: one reschedules the delivery instead.
DELIVERY_WAIT = 2.0
#: How long after its arrival a throttled delivery's attempts are given back (see the module doc).
THROTTLE_GRACE = timedelta(hours=1)
#: Longest ``Retry-After`` honoured on a delivery's row: a bogus header must not park it for days.
MAX_DEFERRAL = timedelta(hours=1)

#: Events after which the device is re-read from the API and synced.
RESYNC_CODES = frozenset(
    {
        "NODE_CREATED",
        "NODE_UPDATED",
        "NODE_MANUALLY_APPROVED",
        "NODE_AUTOMATICALLY_APPROVED",
        "SYSTEM_REBOOTED",
        "USER_LOGGED_IN",
        "USER_LOGGED_OUT",
    }
)
#: Hardware changes: ``CPU_ADDED``, ``DISK_VOLUME_REMOVED``, …
HARDWARE_PREFIXES = ("CPU_", "MEMORY_", "DISK_DRIVE_", "DISK_VOLUME_", "ADAPTER_")
#: Events meaning the device is gone from NinjaOne.
RETIRE_CODES = frozenset({"NODE_DELETED", "NODE_MANUALLY_REJECTED"})
#: Categories after which the device's patches, antivirus and health are re-read. Antivirus codes
#: are each vendor's own (VIPREAV_*, BITDEFENDER_*, SENTINEL_ONE_*…), so the category decides.
COMPLIANCE_TYPES = frozenset({"PATCH_MANAGEMENT", "SOFTWARE_PATCH_MANAGEMENT", "ANTIVIRUS"})
COMPLIANCE_PREFIXES = ("PATCH_MANAGEMENT_", "SOFTWARE_PATCH_MANAGEMENT_")


def classify(activity: dict[str, Any]) -> str:
    """What to do with an activity: ``alert``, ``resync``, ``retire``, ``compliance``, ``script`` (a
    script run's result, for the action that started it: no API call) or ``ignore``."""
    code = activity.get("statusCode") or ""
    category = activity.get("activityType") or ""
    if category == "CONDITION":
        return "alert"
    if activity.get("deviceId") is None:
        return "ignore"
    if category == "SCRIPTING":
        return "script"
    if code in RETIRE_CODES:
        return "retire"
    if code in RESYNC_CODES or (code.startswith(HARDWARE_PREFIXES) and code.endswith(("_ADDED", "_REMOVED"))):
        return "resync"
    if category in COMPLIANCE_TYPES or code.startswith(COMPLIANCE_PREFIXES):
        return "compliance"
    return "ignore"


class DrainReads:
    """Each integration's :class:`~..alerts.lookups.StableReads`, read once for a whole drain.

    A drain of a storm is one alert delivery after another for the same integration: the
    integration, its rules, maintenance windows, mappings and the host's client names were read
    again for every one (five of the fifteen-odd statements of a new alert). A settings edit made
    while a drain runs applies from the next drain, at most ``NINJAONE_DRAIN_BUDGET_SECONDS`` later.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._by_id: dict[int, StableReads | None] = {}

    def of(self, integration_id: int) -> StableReads | None:
        """The integration's reads; ``None`` when it is not one of the bound tenant's (or is gone)."""
        if integration_id not in self._by_id:
            integration = get_scoped(self.session, Integration, integration_id)
            self._by_id[integration_id] = StableReads.of(integration) if integration is not None else None
        return self._by_id[integration_id]


def process(session: Session, delivery_id: int, reads: DrainReads | None = None) -> str:
    """Claim the delivery and process it once; returns its status afterwards.

    The claim (see :mod:`.claims`) is one conditional UPDATE, so two drains (or a drain and a replay)
    never work on a delivery at the same time; it is committed first, so an attempt that kills its
    worker still counts, and it is a short lease, so a dead attempt's delivery is taken over within
    about a lease. A failure is recorded on the row (see :func:`attempt`) and not raised. The row is
    read and written by statements, not as an ORM object that every commit would expire and read
    again. ``reads`` are a drain's (see :class:`DrainReads`); a delivery processed on its own reads
    afresh. A drain claims and records deliveries in batches instead (see :func:`drain`).
    """
    claim = claims.take(session, delivery_id)
    if claim is not None:
        result = attempt(session, claim, reads or DrainReads(session))
        if claims.finish(session, claim, result):
            return str(result["status"])
    status = session.scalar(select(WebhookDelivery.status).where(WebhookDelivery.id == delivery_id))
    return status or "missing"


def attempt(session: Session, claim: Claim, reads: DrainReads) -> dict[str, Any]:
    """Process a claimed delivery; returns the row's new values, for :func:`claims.record`.

    A failure is rolled back and not raised: the values say ``pending`` with the error until the next
    attempt's backoff ends, or ``failed`` after :data:`MAX_ATTEMPTS` — at once for a payload that is not
    an activity (the receiver checks only the activity's own fields, not its device: no retry can
    load it) — and the drain goes on with the next delivery.
    """
    started = time.monotonic()
    try:
        activity = _activity_schema.load(claim.payload)
    except ValidationError as exc:
        error = f"not a NinjaOne activity: {exc.messages}"[:2000]
        result = _failure(claim.delivery_id, claim.attempt, error, final=True)
    else:
        result = _outcome(session, claim, reads, activity)
    result["duration_ms"] = int((time.monotonic() - started) * 1000)
    return result


def _outcome(session: Session, claim: Claim, reads: DrainReads, activity: dict[str, Any]) -> dict[str, Any]:
    """Act on a loaded activity; the row's new values (a failure is recorded, never raised)."""
    try:
        outcome = _handle(session, reads, claim.integration_id, activity)
    except RateLimited as exc:
        session.rollback()
        return _throttled(claim, exc)
    except Exception as exc:
        session.rollback()
        return _failure(claim.delivery_id, claim.attempt, f"{type(exc).__name__}: {exc}"[:2000])
    status = DeliveryStatus.IGNORED if outcome == "ignore" else DeliveryStatus.DONE
    return {"status": status, "error": None, "next_attempt_at": None, "processed_at": utcnow()}


def _failure(delivery_id: int, attempt: int, error: str, *, final: bool = False) -> dict[str, Any]:
    """The row's new values after failed attempt number ``attempt`` (``final``: no retry can succeed)."""
    if final or attempt >= MAX_ATTEMPTS:
        status, next_attempt_at = DeliveryStatus.FAILED, None
    else:
        status = DeliveryStatus.PENDING
        next_attempt_at = utcnow() + timedelta(seconds=RETRY_INTERVALS[attempt - 1])
    log.warning("ninjaone webhook %s attempt %s failed (%s): %s", delivery_id, attempt, status, error)
    return {"status": status, "error": error, "next_attempt_at": next_attempt_at}


def _throttled(claim: Claim, exc: RateLimited) -> dict[str, Any]:
    """The row's new values after NinjaOne throttled attempt ``claim``: back to ``pending`` until its
    ``Retry-After``, the attempt given back (see the module docstring for when it is not)."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if exc.retry_after is None or utcnow() - claim.received_at > THROTTLE_GRACE:
        return _failure(claim.delivery_id, claim.attempt, error)
    next_attempt_at = utcnow() + min(timedelta(seconds=exc.retry_after), MAX_DEFERRAL)
    log.info(
        "ninjaone webhook %s throttled by NinjaOne; next attempt at %s", claim.delivery_id, next_attempt_at
    )
    return {
        "status": DeliveryStatus.PENDING,
        "error": error,
        "next_attempt_at": next_attempt_at,
        "attempts": claim.attempt - 1,
    }


def drain(session: Session, *, limit: int = DRAIN_LIMIT) -> dict[str, int]:
    """Process the bound tenant's due deliveries in the order they arrived; counts by outcome.

    Runs until nothing is due, then silences the doorbell and reads once more (see
    :func:`inbox.ring`), so deliveries arriving while it works ride along instead of queueing more
    drains. Every read starts from the oldest due delivery: ids are drawn before commits land, so a
    delivery committed late may carry a smaller id than one already processed. After ``limit``
    deliveries, or once it has worked ``NINJAONE_DRAIN_BUDGET_SECONDS`` for the tenant, it hands over
    to a new drain at the back of the queue, so one tenant's storm or slow NinjaOne cannot hold a
    worker while other tenants' drains wait: they run before the rest of this tenant's deliveries.
    The budget is checked between deliveries and an attempt may take the budget again, so a drain
    holds its worker less than twice the budget. When a delivery waits out a backoff (or a
    ``Retry-After``), a drain is queued for then.
    """
    tenant_id = require_tenant_id()
    outcomes: Counter[str] = Counter()
    heartbeat = Heartbeat(current_app_object())
    try:
        _drain_due(session, tenant_id, outcomes, heartbeat, limit, DrainReads(session))
    finally:
        heartbeat.stop()
    backing_off = (WebhookDelivery.status == DeliveryStatus.PENDING) & (
        WebhookDelivery.next_attempt_at > utcnow()
    )
    backoff_ends = session.scalar(select(func.min(WebhookDelivery.next_attempt_at)).where(backing_off))
    if backoff_ends is not None:
        inbox.retry_later(tenant_id, backoff_ends)
    return dict(+outcomes)  # without the zero counts a lost claim's correction may leave


def _drain_due(
    session: Session,
    tenant_id: str,
    outcomes: Counter[str],
    heartbeat: Heartbeat,
    limit: int,
    reads: DrainReads,
) -> None:
    silenced = handing_over = False
    budget_ends = time.monotonic() + setting("NINJAONE_DRAIN_BUDGET_SECONDS")
    finished: list[tuple[Claim, dict[str, Any]]] = []
    untried: list[Claim] = []
    while not untried:
        handled = outcomes.total()
        if handled >= limit or time.monotonic() >= budget_ends:
            handing_over = True  # not an empty inbox: a new drain takes over
            break
        _record(session, finished, outcomes)
        batch = claims.take_due(session, tenant_id, min(CLAIM_BATCH, limit - handled))
        session.commit()  # the previous batch's outcomes and this batch's claims, in one transaction
        finished = []
        if not batch:
            if silenced:
                break
            inbox.silence(tenant_id)
            silenced = True
            continue
        with heartbeat.holding(batch):
            for number, claim in enumerate(batch):
                if number and time.monotonic() >= budget_ends:
                    untried = batch[number:]
                    handing_over = True
                    break
                result = attempt(session, claim, reads)
                finished.append((claim, result))
                outcomes[str(result["status"])] += 1
    _record(session, finished, outcomes, untried)
    session.commit()
    if handing_over:  # after the commit: the next drain must find the untried deliveries due
        inbox.ring(tenant_id, force=True)


def _record(
    session: Session,
    finished: list[tuple[Claim, dict[str, Any]]],
    outcomes: Counter[str],
    given_back: Sequence[Claim] = (),
) -> None:
    """Write a batch's outcomes and give back its untried claims (the caller commits); an attempt
    that lost its claim counts as what the attempt that took it over recorded."""
    lost = claims.record(session, [*finished, *((claim, _given_back(claim)) for claim in given_back)])
    for claim, values in finished:
        if claim.delivery_id in lost:
            outcomes[str(values["status"])] -= 1
            outcomes[lost[claim.delivery_id]] += 1


def _given_back(claim: Claim) -> dict[str, Any]:
    """A claimed delivery the drain did not get to (its budget ended): due again at once, its attempt
    not counted."""
    return {"status": DeliveryStatus.PENDING, "next_attempt_at": None, "attempts": claim.attempt - 1}


def _handle(session: Session, reads: DrainReads, integration_id: int, activity: dict[str, Any]) -> str:
    action = classify(activity)
    stable = reads.of(integration_id) if action != "ignore" else None
    if stable is None:
        return "ignore"
    if action == "alert":
        handle_condition(session, stable, activity)
        return action
    integration = get_scoped(session, Integration, integration_id)
    if integration is None:  # pragma: no cover - deleted since the drain first read it
        return "ignore"
    device_id = activity["deviceId"]
    confirm_from_activity(session, integration, activity)  # committed below with the device's resync
    if action == "script":
        session.commit()
        return action
    if action == "retire":
        retire_device(session, integration, device_id, f"NinjaOne: {activity.get('statusCode')}")
        return action
    budget = setting("NINJAONE_DRAIN_BUDGET_SECONDS")
    with client_for(integration, max_sleep=DELIVERY_WAIT, budget=budget) as client:
        if action == "resync":
            sync_one_device(session, integration, client, device_id)
        elif not refresh_device_compliance(session, integration, client, device_id):
            return "ignore"  # not a device this integration mirrors, or gone from NinjaOne
    session.commit()
    return action
