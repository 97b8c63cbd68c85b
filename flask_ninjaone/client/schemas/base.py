"""The base schema every NinjaOne payload schema derives from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import INCLUDE, Schema, pre_load


class NinjaSchema(Schema):
    """Tolerant where NinjaOne varies, strict where types are wrong.

    * Unknown fields are kept as they are (``unknown=INCLUDE``): instances run different API versions,
      and dropping a field we don't know yet would lose data.
    * ``null`` values are removed before loading, so a null and an absent field look the same (NinjaOne
      omits fields without a value, but not every payload source does).
    * Declared fields are type checked; a wrong type raises :class:`marshmallow.ValidationError`.
    """

    class Meta:
        unknown = INCLUDE

    @pre_load
    def _drop_nulls(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if value is not None}
        return data
