"""Activity records and the condition templates the fake triggers.

An activity is stored in exactly the JSON shape ``GET /v2/activities`` returns and a webhook delivers
(``samples/webhook-condition-triggered.json``, ``samples/activity-monitor-system-rebooted.json``): keys in
the real order, absent rather than null when a field has no value. Building it in one place keeps the
seeded history, the control API and the API-initiated resets indistinguishable to a client.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .enums import ACTIVITY_TYPES, PRIORITIES, SEVERITIES, STATUS_CODES

# Human-readable ``type`` / ``status`` texts that do not follow from the code by title-casing it.
_TYPE_LABELS = {"ACTIONSET": "Action Set", "CONDITION_ACTIONSET": "Condition Action Set"}
_STATUS_LABELS = {"SYSTEM_REBOOTED": "Rebooted"}


def _label(code: str, overrides: dict[str, str]) -> str:
    return overrides.get(code) or code.replace("_", " ").title()


def build_activity(
    activity_id: int,
    *,
    activity_time: float,
    activity_type: str,
    status_code: str,
    device_id: int | None = None,
    severity: str | None = None,
    priority: str | None = None,
    series_uid: str | None = None,
    source_config_uid: str | None = None,
    source_name: str | None = None,
    subject: str | None = None,
    user_id: int | None = None,
    message: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return an Activity in the real key order; raise ``ValueError`` for a value outside the spec enums."""
    if activity_type not in ACTIVITY_TYPES:
        raise ValueError(f"unknown activityType {activity_type!r}")
    if status_code not in STATUS_CODES:
        raise ValueError(f"unknown statusCode {status_code!r}")
    if severity is not None and severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    if priority is not None and priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority!r}")
    fields: dict[str, Any] = {
        "id": activity_id,
        "activityTime": activity_time,
        "deviceId": device_id,
        "severity": severity,
        "priority": priority,
        "seriesUid": series_uid,
        "activityType": activity_type,
        "statusCode": status_code,
        "status": _label(status_code, _STATUS_LABELS),
        "sourceConfigUid": source_config_uid,
        "sourceName": source_name,
        "subject": subject,
        "userId": user_id,
        "message": message,
        "type": _label(activity_type, _TYPE_LABELS),
        "data": data,
    }
    return {key: value for key, value in fields.items() if value is not None}


@dataclass(frozen=True)
class ConditionTemplate:
    """What a triggered condition of one kind says: alert source type, message and ``data.message``.

    ``params`` receives the trigger time in epoch seconds and returns the message parameters; like the
    real payloads, dates inside ``data.message.params`` are epoch MILLISECONDS.
    """

    source_type: str
    source_name: str
    subject: str
    message: str
    code: str
    params: Callable[[float], dict[str, Any]]

    def data(self, at: float) -> dict[str, Any]:
        return {"message": {"code": self.code, "params": self.params(at)}}


def _usage_params(threshold: int, value: float, unit: str = "%") -> Callable[[float], dict[str, Any]]:
    def params(at: float) -> dict[str, Any]:
        end = int(at * 1000)
        return {
            "duration": 5,
            "end_date": end,
            "start_date": end - 300_000,
            "target": "_average_",
            "threshold": threshold,
            "unit": unit,
            "value": value,
        }

    return params


def _event_log_params(at: float) -> dict[str, Any]:
    return {
        "event_id": "41",
        "event_time": _iso(at),
        "event_source": "Microsoft-Windows-Kernel-Power",
        "msg": "The system has rebooted without cleanly shutting down first.",
    }


def _iso(at: float) -> str:
    return datetime.datetime.fromtimestamp(int(at), tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


CONDITIONS: dict[str, ConditionTemplate] = {
    "cpu": ConditionTemplate(
        "CONDITION_AGENT_CPU",
        "_average_",
        "",
        "CPU Utilization is greater than or equal to 90% for 5 minutes",
        "agent_cond_cpu_usage_ge",
        _usage_params(90, 97.25),
    ),
    "memory": ConditionTemplate(
        "CONDITION_AGENT_MEMORY",
        "_average_",
        "",
        "Memory Utilization is greater than or equal to 80% for 5 minutes",
        "agent_cond_memory_usage_ge",
        _usage_params(80, 84.80957683284261),
    ),
    "disk": ConditionTemplate(
        "CONDITION_AGENT_DISK_FREE_SPACE",
        "C:",
        "C:",
        "Disk C: free space is less than or equal to 10%",
        "agent_cond_disk_free_space_le",
        _usage_params(10, 4.2),
    ),
    "eventlog": ConditionTemplate(
        "CONDITION_WINDOWS_EVENT_LOG_TRIGGERED",
        "",
        "41",
        "EventId: 41, Source: Microsoft-Windows-Kernel-Power, Message: The system has rebooted without "
        "cleanly shutting down first.",
        "agent_cond_eventlog2",
        _event_log_params,
    ),
}
