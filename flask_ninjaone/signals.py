"""Blinker signals hosts can subscribe to (``from flask_ninjaone.signals import device_synced``).

Every signal is sent with the Flask app as sender and keyword arguments ``tenant_id`` and
``integration_id`` plus the ones its ``doc`` lists (the docs are generated into the host adapter
reference). Per-device signals are only built when someone listens, so a 50k-device sync pays
nothing for them otherwise.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

_DEVICE_TIMING = (
    " Sent while the sync writes the page, before its commit: a receiver must not commit or roll back."
)
_ALERT_TIMING = " Sent after the alert's change is committed."

device_synced = _signals.signal(
    "ninjaone.device-synced",
    doc="A device was written (created, updated or adopted): ``device_id`` (NinjaOne id, int), "
    "``host_asset_id`` (str), ``change`` (``created`` | ``updated``)." + _DEVICE_TIMING,
)
device_created = _signals.signal(
    "ninjaone.device-created",
    doc="A device appeared for the first time: ``device_id``, ``host_asset_id``." + _DEVICE_TIMING,
)
device_updated = _signals.signal(
    "ninjaone.device-updated",
    doc="A known device changed: ``device_id``, ``host_asset_id``." + _DEVICE_TIMING,
)
device_deleted = _signals.signal(
    "ninjaone.device-deleted",
    doc="A device was deleted in NinjaOne or vanished from a complete walk, and its asset retired: "
    "``device_id``, ``host_asset_id`` (``None`` if it never had one)." + _DEVICE_TIMING,
)
sync_started = _signals.signal(
    "ninjaone.sync-started",
    doc="A sync run started (its row is committed): ``run_id``, ``kind`` (``full`` | ``incremental``), "
    "``trigger`` (``schedule``, ``manual``, ``cli``, ``connect``, ``webhook``, ``sync``).",
)
sync_completed = _signals.signal(
    "ninjaone.sync-completed",
    doc="A sync run finished and was committed: ``run_id``, ``counts`` (dict of ints: ``created``, "
    "``updated``, ``unchanged``, ``adopted``, ``retired``, ``skipped``, ``failed``).",
)
sync_failed = _signals.signal(
    "ninjaone.sync-failed",
    doc="A sync run failed (rolled back, failure recorded): ``run_id``, ``error`` (one line).",
)
alert_received = _signals.signal(
    "ninjaone.alert-received",
    doc="A NinjaOne alert was triggered (first time or again): ``alert_id``, ``series_uid``, "
    "``device_id``, ``severity``, ``occurrence_count``, ``ticket_id`` (``None`` when no ticket), ``new`` "
    "(a new cycle: first trigger, or a trigger after a reset)." + _ALERT_TIMING,
)
alert_acknowledged = _signals.signal(
    "ninjaone.alert-acknowledged",
    doc="An alert was acknowledged (in NinjaOne or in the alerts panel): ``alert_id``, ``series_uid``, "
    "``ticket_id``, ``by`` (a user's name, or ``NinjaOne``)." + _ALERT_TIMING,
)
alert_resolved = _signals.signal(
    "ninjaone.alert-resolved",
    doc="An alert was resolved (reset in NinjaOne, in the panel, by a ticket close or by "
    "reconciliation): ``alert_id``, ``series_uid``, ``ticket_id``, ``by``." + _ALERT_TIMING,
)

#: Every signal, in the order the reference lists them.
ALL = (
    device_synced,
    device_created,
    device_updated,
    device_deleted,
    sync_started,
    sync_completed,
    sync_failed,
    alert_received,
    alert_acknowledged,
    alert_resolved,
)
