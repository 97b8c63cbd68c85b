"""``GET /v2/device/{id}/scripting/options``: scripts, built-in actions and run-as choices of a device."""

from __future__ import annotations

from marshmallow import fields

from .base import NinjaSchema
from .fields import StrictInteger


class ScriptCategorySchema(NinjaSchema):
    id = StrictInteger()
    name = fields.String()
    internal = fields.Boolean()


class ScriptOptionSchema(NinjaSchema):
    """A custom script (``type`` SCRIPT, ``id``) or a built-in action (``type`` ACTION, ``uid``)."""

    type = fields.String(required=True)
    id = StrictInteger()
    uid = fields.UUID()
    name = fields.String()
    language = fields.String()
    description = fields.String()
    architecture = fields.List(fields.String())
    categoryId = StrictInteger()


class ScriptCredentialSchema(NinjaSchema):
    id = StrictInteger()
    name = fields.String()
    type = fields.String()


class ScriptCredentialsSchema(NinjaSchema):
    roles = fields.List(fields.String())
    credentials = fields.List(fields.Nested(ScriptCredentialSchema))


class ScriptingOptionsSchema(NinjaSchema):
    categories = fields.List(fields.Nested(ScriptCategorySchema))
    scripts = fields.List(fields.Nested(ScriptOptionSchema))
    credentials = fields.Nested(ScriptCredentialsSchema)
