"""Maintenance windows that also put their devices in maintenance in NinjaOne (opt-in per window).

The extension's own windows (:mod:`..alerts.maintenance`) only stop alerts from opening tickets;
NinjaOne keeps alerting, patching and scanning. A window with ``ninjaone_maintenance`` set also
starts NinjaOne's maintenance mode for each device in its scope when it begins, and ends it when it
ends, when the window is switched off or deleted, or when a device leaves its scope.

Each start and each end is an ordinary device action (:mod:`.start`, :mod:`.send`): a row in the
audit, sent by the ``actions.send`` job with its retries, confirmed by reading the device back. Its
action key names the window, the device, the occurrence (its start, so a daily window starts again
tomorrow) and the phase, ``window:<id>:<device>:<epoch>:<start|end>``: :func:`apply_windows` runs
on every scheduler tick and after each window change, and a key seen before is the same action, so
running it twice, or on two workers at once, starts and ends each occurrence once.

NinjaOne is told the occurrence's end (``end`` of ``PUT /v2/device/{id}/maintenance``), so the
device leaves maintenance on time even if no tick comes; the end action (``DELETE``) then records
it and ends it early when the window is cut short. What is suppressed: ``ALERTS`` (the purpose of
the window); the reason NinjaOne shows names the window.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..alerts.maintenance import MAX_NINJAONE_DAYS, WindowSpec, applies_to, occurrence
from ..models import ActionKind, ActionState, Device, DeviceAction, MaintenanceWindow
from ..models.base import utcnow
from . import inputs
from .start import ActionRefused, managed_device, start_action, usable_integration

log = logging.getLogger(__name__)

KEY_PREFIX = "window:"
START, END = "start", "end"
#: How far back started windows are looked at for an end still owed: the longest one NinjaOne is told.
LOOKBACK = timedelta(days=MAX_NINJAONE_DAYS + 1)
FEATURES = ("ALERTS",)
#: Room left in NinjaOne's reason (:data:`.inputs.MAX_REASON`) for the window's name.
NAME_IN_REASON = 150


def window_key(window_id: int, device_id: int, occurrence: int, phase: str) -> str:
    """The action key of one phase of one occurrence (its start, epoch seconds) of a window on one
    device (at most 64 characters)."""
    return f"{KEY_PREFIX}{window_id}:{device_id}:{occurrence}:{phase}"


def _parse(key: str) -> tuple[int, int, int, str] | None:
    parts = key.removeprefix(KEY_PREFIX).split(":")
    if len(parts) != 4 or not all(part.isdigit() for part in parts[:3]) or parts[3] not in (START, END):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2]), parts[3]


@dataclass
class WindowRun:
    """What one :func:`apply_windows` did: actions started, and why nothing could be (not connected)."""

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


def _window_actions(session: Session, now: datetime) -> dict[str, str]:
    """Action key → state of the window actions of the last :data:`LOOKBACK` (tenant-scoped)."""
    rows = session.execute(
        select(DeviceAction.action_key, DeviceAction.state).where(
            DeviceAction.action_key.startswith(KEY_PREFIX, autoescape=True),
            DeviceAction.requested_at >= now - LOOKBACK,
        )
    )
    return {key: state for key, state in rows}


def apply_windows(session: Session, now: datetime | None = None) -> WindowRun:
    """Start NinjaOne maintenance for the devices of every opted-in window that is on, end it where a
    window stopped being on; the bound tenant only. Idempotent (see the module docstring)."""
    now = now or utcnow()
    run = WindowRun()
    seen = _window_actions(session, now)
    windows = _opted_in(session)
    if not windows and not seen:
        return run
    try:
        integration = usable_integration(session)
    except ActionRefused as exc:
        run.refused = exc.message
        return run
    current = [
        (window, on) for window in windows if window.id is not None and (on := occurrence(window, now))
    ]
    scope = _scope_rows(session, integration.id) if current or seen else []
    wanted: set[tuple[int, int, int]] = set()
    for window, (begin, end) in current:
        assert window.id is not None
        reason = f"Maintenance window: {window.name[:NAME_IN_REASON]}"
        for device_id, organization_id in scope:
            if not applies_to(window, device_id=device_id, organization_id=organization_id):
                continue
            wanted.add((window.id, device_id, int(begin.timestamp())))
            key = window_key(window.id, device_id, int(begin.timestamp()), START)
            if key in seen:
                continue
            try:
                request = inputs.maintenance_start(end, features=FEATURES, reason=reason, now=now)
            except inputs.ActionInputError as exc:  # a window stored before the 30-day rule
                log.warning("maintenance window %s not sent to NinjaOne: %s", window.id, exc)
                break
            request.parameters["window"] = window.name[:NAME_IN_REASON]
            device = managed_device(session, integration, device_id=device_id)
            if start_action(session, device, request, key=key, user=None).created:
                run.started += 1
    live = {device_id for device_id, _ in scope}
    for (window_id, device_id, begin_epoch), state in _owed_ends(seen, wanted):
        if device_id not in live or state == ActionState.FAILED:
            continue  # retired since, or never put in maintenance: nothing to end
        request = inputs.maintenance_end()
        request.parameters["window_id"] = window_id
        device = managed_device(session, integration, device_id=device_id)
        end_key = window_key(window_id, device_id, begin_epoch, END)
        if start_action(session, device, request, key=end_key, user=None).created:
            run.ended += 1
    return run


def _owed_ends(
    seen: dict[str, str], wanted: set[tuple[int, int, int]]
) -> Iterable[tuple[tuple[int, int, int], str]]:
    """(window, device, occurrence) and state of the start actions whose occurrence is no longer on
    and that have no end action yet."""
    for key, state in seen.items():
        parsed = _parse(key)
        if parsed is None or parsed[3] != START or parsed[:3] in wanted:
            continue
        if window_key(*parsed[:3], END) in seen:
            continue
        yield parsed[:3], state


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
