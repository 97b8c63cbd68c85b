"""The enums of NinjaOne's OpenAPI document, as the fake validates and generates them.

``enums.json`` beside this module is a verbatim copy of ``shared/ninjaone/enums.json`` (extracted
mechanically from the real OpenAPI document); it ships inside the wheel so the fake works without the
repository's ``shared/`` folder. A test compares the two so the copy cannot drift silently.
"""

from __future__ import annotations

import json
from pathlib import Path

ENUMS: dict[str, object] = json.loads((Path(__file__).with_name("enums.json")).read_text(encoding="utf-8"))

NODE_CLASSES: tuple[str, ...] = tuple(ENUMS["Device.nodeClass"])
APPROVAL_STATUSES: tuple[str, ...] = tuple(ENUMS["Device.approvalStatus"])
DEVICE_TYPES: tuple[str, ...] = tuple(ENUMS["Device.discriminator(deviceType) schema names"])
ACTIVITY_TYPES: frozenset[str] = frozenset(ENUMS["Activity.activityType"])
STATUS_CODES: frozenset[str] = frozenset(ENUMS["Activity.statusCode"])
SEVERITIES: tuple[str, ...] = tuple(ENUMS["Activity.severity"])
PRIORITIES: tuple[str, ...] = tuple(ENUMS["Activity.priority"])
ALERT_SOURCE_TYPES: frozenset[str] = frozenset(ENUMS["Alert.sourceType"])
HEALTH_STATUSES: tuple[str, ...] = tuple(ENUMS["Alert.conditionHealthStatus"])
