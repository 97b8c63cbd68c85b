"""Blinker signals hosts can subscribe to (``from flask_ninjaone.signals import device_synced``).

Every signal is sent with the Flask app as sender and keyword arguments ``tenant_id`` and
``integration_id`` plus the ones listed. Per-device signals are only built when someone listens,
so a 50k-device sync pays nothing for them otherwise.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A device was written (created, updated or adopted): ``device_id``, ``host_asset_id``, ``change``.
device_synced = _signals.signal("ninjaone.device-synced")
#: A device appeared for the first time: ``device_id``, ``host_asset_id``.
device_created = _signals.signal("ninjaone.device-created")
#: A known device changed: ``device_id``, ``host_asset_id``.
device_updated = _signals.signal("ninjaone.device-updated")
#: A device was deleted/retired: ``device_id``, ``host_asset_id``.
device_deleted = _signals.signal("ninjaone.device-deleted")
#: A sync run started: ``run_id``, ``kind``, ``trigger``.
sync_started = _signals.signal("ninjaone.sync-started")
#: A sync run finished: ``run_id``, ``counts``.
sync_completed = _signals.signal("ninjaone.sync-completed")
#: A sync run failed: ``run_id``, ``error``.
sync_failed = _signals.signal("ninjaone.sync-failed")
#: A NinjaOne alert was triggered (first time or again): ``alert_id``, ``series_uid``, ``device_id``,
#: ``severity``, ``occurrence_count``, ``ticket_id`` (``None`` when no ticket), ``new`` (first trigger).
alert_received = _signals.signal("ninjaone.alert-received")
#: An alert was acknowledged (in NinjaOne or in the alerts panel): ``alert_id``, ``series_uid``, ``by``.
alert_acknowledged = _signals.signal("ninjaone.alert-acknowledged")
#: An alert was resolved (reset in NinjaOne, in the panel, by a ticket close or by reconciliation):
#: ``alert_id``, ``series_uid``, ``by``, ``ticket_id``.
alert_resolved = _signals.signal("ninjaone.alert-resolved")
