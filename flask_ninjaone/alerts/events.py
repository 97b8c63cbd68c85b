"""One condition event, whatever channel it came by: a webhook delivery or a ``GET /v2/alerts`` item.

:class:`ConditionEvent` is the lifecycle's input. It is built from a schema-loaded Activity (webhook,
``/v2/activities``) or a schema-loaded Alert (reconciliation: an alert NinjaOne holds that we never
heard of is a TRIGGERED we missed). Its ``payload`` is the JSON-safe original for storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .catalog import ACKNOWLEDGE_CODES, RESET_CODES, TRIGGER_CODES

TRIGGER = "trigger"
RESET = "reset"
ACKNOWLEDGE = "acknowledge"
OTHER = "other"


def kind_of(status_code: str | None) -> str:
    """What a CONDITION ``statusCode`` does to its alert series."""
    if status_code in TRIGGER_CODES:
        return TRIGGER
    if status_code in RESET_CODES:
        return RESET
    if status_code in ACKNOWLEDGE_CODES:
        return ACKNOWLEDGE
    return OTHER


def json_safe(value: Any) -> Any:
    """Schema-loaded data back to storable JSON: datetimes become epoch seconds, as NinjaOne sent them,
    and NUL characters are dropped (PostgreSQL text and JSONB cannot hold them)."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, Mapping):
        return {str(key).replace("\x00", ""): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "")
    return text[:limit] if text else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _shared_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The fields an activity and an alert item both carry, under the same names: read the same way
    whichever way the event came (bounded text, the message code and parameters, the whole payload)."""
    code, params = _message(raw.get("data"))
    device = raw.get("device")
    return {
        "device_id": _int(raw.get("deviceId")),
        "severity": _text(raw.get("severity"), 16) or "NONE",
        "priority": _text(raw.get("priority"), 16) or "NONE",
        "source_config_uid": _text(raw.get("sourceConfigUid"), 64),
        "source_name": _text(raw.get("sourceName"), 255),
        "subject": _text(raw.get("subject"), 255),
        "message": _text(raw.get("message"), 20000),
        "message_code": code,
        "params": params,
        "device": dict(device) if isinstance(device, Mapping) else None,
        "payload": json_safe(dict(raw)),
    }


def _message(data: Any) -> tuple[str | None, dict[str, Any]]:
    """``data.message.code`` and ``data.message.params`` (raw, milliseconds inside)."""
    message = data.get("message") if isinstance(data, Mapping) else None
    if not isinstance(message, Mapping):
        return None, {}
    params = message.get("params")
    return _text(message.get("code"), 128), dict(params) if isinstance(params, Mapping) else {}


@dataclass(frozen=True)
class ConditionEvent:
    """A TRIGGERED / RESET / ACKNOWLEDGED (or other) event of one alert series."""

    kind: str
    status_code: str
    series_uid: str
    at: datetime
    activity_id: int | None = None
    device_id: int | None = None
    severity: str = "NONE"
    priority: str = "NONE"
    activity_type: str | None = None
    source_config_uid: str | None = None
    source_name: str | None = None
    condition_name: str | None = None
    subject: str | None = None
    message: str | None = None
    user_id: int | None = None
    message_code: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    device: dict[str, Any] | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    source: str = "webhook"

    @property
    def organization_id(self) -> int | None:
        """From the expanded device (the only place a delivery carries it)."""
        return _int((self.device or {}).get("organizationId"))

    @property
    def role_id(self) -> int | None:
        return _int((self.device or {}).get("nodeRoleId"))

    @property
    def device_name(self) -> str | None:
        device = self.device or {}
        return _text(device.get("displayName") or device.get("systemName") or device.get("dnsName"), 255)

    @classmethod
    def from_activity(
        cls, activity: Mapping[str, Any], *, now: datetime | None = None
    ) -> ConditionEvent | None:
        """From an ActivitySchema-loaded activity; ``None`` when it names no series (nothing to key on)."""
        series_uid = activity.get("seriesUid")
        if not isinstance(series_uid, str) or not series_uid.strip():
            return None
        status_code = str(activity.get("statusCode") or "").replace("\x00", "")
        at = activity.get("activityTime")
        return cls(
            kind=kind_of(status_code),
            status_code=status_code[:64],
            series_uid=series_uid.replace("\x00", "").strip()[:64],
            at=at if isinstance(at, datetime) else (now or datetime.now(UTC)),
            activity_id=_int(activity.get("id")),
            activity_type=_text(activity.get("activityType"), 64),
            user_id=_int(activity.get("userId")),
            source="webhook",
            **_shared_fields(activity),
        )

    @classmethod
    def from_alert(cls, alert: Mapping[str, Any], *, now: datetime | None = None) -> ConditionEvent:
        """From an AlertSchema-loaded ``GET /v2/alerts`` item: the TRIGGERED we never received.

        ``at`` is the alert's last update (its newest trigger), so a late delivery of the original
        TRIGGERED (at ``createTime``) is recognised as already known.
        """
        at = alert.get("updateTime") or alert.get("createTime")
        return cls(
            kind=TRIGGER,
            status_code="TRIGGERED",
            series_uid=(_text(alert["uid"], 64) or "").strip(),
            at=at if isinstance(at, datetime) else (now or datetime.now(UTC)),
            activity_id=None,
            activity_type="CONDITION",
            condition_name=_text(alert.get("conditionName"), 255),
            source="reconciliation",
            **_shared_fields(alert),
        )

    @property
    def created_at(self) -> datetime | None:
        """For reconciled alerts: when NinjaOne first raised it (``createTime``)."""
        value = self.payload.get("createTime") if self.source == "reconciliation" else None
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, tz=UTC)
        return None
