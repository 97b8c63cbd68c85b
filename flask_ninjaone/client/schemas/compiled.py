"""A plain-Python loader compiled from a :class:`NinjaSchema`, for the hot loop of a device walk.

Why: marshmallow spends most of a first full sync's CPU on its per-field machinery (a closure, an
error store and two method calls for every field of every nested block), while a NinjaOne device is
almost always well-formed. The compiled loader walks the same declared fields with plain type
checks and builds the same result for the values it is sure about: a JSON ``int`` for
:class:`StrictInteger` (within the 64-bit range), a ``str`` for ``String``, a ``bool`` for
``Boolean``, the field's own conversion for :class:`EpochSeconds`, a ``dict`` for ``Dict`` (copied,
like marshmallow), a ``list`` for ``List``, a ``dict`` for ``Nested``; nulls are dropped and
unknown fields kept as sent, as :class:`NinjaSchema` does.

Anything else — a wrong type, a value marshmallow would coerce (``"yes"`` for a boolean), a missing
required field, a null inside a list — is not judged here: the loader raises :class:`Miss` and the
caller loads the item with marshmallow itself, which returns its own result or raises its own
:class:`~marshmallow.ValidationError`. So a payload is refused exactly as before, with the same
messages, and accepted with the same result; only the common case is fast. A schema with anything
this module does not know (a validator, a ``data_key``, another hook, an unknown field class) gets
no compiled loader at all (:func:`compile_loader` returns ``None``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing

from .base import NinjaSchema
from .fields import EpochSeconds, StrictInteger

#: Loads one value the way its marshmallow field would, or raises :class:`Miss`.
Loader = Callable[[Any], Any]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _hooks(schema: Schema) -> dict[str, list[Any]]:
    """The schema's load/dump hooks by kind (marshmallow's ``defaultdict`` grows empty kinds as it
    looks them up, so those are left out)."""
    return {kind: list(hooks) for kind, hooks in schema._hooks.items() if hooks}


#: The hooks every :class:`NinjaSchema` has; a schema with others is not compiled.
_BASE_HOOKS = _hooks(NinjaSchema())


class Miss(Exception):
    """The compiled loader cannot vouch for this value: let marshmallow load it."""


class _Unsupported(Exception):
    """A field or schema the compiler does not mirror exactly."""


def compile_loader(schema: Schema) -> Loader | None:
    """A fast loader giving ``schema.load(item)``'s result for well-formed items (see the module
    docstring), or ``None`` when the schema uses anything it cannot mirror exactly."""
    try:
        return _schema_loader(schema)
    except _Unsupported:
        return None


def _schema_loader(schema: Schema) -> Loader:
    if not isinstance(schema, NinjaSchema) or schema.many or schema.only or schema.exclude:
        raise _Unsupported(type(schema).__name__)
    if schema.unknown != "include" or _hooks(schema) != _BASE_HOOKS or schema.partial:
        raise _Unsupported(type(schema).__name__)
    loaders: dict[str, Loader] = {}
    required: list[str] = []
    for name, field in schema.load_fields.items():
        if field.data_key is not None or field.attribute is not None or field.validators:
            raise _Unsupported(name)
        if field.load_default is not missing:
            raise _Unsupported(name)
        loaders[name] = _field_loader(field)
        if field.required:
            required.append(name)

    def load(data: Any) -> dict[str, Any]:
        if type(data) is not dict:
            raise Miss
        out: dict[str, Any] = {}
        for key, value in data.items():
            if value is None:
                continue  # NinjaSchema drops nulls before loading
            loader = loaders.get(key)
            out[key] = value if loader is None else loader(value)
        for key in required:
            if key not in out:
                raise Miss
        return out

    return load


def _field_loader(field: fields.Field[Any]) -> Loader:
    # Exact classes only: a subclass may convert or validate differently.
    kind = type(field)
    if kind is StrictInteger:
        return _strict_integer
    if kind is fields.String:
        return _string
    if kind is fields.Boolean:
        return _boolean
    if kind is EpochSeconds:
        return _epoch_seconds(field)
    if (
        isinstance(field, fields.Dict)
        and kind is fields.Dict
        and field.key_field is field.value_field is None
    ):
        return _dict
    if isinstance(field, fields.List) and kind is fields.List:
        return _list(_field_loader(field.inner))
    if (
        isinstance(field, fields.Nested)
        and kind is fields.Nested
        and not (field.many or field.only or field.exclude)
        and field.unknown is None
    ):
        return _schema_loader(field.schema)
    raise _Unsupported(repr(field))


def _strict_integer(value: Any) -> int:
    if type(value) is int and _INT64_MIN <= value <= _INT64_MAX:
        return value
    raise Miss


def _string(value: Any) -> str:
    if type(value) is str:
        return value
    raise Miss


def _boolean(value: Any) -> bool:
    if type(value) is bool:
        return value
    raise Miss


def _dict(value: Any) -> dict[str, Any]:
    if type(value) is dict:
        return dict(value)
    raise Miss


def _epoch_seconds(field: fields.Field[Any]) -> Loader:
    convert = field._deserialize

    def load(value: Any) -> Any:
        try:
            return convert(value, None, None)
        except ValidationError:
            raise Miss from None

    return load


def _list(inner: Loader) -> Loader:
    def load(value: Any) -> list[Any]:
        if type(value) is not list:
            raise Miss
        return [inner(item) for item in value]

    return load
