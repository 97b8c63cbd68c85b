"""A device's patches, antivirus and threats as a test sets them, instead of generated.

Generated inventory is a pure function of (fleet seed, device) and never changes; a test of "a patch
install failed" or "the antivirus was switched off" needs that device to report something else from
now on. :meth:`FakeState.set_device_inventory` stores replacement row sets, checked here against the
OpenAPI shapes of ``GET /v2/device/{id}/os-patches``, ``/software-patches`` and the
``/v2/queries/antivirus-status`` rows (without ``deviceId``/``timestamp``, which the fake adds), so a
test can never make the fake answer something NinjaOne would not. Every endpoint reads the same
replacement: per-device endpoints, query reports and the device-health counts agree.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

#: Replaceable row sets → {field: JSON types it may hold} (the spec's schema of one row).
ROW_FIELDS: Mapping[str, Mapping[str, tuple[type, ...]]] = {
    "os-patches": {
        "id": (str,),
        "name": (str,),
        "severity": (str,),
        "status": (str,),
        "type": (str,),
        "installedAt": (int, float),
        "kbNumber": (str,),
    },
    "software-patches": {
        "id": (str,),
        "productIdentifier": (str,),
        "title": (str,),
        "impact": (str,),
        "status": (str,),
        "type": (str,),
        "installedAt": (int, float),
    },
    "antivirus": {
        "productName": (str,),
        "productState": (str,),
        "definitionStatus": (str,),
        "version": (str,),
    },
}
#: Fields the spec gives ``format: uuid``, per row set.
UUID_FIELDS: Mapping[str, frozenset[str]] = {
    "os-patches": frozenset({"id"}),
    "software-patches": frozenset({"id", "productIdentifier"}),
    "antivirus": frozenset(),
}
#: device-health threat counters a test may set (the rest of the row follows the rows above).
THREAT_COUNTS = ("activeThreatsCount", "quarantinedThreatsCount", "blockedThreatsCount")
#: Control-API keys (camelCase, like NinjaOne's fields) → the row set they replace.
CONTROL_KEYS: Mapping[str, str] = {
    "osPatches": "os-patches",
    "softwarePatches": "software-patches",
    "antivirus": "antivirus",
    "threats": "threats",
}


def checked_rows(kind: str, rows: Any) -> list[dict[str, Any]]:
    """``rows`` as a new list of new dicts, or ``ValueError`` naming the first problem."""
    fields = ROW_FIELDS[kind]
    if not isinstance(rows, list):
        raise ValueError(f"{kind} must be a list of objects")
    checked: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ValueError(f"{kind}[{index}] must be an object")
        unknown = sorted(set(row) - set(fields))
        if unknown:
            raise ValueError(f"{kind}[{index}]: fields {unknown} are not in the spec's row")
        for key, value in row.items():
            if isinstance(value, bool) or not isinstance(value, fields[key]):
                raise ValueError(f"{kind}[{index}].{key} has the wrong type")
            if key in UUID_FIELDS[kind]:
                try:
                    uuid.UUID(str(value))  # a str: its type was checked against the row's above
                except ValueError:
                    raise ValueError(f"{kind}[{index}].{key} must be a UUID") from None
        checked.append(dict(row))
    return checked


def checked_threats(counts: Any) -> dict[str, int]:
    """Threat counters: non-negative integers under :data:`THREAT_COUNTS` names."""
    if not isinstance(counts, dict):
        raise ValueError("threats must be an object")
    unknown = sorted(set(counts) - set(THREAT_COUNTS))
    if unknown:
        raise ValueError(f"threats: unknown counters {unknown}; expected some of {list(THREAT_COUNTS)}")
    for key, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"threats.{key} must be a non-negative integer")
    return dict(counts)
