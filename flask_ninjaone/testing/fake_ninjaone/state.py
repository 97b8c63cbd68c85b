"""The fake's whole world, in memory, behind one re-entrant lock.

``FakeState`` holds the fleet (organizations, locations, devices kept sorted by id for ``after`` paging,
alerts keyed by uid, activities with monotonic ids) and composes the other stores, which share its lock:
``oauth`` (client apps, codes, tokens), ``webhooks`` (configuration per API client, delivery log),
``faults`` (the injected-fault queue) and ``cursors`` (query report cursors).

Records are copy-on-write: an update stores a new dict instead of mutating the old one, so a request
thread may serialize a record it read under the lock after releasing it. Webhook deliveries are
collected under the lock and sent after it is released, so a slow receiver never stalls the API.

Two layers of writes: ``add_*`` insert raw records (the generator and tests use them to build a world
silently), while the event methods (``create_device``, ``trigger_condition``, ``reset_alert``…) behave like
NinjaOne: they record the activity and deliver it to matching webhooks.
"""

from __future__ import annotations

import copy
import random
import threading
import time
import uuid
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator
from typing import Any

from flask import current_app

from . import checkpoint as checkpoints
from . import inventory, inventory_changes
from .activities import CONDITIONS, build_activity
from .custom_fields import CustomFieldStore
from .device_actions import DeviceActions
from .device_builder import COMMON_DETAIL_FIELDS, DEVICE_TYPE_FIELDS, build_device, domain_for
from .device_filter import DeviceFilter
from .enums import ALERT_SOURCE_TYPES, APPROVAL_STATUSES, NODE_CLASSES
from .faults import FaultQueue
from .node_roles import FIRST_CUSTOM_ROLE_ID, builtin_roles, custom_role
from .oauth_store import OAuthStore
from .payloads import SUMMARY_FIELDS, device_with_references
from .queries import CursorStore
from .webhooks import DeliveryJob, WebhookHub

_READ_ONLY_DEVICE_FIELDS = frozenset({"id", "uid", "nodeClass", "deviceType", "created"})
_ALL_FILTER = DeviceFilter()


class UnknownRecord(LookupError):
    """An id or uid that the fake does not hold (the API answers 404)."""


def current_state() -> FakeState:
    """The state of the fake app serving the current request."""
    return current_app.extensions["fake_ninjaone"]


def _now() -> float:
    return round(time.time(), 6)


class FakeState:
    """Thread-safe in-memory NinjaOne tenant; see the module docstring for the layout."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.oauth = OAuthStore(self.lock)
        self.webhooks = WebhookHub(self.lock)
        self.faults = FaultQueue(self.lock)
        self.cursors = CursorStore(self.lock)
        self.device_actions = DeviceActions(self)
        self.custom_fields = CustomFieldStore(self.lock, lambda: self.seed)
        """Device custom field definitions and values, and logged-on users (see ``custom_fields``)."""
        """Reboot and maintenance requests (see ``device_actions``)."""
        self.seed = 0
        """Seed of the generated inventory (software, patches…); set by :func:`seed_fleet`."""
        self._organizations: dict[int, dict[str, Any]] = {}
        self._locations: dict[int, dict[str, Any]] = {}
        self._node_roles: dict[int, dict[str, Any]] = {role["id"]: role for role in builtin_roles()}
        self._devices: dict[int, dict[str, Any]] = {}
        self._device_ids: list[int] = []
        self._alerts: dict[str, dict[str, Any]] = {}
        self._alerts_by_device: dict[int, set[str]] = {}
        self._activities: list[dict[str, Any]] = []
        self._reported: dict[int, dict[str, Any]] = {}
        """Inventory set by :meth:`set_device_inventory` per device id, in place of the generated rows."""
        self._last_ids = {
            "organization": 0,
            "location": 0,
            "device": 0,
            "activity": 0,
            "node_role": FIRST_CUSTOM_ROLE_ID - 1,
        }
        self._requests: Counter[str] = Counter()
        self._token_grants: Counter[str] = Counter()

    def close(self) -> None:
        """Stop the webhook sender's threads."""
        self.webhooks.close()

    def checkpoint(self) -> checkpoints.FakeCheckpoint:
        """Everything the fake holds, to :meth:`restore` later (see ``checkpoint.py``)."""
        return checkpoints.take(self)

    def restore(self, saved: checkpoints.FakeCheckpoint) -> None:
        """Back to ``saved``: fleet, alerts, activities, OAuth apps and tokens, webhook configurations and
        deliveries, injected faults, device actions, counters, all of it."""
        checkpoints.restore(self, saved)

    def _next_id(self, kind: str, step: int = 1) -> int:
        self._last_ids[kind] += step
        return self._last_ids[kind]

    # -- organizations and locations -------------------------------------------------------------

    def add_organization(
        self,
        name: str,
        *,
        description: str | None = None,
        node_approval_mode: str = "AUTOMATIC",
        policies: list[dict[str, int]] | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            organization: dict[str, Any] = {"name": name}
            if description is not None:
                organization["description"] = description
            organization["nodeApprovalMode"] = node_approval_mode
            organization["id"] = self._next_id("organization")
            organization["policies"] = list(policies or [])
            self._organizations[organization["id"]] = organization
            return organization

    def add_location(
        self, organization_id: int, name: str, *, address: str | None = None, description: str | None = None
    ) -> dict[str, Any]:
        with self.lock:
            self._require_organization(organization_id)
            location: dict[str, Any] = {"name": name}
            if address is not None:
                location["address"] = address
            if description is not None:
                location["description"] = description
            location["id"] = self._next_id("location")
            location["organizationId"] = organization_id
            self._locations[location["id"]] = location
            return location

    def organization(self, organization_id: int) -> dict[str, Any] | None:
        with self.lock:
            return self._organizations.get(organization_id)

    def organizations_page(self, after: int | None, size: int) -> list[dict[str, Any]]:
        with self.lock:
            return _id_page(self._organizations, after, size)

    def locations_page(self, after: int | None, size: int) -> list[dict[str, Any]]:
        with self.lock:
            return _id_page(self._locations, after, size)

    def locations_of(self, organization_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [
                loc for _, loc in sorted(self._locations.items()) if loc["organizationId"] == organization_id
            ]

    # -- node roles --------------------------------------------------------------------------------

    def node_roles(self) -> list[dict[str, Any]]:
        """Every device role, built-in and custom, by id (``GET /v2/noderole/list``)."""
        with self.lock:
            return [role for _, role in sorted(self._node_roles.items())]

    def add_node_role(self, name: str, parent_id: int, *, chassis_type: str | None = None) -> dict[str, Any]:
        """A technician adds a custom role under ``parent_id`` (of the parent's node class)."""
        with self.lock:
            parent = self._node_roles.get(parent_id)
            if parent is None:
                raise UnknownRecord(f"node role {parent_id} does not exist")
            if any(role["name"] == name for role in self._node_roles.values()):
                raise ValueError(f"a node role named {name!r} exists already (names are unique)")
            role = custom_role(
                self._next_id("node_role"), name, parent, chassis_type=chassis_type, created=_now()
            )
            self._node_roles[role["id"]] = role
            return role

    def _check_role(self, role_id: Any, node_class: str) -> None:
        """A device takes only an existing role of its own class (inferred: NinjaOne's role picker
        offers no other)."""
        role = self._node_roles.get(role_id) if type(role_id) is int else None
        if role is None:
            raise ValueError(f"node role {role_id!r} does not exist")
        if role["nodeClass"] != node_class:
            raise ValueError(f"node role {role_id} is a {role['nodeClass']} role, not {node_class}")

    def _require_organization(self, organization_id: int) -> dict[str, Any]:
        organization = self._organizations.get(organization_id)
        if organization is None:
            raise UnknownRecord(f"organization {organization_id} does not exist")
        return organization

    # -- devices -----------------------------------------------------------------------------------

    def add_device(self, record: dict[str, Any]) -> dict[str, Any]:
        """Insert a device record as is (no activity, no webhook); ids must be new."""
        with self.lock:
            device_id = record["id"]
            if device_id in self._devices:
                raise ValueError(f"device {device_id} already exists")
            self._devices[device_id] = record
            if not self._device_ids or device_id > self._device_ids[-1]:
                self._device_ids.append(device_id)
            else:
                self._device_ids.insert(bisect_left(self._device_ids, device_id), device_id)
            self._last_ids["device"] = max(self._last_ids["device"], device_id)
            return record

    def reserve_device_id(self, gap: int = 1) -> int:
        """The id the next new device gets; ``gap`` > 1 leaves holes like deleted devices do."""
        with self.lock:
            return self._next_id("device", gap)

    def device(self, device_id: int) -> dict[str, Any] | None:
        with self.lock:
            return self._devices.get(device_id)

    def devices_page(
        self,
        after: int | None,
        size: int,
        matches: DeviceFilter = _ALL_FILTER,
        organization_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Up to ``size`` devices with id > ``after`` that pass the filter, in id order."""
        with self.lock:
            ids = self._device_ids
            page: list[dict[str, Any]] = []
            for index in range(bisect_right(ids, after) if after is not None else 0, len(ids)):
                device = self._devices[ids[index]]
                if organization_id is not None and device["organizationId"] != organization_id:
                    continue
                if matches(device):
                    page.append(device)
                    if len(page) == size:
                        break
            return page

    def create_device(
        self,
        organization_id: int,
        node_class: str = "WINDOWS_WORKSTATION",
        *,
        location_id: int | None = None,
        fields: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A new device enrolls: NODE_CREATED is recorded and delivered.

        Approval follows the organization's ``nodeApprovalMode`` (MANUAL -> PENDING) unless ``fields``
        says otherwise; ``fields`` overrides any generated top-level field.
        """
        if node_class not in NODE_CLASSES:
            raise ValueError(f"unknown nodeClass {node_class!r}")
        with self.lock:
            organization = self._require_organization(organization_id)
            location_id = self._check_location(organization_id, location_id)
            device_id = self._next_id("device")
            approval = "PENDING" if organization["nodeApprovalMode"] == "MANUAL" else "APPROVED"
            now = _now()
            record = build_device(
                random.Random(self.seed * 1_000_003 + device_id),
                device_id=device_id,
                node_class=node_class,
                organization_id=organization_id,
                location_id=location_id,
                domain=domain_for(organization["name"]),
                now=now,
                approval_status=approval,
            )
            record.update(created=now, lastContact=now, lastUpdate=now, offline=False)
            record = self._apply_changes(record, fields or {})
            self.add_device(record)
            jobs = self._lifecycle(record, "NODE_CREATED", "created")[1]
        self.webhooks.send(jobs)
        return record

    def update_device(self, device_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change fields (nested blocks merge one level; ``None`` removes a field): NODE_UPDATED."""
        with self.lock:
            record = self.require_device(device_id)
            updated = self._apply_changes(copy.deepcopy(record), changes)
            updated["lastUpdate"] = _now()
            self._devices[device_id] = updated
            jobs = self._lifecycle(updated, "NODE_UPDATED", "updated")[1]
        self.webhooks.send(jobs)
        return updated

    def delete_device(self, device_id: int, *, unlogged: bool = False) -> dict[str, Any] | None:
        """Remove the device and its alerts (no RESET is emitted, as in NinjaOne): NODE_DELETED.

        ``unlogged`` removes it without any activity or delivery (returns ``None``): the feed and the
        webhooks miss events, so an integration must not depend on seeing this one.
        """
        with self.lock:
            record = self.require_device(device_id)
            del self._devices[device_id]
            self._reported.pop(device_id, None)
            self._device_ids.pop(bisect_left(self._device_ids, device_id))
            for uid in self._alerts_by_device.pop(device_id, set()):
                del self._alerts[uid]
            if unlogged:
                return None
            activity, jobs = self._lifecycle(record, "NODE_DELETED", "deleted")
        self.webhooks.send(jobs)
        return activity

    def approve_device(self, device_id: int) -> dict[str, Any]:
        """A technician approves a PENDING device: NODE_MANUALLY_APPROVED."""
        with self.lock:
            record = self.require_device(device_id)
            if record["approvalStatus"] != "PENDING":
                raise ValueError(f"device {device_id} is {record['approvalStatus']}, not PENDING")
            updated = {**record, "approvalStatus": "APPROVED", "lastUpdate": _now()}
            self._devices[device_id] = updated
            jobs = self._lifecycle(updated, "NODE_MANUALLY_APPROVED", "approved")[1]
        self.webhooks.send(jobs)
        return updated

    def set_approval_status(self, device_id: int, status: str) -> dict[str, Any]:
        """A technician changes a device's approval status (e.g. back to PENDING, or DECOMMISSIONED).

        Approving a PENDING device records NODE_MANUALLY_APPROVED (see :meth:`approve_device`); every
        other change is a NODE_UPDATED, the code NinjaOne's statusCode enum has for it.
        """
        if status not in APPROVAL_STATUSES:
            raise ValueError(f"unknown approvalStatus {status!r}")
        with self.lock:
            record = self.require_device(device_id)
            if record["approvalStatus"] == "PENDING" and status == "APPROVED":
                code, verb = "NODE_MANUALLY_APPROVED", "approved"
            else:
                code, verb = "NODE_UPDATED", "updated"
            updated = {**record, "approvalStatus": status, "lastUpdate": _now()}
            self._devices[device_id] = updated
            jobs = self._lifecycle(updated, code, verb)[1]
        self.webhooks.send(jobs)
        return updated

    def move_device(
        self, device_id: int, organization_id: int, location_id: int | None = None
    ) -> dict[str, Any]:
        """Move a device to another organization (and one of its locations, by default the first).

        NinjaOne records the move as NODE_UPDATED; the activity names the device only, so an
        integration learns the new organization by re-reading the device.
        """
        with self.lock:
            self.require_device(device_id)
            self._require_organization(organization_id)
            location_id = self._check_location(organization_id, location_id)
        return self.update_device(device_id, {"organizationId": organization_id, "locationId": location_id})

    def reboot_device(self, device_id: int) -> dict[str, Any]:
        """The agent reports a reboot: MONITOR / SYSTEM_REBOOTED, ``os.lastBootTime`` moves to now."""
        with self.lock:
            record = self.require_device(device_id)
            now = _now()
            updated = copy.deepcopy(record)
            if "os" in updated:
                updated["os"]["lastBootTime"] = now
                updated["os"]["needsReboot"] = False
            self._devices[device_id] = updated
            activity = self.record_reboot(device_id, at=now, deliver=False)
            jobs = self._jobs([activity], updated)
        self.webhooks.send(jobs)
        return activity

    def record_reboot(self, device_id: int, *, at: float, deliver: bool = True) -> dict[str, Any]:
        """Record (and by default deliver) a SYSTEM_REBOOTED activity at ``at``."""
        reboot_date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
        return self.record_activity(
            at=at,
            activity_type="MONITOR",
            status_code="SYSTEM_REBOOTED",
            device_id=device_id,
            message=f"System rebooted at '{reboot_date}'",
            data={"message": {"code": "agent_act_sys_reboot", "params": {"reboot_date": reboot_date}}},
            deliver=deliver,
        )

    def _lifecycle(
        self, device: dict[str, Any], status_code: str, verb: str
    ) -> tuple[dict[str, Any], list[DeliveryJob]]:
        """Record a SYSTEM device-lifecycle activity; return it with its deliveries (send them unlocked)."""
        activity = self._append_activity(
            at=_now(),
            activity_type="SYSTEM",
            status_code=status_code,
            device_id=device["id"],
            message=f"Device {device['systemName']} was {verb}",
        )
        return activity, self._jobs([activity], device)

    def require_device(self, device_id: int) -> dict[str, Any]:
        """The device record, or :class:`UnknownRecord` (the API's 404)."""
        record = self._devices.get(device_id)
        if record is None:
            raise UnknownRecord(f"device {device_id} does not exist")
        return record

    def _check_location(self, organization_id: int, location_id: int | None) -> int:
        if location_id is None:
            locations = self.locations_of(organization_id)
            if not locations:
                raise ValueError(f"organization {organization_id} has no location")
            return locations[0]["id"]
        location = self._locations.get(location_id)
        if location is None or location["organizationId"] != organization_id:
            raise ValueError(f"location {location_id} does not belong to organization {organization_id}")
        return location_id

    def _apply_changes(self, record: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        allowed = set(SUMMARY_FIELDS) | COMMON_DETAIL_FIELDS | DEVICE_TYPE_FIELDS[record["deviceType"]]
        unknown = set(changes) - (allowed - _READ_ONLY_DEVICE_FIELDS)
        if unknown:
            raise ValueError(f"fields not settable on a {record['deviceType']}: {sorted(unknown)}")
        if "approvalStatus" in changes and changes["approvalStatus"] not in APPROVAL_STATUSES:
            raise ValueError(f"unknown approvalStatus {changes['approvalStatus']!r}")
        organization_id = changes.get("organizationId", record["organizationId"])
        if "organizationId" in changes or "locationId" in changes:
            self._require_organization(organization_id)
            self._check_location(organization_id, changes.get("locationId", record["locationId"]))
        if "nodeRoleId" in changes:
            self._check_role(changes["nodeRoleId"], record["nodeClass"])
        for key, value in changes.items():
            if value is None:
                record.pop(key, None)
            elif isinstance(value, dict) and isinstance(record.get(key), dict):
                merged = {**record[key], **value}
                record[key] = {name: item for name, item in merged.items() if item is not None}
            else:
                record[key] = value
        return record

    # -- alerts --------------------------------------------------------------------------------------

    def add_alert(self, alert: dict[str, Any]) -> dict[str, Any]:
        """Insert an active alert as is (no activity, no webhook)."""
        with self.lock:
            self.require_device(alert["deviceId"])
            self._alerts[alert["uid"]] = alert
            self._alerts_by_device.setdefault(alert["deviceId"], set()).add(alert["uid"])
            return alert

    def alerts(
        self,
        matches: DeviceFilter = _ALL_FILTER,
        source_type: str | None = None,
        device_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Active alerts, oldest first."""
        with self.lock:
            uids = self._alerts_by_device.get(device_id, set()) if device_id is not None else self._alerts
            selected = [
                self._alerts[uid]
                for uid in uids
                if source_type in (None, self._alerts[uid]["sourceType"])
                and matches(self._devices[self._alerts[uid]["deviceId"]])
            ]
        return sorted(selected, key=lambda alert: (alert["createTime"], alert["uid"]))

    def trigger_condition(
        self,
        device_id: int,
        *,
        condition: str = "cpu",
        message: str | None = None,
        severity: str | None = None,
        priority: str | None = None,
        source_config_uid: str | None = None,
        source_name: str | None = None,
        source_type: str | None = None,
        subject: str | None = None,
        data: dict[str, Any] | None = None,
        repeat: int = 1,
        out_of_order: bool = False,
        at: float | None = None,
        series_uid: str | None = None,
    ) -> dict[str, Any]:
        """A condition fires on a device: TRIGGERED is recorded, the alert becomes active, both delivered.

        ``condition`` picks a template (``cpu``, ``memory``, ``disk``, ``eventlog``) for the fields not
        given; uids are random unless given. Triggering again a condition (same ``source_config_uid``)
        that is still active keeps its series uid. ``repeat`` delivers the same activity n times;
        ``out_of_order`` also resets the alert at once and delivers the RESET before the TRIGGERED.
        Returns ``{"alert", "activities"}``.
        """
        if condition not in CONDITIONS:
            raise ValueError(f"condition must be one of {sorted(CONDITIONS)}")
        if not isinstance(repeat, int) or repeat < 1:
            raise ValueError("repeat must be an integer of at least 1")
        if source_type is not None and source_type not in ALERT_SOURCE_TYPES:
            raise ValueError(f"unknown alert sourceType {source_type!r}")
        template = CONDITIONS[condition]
        at = _now() if at is None else at
        with self.lock:
            device = self.require_device(device_id)
            source_config_uid = source_config_uid or str(uuid.uuid4())
            previous = next(
                (
                    self._alerts[uid]
                    for uid in self._alerts_by_device.get(device_id, ())
                    if self._alerts[uid]["sourceConfigUid"] == source_config_uid
                ),
                None,
            )
            series_uid = previous["uid"] if previous else series_uid or str(uuid.uuid4())
            fields = {
                "message": message or template.message,
                "sourceConfigUid": source_config_uid,
                "sourceName": template.source_name if source_name is None else source_name,
                "subject": template.subject if subject is None else subject,
                "data": data or template.data(at),
            }
            trigger = self._append_activity(
                at=at,
                activity_type="CONDITION",
                status_code="TRIGGERED",
                device_id=device_id,
                severity=severity,
                priority=priority,
                series_uid=series_uid,
                source_config_uid=fields["sourceConfigUid"],
                source_name=fields["sourceName"],
                subject=fields["subject"],
                message=fields["message"],
                data=fields["data"],
            )
            alert: dict[str, Any] = {
                "uid": series_uid,
                "deviceId": device_id,
                "message": fields["message"],
                "createTime": previous["createTime"] if previous else at,
                "updateTime": at,
                "sourceType": source_type or template.source_type,
                "sourceConfigUid": fields["sourceConfigUid"],
                "sourceName": fields["sourceName"],
                "subject": fields["subject"],
                "data": fields["data"],
            }
            if severity is not None:
                alert["severity"] = severity
            if priority is not None:
                alert["priority"] = priority
            self.add_alert(alert)
            activities = [trigger]
            delivered = [trigger] * repeat
            if out_of_order:
                reset = self._reset(series_uid, None, at)
                activities.append(reset)
                delivered.insert(0, reset)
            jobs = self._jobs(delivered, device)
        self.webhooks.send(jobs)
        return {"alert": alert, "activities": activities}

    def reset_alert(
        self, uid: str, data: dict[str, Any] | None = None, *, at: float | None = None
    ) -> dict[str, Any]:
        """Reset an active alert (API ``DELETE /v2/alert/{uid}`` or the condition clearing): RESET.

        ``at`` (epoch seconds, default now) dates the RESET, so tests can replay a history of cycles.
        """
        with self.lock:
            if uid not in self._alerts:
                raise UnknownRecord(f"alert {uid} is not active")
            device = self._devices[self._alerts[uid]["deviceId"]]
            activity = self._reset(uid, data, _now() if at is None else at)
            jobs = self._jobs([activity], device)
        self.webhooks.send(jobs)
        return activity

    def _reset(self, uid: str, data: dict[str, Any] | None, at: float) -> dict[str, Any]:
        alert = self._alerts.pop(uid)
        self._alerts_by_device[alert["deviceId"]].discard(uid)
        return self._append_activity(
            at=at,
            activity_type="CONDITION",
            status_code="RESET",
            device_id=alert["deviceId"],
            severity=alert.get("severity"),
            priority=alert.get("priority"),
            series_uid=uid,
            source_config_uid=alert["sourceConfigUid"],
            source_name=alert["sourceName"],
            subject=alert["subject"],
            message=alert["message"],
            data=data or alert["data"],
        )

    # -- activities ------------------------------------------------------------------------------------

    def record_activity(
        self,
        *,
        activity_type: str,
        status_code: str,
        device_id: int | None = None,
        at: float | None = None,
        deliver: bool = True,
        **fields: Any,
    ) -> dict[str, Any]:
        """Record any activity (``fields`` as :func:`build_activity` keywords) and deliver it by default."""
        with self.lock:
            device = self.require_device(device_id) if device_id is not None else None
            activity = self._append_activity(
                at=_now() if at is None else at,
                activity_type=activity_type,
                status_code=status_code,
                device_id=device_id,
                **fields,
            )
            jobs = self._jobs([activity], device) if deliver else []
        self.webhooks.send(jobs)
        return activity

    def _append_activity(
        self, *, at: float, activity_type: str, status_code: str, **fields: Any
    ) -> dict[str, Any]:
        activity = build_activity(
            self._last_ids["activity"] + 1,
            activity_time=at,
            activity_type=activity_type,
            status_code=status_code,
            **fields,
        )
        self._next_id("activity")
        self._activities.append(activity)
        return activity

    def activities_page(
        self,
        size: int,
        *,
        newer_than: int | None = None,
        older_than: int | None = None,
        matches: DeviceFilter = _ALL_FILTER,
        criteria: dict[str, set[str]] | None = None,
    ) -> tuple[int | None, list[dict[str, Any]]]:
        """``(lastActivityId, activities)``, newest first, ids strictly between the bounds.

        With only ``newer_than`` the page holds the ``size`` activities right after it (so a poller
        walking forward misses none), still ordered newest first. ``criteria`` maps an activity field to
        the values it may take (``type`` / ``status`` / ``seriesUid`` / ``sourceConfigUid`` parameters).
        """
        with self.lock:
            activities = self._activities
            low = bisect_right(activities, newer_than, key=_activity_id) if newer_than is not None else 0
            high = (
                bisect_left(activities, older_than, key=_activity_id)
                if older_than is not None
                else len(activities)
            )
            forward = newer_than is not None and older_than is None
            indexes = range(low, high) if forward else range(high - 1, low - 1, -1)
            page: list[dict[str, Any]] = []
            for index in indexes:
                activity = activities[index]
                if self._activity_matches(activity, matches, criteria or {}):
                    page.append(activity)
                    if len(page) == size:
                        break
            last = activities[-1]["id"] if activities else None
        return last, page[::-1] if forward else page

    def _activity_matches(
        self, activity: dict[str, Any], matches: DeviceFilter, criteria: dict[str, set[str]]
    ) -> bool:
        if any(activity.get(key) not in allowed for key, allowed in criteria.items()):
            return False
        if not matches.clauses:
            return True
        device = self._devices.get(activity.get("deviceId", -1))
        return device is not None and matches(device)

    # -- inventory and query reports -------------------------------------------------------------

    def device_software(self, device_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return inventory.software(self.seed, self.require_device(device_id))

    def device_os_patches(self, device_id: int) -> list[dict[str, Any]]:
        """Pending, approved, failed and rejected OS patches (installed ones are in the installs report)."""
        with self.lock:
            patches = self._inventory("os-patches", self.require_device(device_id))
        return [patch for patch in patches if patch["status"] != "INSTALLED"]

    def device_software_patches(self, device_id: int) -> list[dict[str, Any]]:
        """Third-party patches of one device: the rows the ``software-patches`` report lists for it."""
        with self.lock:
            return self._inventory("software-patches", self.require_device(device_id))

    def inventory_rows(self, device_id: int, kind: str) -> list[dict[str, Any]]:
        """Copies of the device's rows of ``kind`` (os-patches, software-patches, antivirus), installed
        patches included: what a patch job starts from."""
        with self.lock:
            return self._inventory(kind, self.require_device(device_id))

    def set_device_inventory(self, device_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """What the device's agent reports from now on, replacing the generated rows.

        ``changes`` maps ``osPatches`` / ``softwarePatches`` / ``antivirus`` to complete row sets in the
        per-device shapes of the spec, and ``threats`` to device-health counters (see
        :mod:`.inventory_changes`); ``None`` returns one to the generated value. Every endpoint serves
        the new rows, device-health counts follow them, and the device's ``lastUpdate`` (the reports'
        ``timestamp``) moves, as when an agent reports. Returns what the device now reports.
        """
        unknown = sorted(set(changes) - set(inventory_changes.CONTROL_KEYS))
        if unknown or not changes:
            raise ValueError(f"give some of {sorted(inventory_changes.CONTROL_KEYS)}; unknown: {unknown}")
        checked: dict[str, Any] = {}
        for key, value in changes.items():
            kind = inventory_changes.CONTROL_KEYS[key]
            if value is None:
                checked[kind] = None
            elif kind == "threats":
                checked[kind] = inventory_changes.checked_threats(value)
            else:
                checked[kind] = inventory_changes.checked_rows(kind, value)
        with self.lock:
            record = self.require_device(device_id)
            reported = {**self._reported.get(device_id, {}), **checked}
            self._reported[device_id] = {kind: rows for kind, rows in reported.items() if rows is not None}
            self._devices[device_id] = {**record, "lastUpdate": _now()}
            return {
                "osPatches": self._inventory("os-patches", record),
                "softwarePatches": self._inventory("software-patches", record),
                "antivirus": self._inventory("antivirus", record),
            }

    def _inventory(self, kind: str, device: dict[str, Any]) -> list[dict[str, Any]]:
        """The device's rows of ``kind`` (os-patches, software-patches, antivirus): set or generated."""
        reported = self._reported.get(device["id"], {})
        if kind in reported:
            return [dict(row) for row in reported[kind]]
        if kind == "os-patches":
            return inventory.os_patches(self.seed, device)
        if kind == "software-patches":
            return inventory.software_patches(self.seed, device)
        return inventory.antivirus(self.seed, device)

    def matching_device_ids(self, matches: DeviceFilter) -> list[int]:
        """Ids of the devices passing ``matches`` right now, in id order (a report's row set)."""
        with self.lock:
            return [device_id for device_id in self._device_ids if matches(self._devices[device_id])]

    def logon_rows(self, device_ids: list[int]) -> Iterator[dict[str, Any]]:
        """Rows of ``/v2/queries/logged-on-users``: each device's last logon, read as the walk reaches it."""
        for device_id in device_ids:
            device = self.device(device_id)
            logon = self.custom_fields.logon(device) if device is not None else None
            if logon is not None:
                yield {**logon, "deviceId": device_id}

    def query_rows(
        self, report: str, matches: DeviceFilter, filters: dict[str, set[str]]
    ) -> Iterator[dict[str, Any]]:
        """Rows of a ``/v2/queries/<report>`` walk over the devices passing ``matches`` right now."""
        return self._rows(report, self.matching_device_ids(matches), filters)

    def _rows(
        self, report: str, device_ids: list[int], filters: dict[str, set[str]]
    ) -> Iterator[dict[str, Any]]:
        for device_id in device_ids:
            with self.lock:
                device = self._devices.get(device_id)
                rows = self._report_rows(report, device) if device is not None else []
            for row in rows:
                if all(row.get(key) in allowed for key, allowed in filters.items()):
                    yield row

    def _report_rows(self, report: str, device: dict[str, Any]) -> list[dict[str, Any]]:
        if report == "device-health":
            parent = self._devices.get(device.get("parentDeviceId", -1))
            return [
                inventory.health(
                    self.seed,
                    device,
                    len(self._alerts_by_device.get(device["id"], ())),
                    parent_offline=bool(parent and parent["offline"]),
                    reported=self._reported.get(device["id"]),
                )
            ]
        if report == "software":
            rows = inventory.software(self.seed, device)
        elif report == "os-patches":
            rows = [row for row in self._inventory(report, device) if row["status"] != "INSTALLED"]
        elif report == "os-patch-installs":
            rows = [row for row in self._inventory("os-patches", device) if "installedAt" in row]
        elif report == "software-patches":
            rows = self._inventory(report, device)
        else:
            rows = self._inventory("antivirus", device)
        stamp = {"deviceId": device["id"], "timestamp": device["lastUpdate"]}
        return [{**row, **stamp} for row in rows]

    # -- webhooks ----------------------------------------------------------------------------------------

    def _jobs(self, activities: list[dict[str, Any]], device: dict[str, Any] | None) -> list[DeliveryJob]:
        """What to POST where for these activities (call holding the lock, send after releasing it)."""
        jobs: list[DeliveryJob] = []
        organization_id = device["organizationId"] if device else None
        for client_id, config in self.webhooks.configs().items():
            headers = {header["name"]: header["value"] for header in config.headers}
            expanded = None
            if device is not None and "device" in config.expand:
                expanded = device_with_references(
                    device,
                    self._organizations.get(device["organizationId"]),
                    self._locations.get(device["locationId"]),
                )
            for activity in activities:
                if config.wants(activity, organization_id):
                    payload = {**activity, "device": expanded} if expanded else activity
                    jobs.append(DeliveryJob(client_id, config.url, headers, payload))
        return jobs

    # -- counters ----------------------------------------------------------------------------------------

    def count_request(self, endpoint: str) -> None:
        with self.lock:
            self._requests[endpoint] += 1

    def count_token_grant(self, grant_type: str) -> None:
        with self.lock:
            self._token_grants[grant_type] += 1

    def request_counts(self) -> dict[str, int]:
        """Requests served per ``"METHOD /path/{template}"`` since the last reset (faults included)."""
        with self.lock:
            return dict(self._requests)

    def token_grant_counts(self) -> dict[str, int]:
        """Token endpoint calls per ``grant_type`` since the last reset."""
        with self.lock:
            return dict(self._token_grants)

    def reset_counters(self) -> None:
        with self.lock:
            self._requests.clear()
            self._token_grants.clear()


def _activity_id(activity: dict[str, Any]) -> int:
    return activity["id"]


def _id_page(records: dict[int, dict[str, Any]], after: int | None, size: int) -> list[dict[str, Any]]:
    """The ``after`` paging of a small id-keyed table (organizations, locations)."""
    ids = sorted(key for key in records if after is None or key > after)[:size]
    return [records[key] for key in ids]
