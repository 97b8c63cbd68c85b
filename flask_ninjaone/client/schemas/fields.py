"""Field types for NinjaOne payloads."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import fields

# Plain decimal or scientific notation; float() alone would also take "nan", "inf" and "1_000".
_NUMERIC = re.compile(r"\s*\+?\d+(\.\d*)?([eE][+-]?\d+)?\s*")

# 1e11 seconds is the year 5138, but 1e11 *milliseconds* is March 1973: anything above is milliseconds.
MILLISECONDS_THRESHOLD = 1e11


class EpochSeconds(fields.Field[datetime]):
    """A NinjaOne timestamp in epoch **seconds**, loaded as an aware UTC :class:`datetime`.

    Why a datetime rather than the float: mixing seconds and milliseconds is a known bug in other
    NinjaOne integrations, and a datetime can't be mixed up. The API sends ints, floats and, from some
    sources, numeric strings with nanosecond digits (``"1742412252.744000000"``); all are accepted.
    A value above :data:`MILLISECONDS_THRESHOLD` is clearly milliseconds and is divided by 1000.
    Only fields documented as seconds use this type: ``data.message.params`` of alerts and activities
    stay raw (they are milliseconds). Dumping gives float seconds back.
    """

    default_error_messages = {
        "invalid": "Not a valid epoch timestamp (expected seconds as a number).",
        "range": "Epoch timestamp out of range.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if not isinstance(value, int | float) and not (isinstance(value, str) and _NUMERIC.fullmatch(value)):
            raise self.make_error("invalid")
        try:
            seconds = float(value)
        except OverflowError:  # an integer with hundreds of digits
            raise self.make_error("range") from None
        if not math.isfinite(seconds) or seconds < 0:
            raise self.make_error("range")
        if seconds > MILLISECONDS_THRESHOLD:
            seconds /= 1000.0
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise self.make_error("range") from None

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> float | None:
        return None if value is None else value.timestamp()


class StrictInteger(fields.Integer):
    """An integer that must arrive as a JSON integer: ``"5"``, ``5.5`` and ``true`` are rejected, so an id
    of the wrong type fails loudly instead of being coerced."""

    default_error_messages = {"range": "Integer out of the 64-bit range NinjaOne ids use."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        number = super()._deserialize(value, attr, data, **kwargs)
        if not -(2**63) <= number < 2**63:  # databases store ids as BIGINT
            raise self.make_error("range")
        return number
