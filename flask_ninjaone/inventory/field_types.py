"""Custom field values between NinjaOne and the host: the type each side uses, checked both ways.

Pure functions. NinjaOne's side (from the fake, where the spec is silent — see
``docs/fake-ninjaone.md``): TEXT-like values are strings, NUMERIC an integer, DECIMAL a number, DATE
epoch *milliseconds*, CHECKBOX a boolean, DROPDOWN the chosen option's id (a uuid). The host's side
is :data:`~flask_ninjaone.host.AttributeValue`: ``str``, ``int``/``float``, :class:`datetime.date`,
``bool``, and a dropdown's option as the host spells it (matched to NinjaOne's option by name,
case-insensitively). A value that does not fit raises :class:`FieldValueError`, which says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from ..host import AssetAttribute, AttributeValue

#: NinjaOne field type -> the extension's type; fields of other types cannot be mapped.
NINJAONE_TYPES: Mapping[str, str] = {
    "TEXT": "text",
    "TEXT_MULTILINE": "text",
    "EMAIL": "text",
    "PHONE": "text",
    "URL": "text",
    "IP_ADDRESS": "text",
    "NUMERIC": "number",
    "DECIMAL": "number",
    "DATE": "date",
    "CHECKBOX": "checkbox",
    "DROPDOWN": "dropdown",
}
#: Longest text the extension sends to NinjaOne (inferred: the spec gives no limit but a definition's
#: optional ``maxCharacters``; the fake refuses longer).
TEXT_LIMIT = 10_000
_MS_PER_DAY = 86_400_000


class FieldValueError(ValueError):
    """A value that does not fit its field or attribute; nothing is written."""


def mappable_type(ninjaone_type: str) -> str | None:
    """The extension's type of a NinjaOne field type, or ``None`` when it cannot be mapped."""
    return NINJAONE_TYPES.get(ninjaone_type)


def _host_option(attribute: AssetAttribute, name: str) -> str:
    for option in attribute.options:
        if option.casefold() == name.casefold():
            return option
    raise FieldValueError(f"{attribute.label}: {name!r} is not one of its options")


def to_host(
    field_type: str,
    ninjaone_options: Sequence[Mapping[str, Any]],
    attribute: AssetAttribute,
    value: Any,
) -> AttributeValue:
    """NinjaOne's ``value`` as the host attribute takes it (``None`` clears)."""
    if value is None:
        return None
    if field_type == "text":
        if not isinstance(value, str):
            raise FieldValueError(f"{attribute.label}: NinjaOne sent {type(value).__name__}, not text")
        if attribute.max_length is not None and len(value) > attribute.max_length:
            raise FieldValueError(f"{attribute.label}: longer than {attribute.max_length} characters")
        return value
    if field_type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise FieldValueError(f"{attribute.label}: NinjaOne sent {value!r:.40}, not a number")
        return value
    if field_type == "date":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e15:
            raise FieldValueError(f"{attribute.label}: NinjaOne sent {value!r:.40}, not epoch milliseconds")
        return datetime.fromtimestamp(value / 1000, UTC).date()
    if field_type == "checkbox":
        if not isinstance(value, bool):
            raise FieldValueError(f"{attribute.label}: NinjaOne sent {value!r:.40}, not true or false")
        return value
    if field_type == "dropdown":
        names = {str(option.get("id")): str(option.get("name")) for option in ninjaone_options}
        if not isinstance(value, str) or value not in names:
            raise FieldValueError(f"{attribute.label}: {value!r:.40} is not one of NinjaOne's options")
        return _host_option(attribute, names[value])
    raise FieldValueError(f"{attribute.label}: type {field_type!r} cannot be mapped")


def display_value(field_type: str, ninjaone_options: Sequence[Mapping[str, Any]], value: Any) -> Any:
    """A stored NinjaOne value as JSON people read: a date ISO, a dropdown its option's name."""
    if field_type == "date" and isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC).date().isoformat()
    if field_type == "dropdown":
        return next((o.get("name") for o in ninjaone_options if o.get("id") == value), value)
    return value


def to_ninjaone(
    field_type: str,
    ninjaone_options: Sequence[Mapping[str, Any]],
    label: str,
    value: Any,
    *,
    integer: bool = False,
) -> Any:
    """The host's ``value`` as NinjaOne's PATCH takes it; ``integer`` for a NUMERIC field."""
    if value is None:
        return None
    if field_type == "text":
        if not isinstance(value, str):
            raise FieldValueError(f"{label}: expected text, got {type(value).__name__}")
        if len(value) > TEXT_LIMIT:
            raise FieldValueError(f"{label}: longer than {TEXT_LIMIT} characters")
        return value
    if field_type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise FieldValueError(f"{label}: expected a number, got {value!r:.40}")
        if integer:
            if value != int(value):
                raise FieldValueError(f"{label}: NinjaOne keeps whole numbers only, got {value!r}")
            return int(value)
        return value
    if field_type == "date":
        if isinstance(value, datetime) or not isinstance(value, date):
            raise FieldValueError(f"{label}: expected a date, got {value!r:.40}")
        return (value - date(1970, 1, 1)).days * _MS_PER_DAY
    if field_type == "checkbox":
        if not isinstance(value, bool):
            raise FieldValueError(f"{label}: expected true or false, got {value!r:.40}")
        return value
    if field_type == "dropdown":
        if isinstance(value, str):
            for option in ninjaone_options:
                if str(option.get("name", "")).casefold() == value.casefold() and option.get("active", True):
                    return str(option["id"])
        raise FieldValueError(f"{label}: {value!r:.40} is not one of NinjaOne's options")
    raise FieldValueError(f"{label}: type {field_type!r} cannot be mapped")
