"""Maintenance windows that also put their devices in maintenance in NinjaOne (opt-in per window).

The extension's own windows (:mod:`..alerts.maintenance`) only stop alerts from opening tickets;
NinjaOne keeps alerting, patching and scanning. A window with ``ninjaone_maintenance`` set also
starts NinjaOne's maintenance mode for each device in its scope when it begins, and ends it when it
ends, when the window is switched off or deleted, or when a device leaves its scope.

Each start and each end is an ordinary device action (:mod:`.start`, :mod:`.send`): a row in the
audit, sent by the ``actions.send`` job with its retries, confirmed by reading the device back. Its
action key names the window, the device, the occurrence (its start, so a daily window starts again
tomorrow) and the phase, ``window:<id>:<instance>:<device>:<epoch>:<start|end>``: :func:`apply_windows` runs
on every scheduler tick and after each window change, and a key seen before is the same action, so
running it twice, or on two workers at once, starts and ends each occurrence once.

NinjaOne is told the occurrence's end (``end`` of ``PUT /v2/device/{id}/maintenance``), so the
device leaves maintenance on time even if no tick comes; the end action (``DELETE``) then records
it and ends it early when the window is cut short. What is suppressed: ``ALERTS`` (the purpose of
the window); the reason NinjaOne shows names the window.

Each window acts on its own instance (``integration_id``; device ids are numbered per instance), an
all-instances window (one naming no organization or device) on each of the tenant's live instances.
An instance that cannot act (disconnected, lacking the ``management`` scope) is skipped and said in
:attr:`WindowRun.refused`; the others still act. An action's instance is its row's, so the keys of
before windows had an instance (``window:<id>:<device>:<epoch>:<phase>``) still end on theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..alerts.maintenance import MAX_NINJAONE_DAYS, WindowSpec, applies_to, occurrence
from ..connection.instances import tenant_instances
from ..models import ActionKind, ActionState, Device, DeviceAction, Integration, MaintenanceWindow
from ..models.base import utcnow
from . import inputs
from .start import NOT_CONNECTED, ActionRefused, managed_device, start_action, usable

log = logging.getLogger(__name__)

KEY_PREFIX = "window:"
START, END = "start", "end"
#: How far back started windows are looked at for an end still owed: the longest one NinjaOne is told.
LOOKBACK = timedelta(days=MAX_NINJAONE_DAYS + 1)
FEATURES = ("ALERTS",)
#: Room left in NinjaOne's reason (:data:`.inputs.MAX_REASON`) for the window's name.
NAME_IN_REASON = 150

#: One occurrence of a window on one device of one instance: (window, instance, device, start epoch).
Occurrence = tuple[int, int, int, int]


def window_key(window_id: int, integration_id: int, device_id: int, occurrence: int, phase: str) -> str:
    """The action key of one phase of one occurrence (its start, epoch seconds) of a window on one
    device of one instance (at most 64 characters for the ids a database and NinjaOne hand out)."""
    return f"{KEY_PREFIX}{window_id}:{integration_id}:{device_id}:{occurrence}:{phase}"


def _parse(key: str) -> tuple[int, int, int, str] | None:
    """(window, device, occurrence, phase) of a window action key, with or without its instance (keys
    written before windows had one lack it; the action's row names its instance either way)."""
    parts = key.removeprefix(KEY_PREFIX).split(":")
    if len(parts) == 5:
        del parts[1]
    if len(parts) != 4 or not all(part.isdigit() for part in parts[:3]) or parts[3] not in (START, END):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2]), parts[3]


@dataclass
class WindowRun:
    """What one :func:`apply_windows` did: actions started, and why some could not be (an instance not
    connected)."""

    started: int = 0
    ended: int = 0
    refused: str | None = None


def _scope_rows(session: Session, integration_id: int) -> list[tuple[int, int | None]]:
    """``(device id, organization id)`` of the live devices: what a window's scope is matched on, read
    without loading a ``Device`` object per device every tick (only those acted on are loaded)."""
    rows = session.execute(
        select(Device.device_id, Device.organization_id).where(
            Device.integration_id == integration_id, Device.retired.is_(False)
        )
    )
    return [(device_id, organization_id) for device_id, organization_id in rows]


def _opted_in(session: Session) -> list[WindowSpec]:
    rows = session.scalars(
        select(MaintenanceWindow).where(
            MaintenanceWindow.active.is_(True), MaintenanceWindow.ninjaone_maintenance.is_(True)
        )
    )
    return [WindowSpec.from_row(row) for row in rows]


def _window_actions(session: Session, now: datetime) -> dict[tuple[int, int, int, int, str], str]:
    """(window, instance, device, occurrence, phase) → state of the window actions of the last
    :data:`LOOKBACK` (tenant-scoped)."""
    rows = session.execute(
        select(DeviceAction.action_key, DeviceAction.integration_id, DeviceAction.state).where(
            DeviceAction.action_key.startswith(KEY_PREFIX, autoescape=True),
            DeviceAction.requested_at >= now - LOOKBACK,
        )
    )
    seen = {}
    for key, integration_id, state in rows:
        if (parsed := _parse(key)) is not None:
            window_id, device_id, begin, phase = parsed
            seen[(window_id, integration_id, device_id, begin, phase)] = state
    return seen


def _usable_instances(session: Session, run: WindowRun) -> dict[int, Integration]:
    """The tenant's live instances that can act, by id; why the others cannot goes to ``run``."""
    usable_ones = {}
    for integration in tenant_instances(session):
        try:
            usable_ones[integration.id] = usable(integration)
        except ActionRefused as exc:
            run.refused = f"{integration.name}: {exc.message}"
    if not usable_ones and run.refused is None:
        run.refused = NOT_CONNECTED
    return usable_ones


def apply_windows(session: Session, now: datetime | None = None) -> WindowRun:
    """Start NinjaOne maintenance for the devices of every opted-in window that is on, end it where a
    window stopped being on; the bound tenant only, each window on its own instance (or on all).
    Idempotent (see the module docstring)."""
    now = now or utcnow()
    run = WindowRun()
    seen = _window_actions(session, now)
    windows = _opted_in(session)
    if not windows and not seen:
        return run
    instances = _usable_instances(session, run)
    current = [
        (window, on) for window in windows if window.id is not None and (on := occurrence(window, now))
    ]
    wanted: set[Occurrence] = set()
    live: set[tuple[int, int]] = set()
    for integration in instances.values():
        scope = _scope_rows(session, integration.id)
        live |= {(integration.id, device_id) for device_id, _ in scope}
        for window, (begin, end) in current:
            if window.integration_id in (None, integration.id):
                run.started += _start(session, integration, window, (begin, end), scope, seen, wanted, now)
    for (window_id, integration_id, device_id, begin_epoch), state in _owed_ends(seen, wanted):
        if (integration_id, device_id) not in live or state == ActionState.FAILED:
            continue  # retired since, its instance cannot act, or never put in maintenance: nothing to end
        request = inputs.maintenance_end()
        request.parameters["window_id"] = window_id
        device = managed_device(session, instances[integration_id], device_id=device_id)
        end_key = window_key(window_id, integration_id, device_id, begin_epoch, END)
        if start_action(session, device, request, key=end_key, user=None).created:
            run.ended += 1
    return run


def _start(
    session: Session,
    integration: Integration,
    window: WindowSpec,
    on: tuple[datetime, datetime],
    scope: list[tuple[int, int | None]],
    seen: dict[tuple[int, int, int, int, str], str],
    wanted: set[Occurrence],
    now: datetime,
) -> int:
    """Start the occurrence ``on`` of ``window`` on the devices of ``integration`` it covers (those not
    started before); adds them to ``wanted`` and returns how many actions it started."""
    assert window.id is not None
    begin, end = on
    epoch = int(begin.timestamp())
    reason = f"Maintenance window: {window.name[:NAME_IN_REASON]}"
    started = 0
    for device_id, organization_id in scope:
        if not applies_to(window, device_id=device_id, organization_id=organization_id):
            continue
        wanted.add((window.id, integration.id, device_id, epoch))
        if (window.id, integration.id, device_id, epoch, START) in seen:
            continue
        try:
            request = inputs.maintenance_start(end, features=FEATURES, reason=reason, now=now)
        except inputs.ActionInputError as exc:  # a window stored before the 30-day rule
            log.warning("maintenance window %s not sent to NinjaOne: %s", window.id, exc)
            break
        request.parameters["window"] = window.name[:NAME_IN_REASON]
        device = managed_device(session, integration, device_id=device_id)
        key = window_key(window.id, integration.id, device_id, epoch, START)
        if start_action(session, device, request, key=key, user=None).created:
            started += 1
    return started


def _owed_ends(
    seen: dict[tuple[int, int, int, int, str], str], wanted: set[Occurrence]
) -> Iterable[tuple[Occurrence, str]]:
    """The occurrences, and their start's state, whose start action was recorded, that are no longer
    on and that have no end action yet."""
    for (window_id, integration_id, device_id, begin, phase), state in seen.items():
        occurrence_ = (window_id, integration_id, device_id, begin)
        if phase != START or occurrence_ in wanted or (*occurrence_, END) in seen:
            continue
        yield occurrence_, state


def tenants_to_apply(session: Session, now: datetime | None = None) -> list[str]:
    """System scope (scheduler tick): tenants with an opted-in window or a window action still owed an
    end, i.e. those :func:`apply_windows` may have work for."""
    now = now or utcnow()
    with_windows = session.scalars(
        select(MaintenanceWindow.tenant_id)
        .where(MaintenanceWindow.active.is_(True), MaintenanceWindow.ninjaone_maintenance.is_(True))
        .distinct()
    )
    with_actions = session.scalars(
        select(DeviceAction.tenant_id)
        .where(
            DeviceAction.action_key.startswith(KEY_PREFIX, autoescape=True),
            DeviceAction.kind == ActionKind.MAINTENANCE_START,
            DeviceAction.requested_at >= now - LOOKBACK,
        )
        .distinct()
    )
    return sorted(set(with_windows) | set(with_actions))
