"""Device custom fields and logged-on users of the fake: definitions, values, and what NinjaOne checks.

From the spec (``openapi.json``): ``GET /v2/device-custom-fields`` answers a bare array of definitions
(``name``, ``label``, ``type``, ``definitionScope``, ``apiPermission``, ``content.values`` — the options
of a dropdown, each ``{"id": uuid, "name", "active", "system"}``); ``/v2/queries/custom-fields`` pages
rows ``{"deviceId", "fields": {name: value}}`` and ``-detailed`` rows ``{"entityType", "entityId", "fields":
[{"name", "value", "updatedBy", "updateTime"}]}`` (the spec marks its ``deviceId`` and ``updated``
writeOnly, so they are not sent); both accept ``fields``
(comma-separated names) and ``updatedAfter``. ``GET|PATCH /v2/device/{id}/custom-fields`` read and
write one device's values as one object keyed by field name. ``/v2/queries/logged-on-users`` pages rows
``{"userName", "logonTime", "deviceId"}`` and ``/v2/device/{id}/last-logged-on-user`` answers
``{"userName", "logonTime"}``.

Inferred (the spec says nothing; see ``docs/fake-ninjaone.md``): a DATE value is epoch milliseconds
(as API-NOTES records for custom-field dates), a CHECKBOX a boolean, NUMERIC an integer and DECIMAL a
number; a DROPDOWN value is the option's ``id`` (uuid), and PATCH accepts that id only. A PATCH naming
a field that does not exist, whose ``apiPermission`` does not allow writing, or with a value of the
wrong type or not among a dropdown's active options is refused whole with a 400 and changes nothing; a
``null`` value clears the field; a successful PATCH answers 204. Fields without a value are left out of
a row (NinjaOne omits empty fields), a device with no value at all has no row in ``custom-fields``.
``updatedAfter`` takes epoch seconds. ``logonTime`` is epoch seconds like the device timestamps, and the
report has one row per device (its last logon): the report's name says "logged-on users", its summary
"last logged-on user".

Values are a pure function of ``(fleet seed, device id)`` until written, like the inventory, so a
10,000-device fleet costs nothing until a report reads it.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

_SALT_FIELDS, _SALT_LOGON = 11, 12
_OPTION_NAMESPACE = uuid.UUID("0b7e3f5c-9d1a-4c2b-8e6f-1a2b3c4d5e6f")
#: Field types whose values the fake checks on PATCH (other types are stored as given).
NUMBER_TYPES = frozenset({"NUMERIC", "DECIMAL"})
TEXT_TYPES = frozenset({"TEXT", "TEXT_MULTILINE", "EMAIL", "PHONE", "URL", "IP_ADDRESS", "WYSIWYG"})
#: Longest TEXT value NinjaOne stores (inferred; the spec gives ``maxCharacters`` per definition only).
TEXT_LIMIT = 10_000
_USERS = ("j.smith", "a.mueller", "k.tanaka", "m.rossi", "l.dubois", "s.nowak", "p.garcia", "admin")
_COST_CENTERS = ("Sales", "Engineering", "Finance", "Operations", "Legal")


def _option(field: str, name: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid5(_OPTION_NAMESPACE, f"{field}:{name}")), "name": name, "active": True}


def _definition(name: str, label: str, kind: str, **content: Any) -> dict[str, Any]:
    return {
        "entityType": "NODE",
        "definitionScope": ["NODE"],
        "type": kind,
        "label": label,
        "description": "",
        "name": name,
        "technicianPermission": "EDITABLE",
        "scriptPermission": "READ_WRITE",
        "apiPermission": "READ_WRITE",
        "content": {"required": False, **content},
    }


def default_definitions() -> list[dict[str, Any]]:
    """The fields every fake starts with: one of each type an integration maps, plus two it cannot."""
    return [
        _definition("assetTag", "Asset tag", "TEXT"),
        _definition(
            "costCenter", "Cost center", "DROPDOWN", values=[_option("costCenter", n) for n in _COST_CENTERS]
        ),
        _definition("purchaseDate", "Purchase date", "DATE"),
        _definition("diskEncrypted", "Disk encrypted", "CHECKBOX"),
        _definition("rackUnits", "Rack units", "NUMERIC"),
        _definition("warrantyCost", "Warranty cost", "DECIMAL"),
        {
            **_definition("localAdminPassword", "Local admin password", "TEXT_ENCRYPTED"),
            "apiPermission": "NONE",
        },
        _definition("tags", "Tags", "MULTI_SELECT", values=[_option("tags", n) for n in ("VIP", "Loaner")]),
    ]


def _generated(seed: int, device_id: int, definitions: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Values a device carries before anyone writes one (about two thirds of the fields filled); each
    field draws from its own generator, so removing one field leaves the others' values as they were."""

    def rng(name: str) -> random.Random:
        return random.Random(f"{seed}:{device_id}:{name}:{_SALT_FIELDS}")

    values: dict[str, Any] = {}
    if "assetTag" in definitions and rng("assetTag").random() < 0.8:
        values["assetTag"] = f"AT-{device_id:06d}"
    if "costCenter" in definitions and (r := rng("costCenter")).random() < 0.7:
        name = r.choice(_COST_CENTERS)  # by name: options added later do not move existing values
        ids = [
            o["id"] for o in definitions["costCenter"]["content"].get("values", []) if o.get("name") == name
        ]
        if ids:
            values["costCenter"] = ids[0]
    if "purchaseDate" in definitions and (r := rng("purchaseDate")).random() < 0.6:
        values["purchaseDate"] = int(1_600_000_000_000 + r.randrange(0, 140_000_000) * 1000)
    if "diskEncrypted" in definitions and (r := rng("diskEncrypted")).random() < 0.7:
        values["diskEncrypted"] = r.random() < 0.8
    if "rackUnits" in definitions and (r := rng("rackUnits")).random() < 0.2:
        values["rackUnits"] = r.choice((1, 2, 4))
    return values


def check_value(definition: dict[str, Any], value: Any) -> str | None:
    """Why NinjaOne would refuse ``value`` for this field, or ``None`` (``None`` values clear)."""
    kind = definition["type"]
    if value is None:
        return None
    if kind in TEXT_TYPES:
        if not isinstance(value, str):
            return "must be a string"
        return "is too long" if len(value) > TEXT_LIMIT else None
    if kind == "NUMERIC":
        return None if isinstance(value, int) and not isinstance(value, bool) else "must be an integer"
    if kind == "DECIMAL":
        return None if isinstance(value, int | float) and not isinstance(value, bool) else "must be a number"
    if kind in ("DATE", "DATE_TIME"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else "must be epoch milliseconds"
    if kind == "CHECKBOX":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "DROPDOWN":
        active = {o["id"] for o in definition["content"].get("values", []) if o.get("active", True)}
        return None if value in active else "is not one of the field's options"
    return None


class CustomFieldStore:
    """Definitions (in order), written values and logons, behind the fake's lock."""

    def __init__(self, lock: threading.RLock, seed: Callable[[], int]) -> None:
        self.lock = lock
        self._seed = seed
        """The fleet seed (``FakeState.seed``, set by ``seed_fleet``), read when values are generated."""
        self._definitions: dict[str, dict[str, Any]] = {d["name"]: d for d in default_definitions()}
        self._written: dict[int, dict[str, tuple[Any, float]]] = {}
        """Per device, values written (PATCH or control API) with their update time."""
        self._logons: dict[int, dict[str, Any] | None] = {}

    # -- definitions -------------------------------------------------------------------------------

    def definitions(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(d) for d in self._definitions.values()]

    def define(self, definition: dict[str, Any]) -> dict[str, Any]:
        """Add or replace a definition (control API); ``name`` and ``type`` are required."""
        if not isinstance(definition.get("name"), str) or not definition["name"]:
            raise ValueError("name is required")
        if not isinstance(definition.get("type"), str):
            raise ValueError("type is required")
        record = {**_definition(definition["name"], definition.get("label", definition["name"]),
                                definition["type"]), **definition}  # fmt: skip
        record.setdefault("content", {})
        with self.lock:
            self._definitions[record["name"]] = record
        return record

    def remove(self, name: str) -> bool:
        """Delete a definition: its values vanish from every report, as in NinjaOne."""
        with self.lock:
            return self._definitions.pop(name, None) is not None

    # -- values ------------------------------------------------------------------------------------

    def values(self, device_id: int) -> dict[str, tuple[Any, float | None]]:
        """A device's current values with their update time (``None``: generated, never written)."""
        with self.lock:
            current: dict[str, tuple[Any, float | None]] = {
                name: (value, None)
                for name, value in _generated(self._seed(), device_id, self._definitions).items()
            }
            for name, (value, at) in self._written.get(device_id, {}).items():
                current[name] = (value, at)
            return {
                name: pair
                for name, pair in current.items()
                if name in self._definitions and pair[0] is not None
            }

    def write(self, device_id: int, changes: Mapping[str, Any], *, api: bool = True) -> None:
        """PATCH semantics: all or nothing. ``api`` checks the field's ``apiPermission`` too."""
        if not isinstance(changes, Mapping) or not changes:
            raise ValueError("Body must be a non-empty JSON object of field values")
        with self.lock:
            for name, value in changes.items():
                definition = self._definitions.get(name)
                if definition is None:
                    raise ValueError(f"Custom field '{name}' does not exist")
                if api and definition.get("apiPermission") not in ("WRITE_ONLY", "READ_WRITE"):
                    raise ValueError(f"Custom field '{name}' is not writable through the API")
                problem = check_value(definition, value)
                if problem is not None:
                    raise ValueError(f"Custom field '{name}' {problem}")
            now = round(time.time(), 3)
            written = self._written.setdefault(device_id, {})
            for name, value in changes.items():
                written[name] = (value, now)

    def readable(self, name: str) -> bool:
        definition = self._definitions.get(name)
        return definition is not None and definition.get("apiPermission") in ("READ_ONLY", "READ_WRITE")

    def device_object(self, device_id: int) -> dict[str, Any]:
        """``GET /v2/device/{id}/custom-fields``: the readable values keyed by name."""
        return {name: value for name, (value, _) in self.values(device_id).items() if self.readable(name)}

    def report_rows(
        self,
        device_ids: Iterable[int],
        *,
        detailed: bool,
        names: set[str] | None,
        updated_after: float | None,
    ) -> Iterator[dict[str, Any]]:
        """Rows of ``custom-fields`` (or ``-detailed``), one per device that has a value to show."""
        for device_id in device_ids:
            shown = {
                name: pair
                for name, pair in self.values(device_id).items()
                if self.readable(name)
                and (names is None or name in names)
                and (updated_after is None or (pair[1] or 0) > updated_after)
            }
            if not shown:
                continue
            if not detailed:
                yield {"deviceId": device_id, "fields": {name: value for name, (value, _) in shown.items()}}
                continue
            # deviceId and a field's ``updated`` are writeOnly in the spec: entityId and updateTime answer.
            yield {
                "entityType": "NODE",
                "entityId": device_id,
                "fields": [
                    {
                        "name": name,
                        "value": value,
                        "updatedBy": {"source": "API" if at else "SYSTEM"},
                        "updateTime": at or 0.0,
                    }
                    for name, (value, at) in shown.items()
                ],
            }

    # -- logged-on users ---------------------------------------------------------------------------

    def logon(self, device: dict[str, Any]) -> dict[str, Any] | None:
        """The device's last logon ``{"userName", "logonTime"}``, or ``None`` (nobody logged on)."""
        device_id = device["id"]
        with self.lock:
            if device_id in self._logons:
                found = self._logons[device_id]
                return dict(found) if found is not None else None
        user = device.get("lastLoggedInUser")
        if not user:
            rng = random.Random(self._seed() * 1_000_003 + device_id * 31 + _SALT_LOGON)
            if device.get("deviceType") != "AgentDevice" or rng.random() < 0.1:
                return None
            user = rng.choice(_USERS)
        rng = random.Random(self._seed() * 1_000_003 + device_id * 31 + _SALT_LOGON)
        at = float(device.get("lastContact") or time.time()) - rng.uniform(60, 3 * 86400)
        return {"userName": user, "logonTime": round(at, 3)}

    def set_logon(self, device_id: int, user_name: str | None, at: float | None = None) -> None:
        """A user logs on (``None``: nobody has; the device drops out of the report)."""
        if user_name is not None and (not isinstance(user_name, str) or not user_name.strip()):
            raise ValueError("userName must be a non-empty string or null")
        with self.lock:
            self._logons[device_id] = (
                None
                if user_name is None
                else {"userName": user_name, "logonTime": at or round(time.time(), 3)}
            )
