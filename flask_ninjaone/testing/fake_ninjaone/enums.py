"""The enums of NinjaOne's OpenAPI document, as the fake validates and generates them.

``enums.json`` beside this module is a verbatim copy of ``shared/ninjaone/enums.json`` (extracted
mechanically from the real OpenAPI document); it ships inside the wheel so the fake works without the
repository's ``shared/`` folder. A test compares the two so the copy cannot drift silently.
"""

from __future__ import annotations

import json
from pathlib import Path

ENUMS: dict[str, object] = json.loads((Path(__file__).with_name("enums.json")).read_text(encoding="utf-8"))


def _names(key: str) -> list[str]:
    """The enum ``key`` of the copied document, checked to be the list of names the fake relies on."""
    values = ENUMS[key]
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValueError(f"enums.json: {key!r} is not a list of names")
    return values


NODE_CLASSES: tuple[str, ...] = tuple(_names("Device.nodeClass"))
APPROVAL_STATUSES: tuple[str, ...] = tuple(_names("Device.approvalStatus"))
DEVICE_TYPES: tuple[str, ...] = tuple(_names("Device.discriminator(deviceType) schema names"))
ACTIVITY_TYPES: frozenset[str] = frozenset(_names("Activity.activityType"))
STATUS_CODES: frozenset[str] = frozenset(_names("Activity.statusCode"))
SEVERITIES: tuple[str, ...] = tuple(_names("Activity.severity"))
PRIORITIES: tuple[str, ...] = tuple(_names("Activity.priority"))
ALERT_SOURCE_TYPES: frozenset[str] = frozenset(_names("Alert.sourceType"))
HEALTH_STATUSES: tuple[str, ...] = tuple(_names("Alert.conditionHealthStatus"))
