"""The ``df`` device filter accepted by device lists, alerts, activities and the query reports.

Supported forms (keywords and field names case-insensitive; values as the API spells them)::

    org = 12        org eq 12       org in (1,2)
    loc = 3         loc in (3,4)
    class = MAC     class in (WINDOWS_WORKSTATION,MAC)
    id = 5948       id in (5948,5949)
    status eq APPROVED              status = PENDING         status in (PENDING,APPROVED)
    online          offline
    ... joined with AND (there is no OR in the real syntax either)

An unparsable filter, an unknown field, a value outside the spec's enums or a non-numeric id raises
:class:`DeviceFilterError`; the API answers it with 400.

Default approval status: the device lists (``/v2/devices``, ``/v2/devices-detailed``,
``/v2/organization/{id}/devices``) list APPROVED devices only unless ``df`` has a ``status`` clause, as
integrators report of the real service (API-NOTES.md; the OpenAPI document describes ``df`` only as
"Device filter"). A sync that re-reads a device by id without a status clause therefore never sees it
once it is PENDING, STAGED or DECOMMISSIONED — the fake reproduces that, so tests catch it. Alerts,
activities and the query reports apply no implicit status filter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .enums import APPROVAL_STATUSES, NODE_CLASSES


class DeviceFilterError(ValueError):
    """The ``df`` text is not a filter the API understands."""


# df field -> (device record key, how to parse one value)
_FIELDS: dict[str, tuple[str, str]] = {
    "org": ("organizationId", "int"),
    "loc": ("locationId", "int"),
    "id": ("id", "int"),
    "class": ("nodeClass", "class"),
    "status": ("approvalStatus", "status"),
}
_TOKEN = re.compile(r"\(|\)|,|=|[^\s(),=]+")


@dataclass(frozen=True)
class DeviceFilter:
    """A conjunction of ``device[key] in allowed`` clauses; the empty filter matches every device."""

    clauses: tuple[tuple[str, frozenset[Any]], ...] = ()

    def __call__(self, device: Mapping[str, Any]) -> bool:
        return all(device.get(key) in allowed for key, allowed in self.clauses)

    def approved_by_default(self) -> DeviceFilter:
        """This filter as a device list applies it: without a ``status`` clause, APPROVED only."""
        if any(key == "approvalStatus" for key, _ in self.clauses):
            return self
        return DeviceFilter((*self.clauses, ("approvalStatus", frozenset({"APPROVED"}))))


def parse_device_filter(text: str | None) -> DeviceFilter:
    """Parse ``df``; None or blank means no filter."""
    tokens = _TOKEN.findall(text or "")
    clauses: list[tuple[str, frozenset[Any]]] = []
    position = 0
    while position < len(tokens):
        clause, position = _clause(tokens, position)
        clauses.append(clause)
        if position < len(tokens):
            if tokens[position].upper() != "AND":
                raise DeviceFilterError(f"expected AND, found {tokens[position]!r}")
            position += 1
            if position == len(tokens):
                raise DeviceFilterError("filter ends with AND")
    return DeviceFilter(tuple(clauses))


def _clause(tokens: list[str], position: int) -> tuple[tuple[str, frozenset[Any]], int]:
    word = tokens[position].lower()
    if word in ("online", "offline"):
        return ("offline", frozenset({word == "offline"})), position + 1
    if word not in _FIELDS:
        raise DeviceFilterError(f"unknown filter field {tokens[position]!r}")
    key, kind = _FIELDS[word]
    operator = tokens[position + 1].lower() if position + 1 < len(tokens) else ""
    if operator in ("=", "eq"):
        if position + 2 >= len(tokens):
            raise DeviceFilterError(f"missing value after {word} {operator}")
        return (key, frozenset({_value(kind, tokens[position + 2])})), position + 3
    if operator == "in":
        values, position = _value_list(kind, tokens, position + 2)
        return (key, frozenset(values)), position
    raise DeviceFilterError(f"expected =, eq or in after {word!r}")


def _value_list(kind: str, tokens: list[str], position: int) -> tuple[list[Any], int]:
    if position >= len(tokens) or tokens[position] != "(":
        raise DeviceFilterError("expected ( after in")
    values: list[Any] = []
    position += 1
    while True:
        if position >= len(tokens) or tokens[position] in ("(", ")", ","):
            raise DeviceFilterError("expected a value in the list")
        values.append(_value(kind, tokens[position]))
        position += 1
        if position < len(tokens) and tokens[position] == ",":
            position += 1
            continue
        if position < len(tokens) and tokens[position] == ")":
            return values, position + 1
        raise DeviceFilterError("expected , or ) in the list")


def _value(kind: str, token: str) -> Any:
    if kind == "int":
        if not (token.isascii() and token.isdigit()):
            raise DeviceFilterError(f"{token!r} is not a numeric id")
        return int(token)
    if kind == "class":
        if token not in NODE_CLASSES:
            raise DeviceFilterError(f"unknown node class {token!r}")
        return token
    if token not in APPROVAL_STATUSES:
        raise DeviceFilterError(f"unknown approval status {token!r}")
    return token
