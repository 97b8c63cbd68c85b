"""Organizations (NinjaOne's clients of the MSP) and their locations."""

from __future__ import annotations

from marshmallow import fields

from .base import NinjaSchema
from .fields import StrictInteger


class LocationSchema(NinjaSchema):
    """A location (site) of an organization; ``organizationId`` is set by ``GET /v2/locations``."""

    id = StrictInteger(required=True)
    organizationId = StrictInteger()
    name = fields.String()
    address = fields.String()
    description = fields.String()
    userData = fields.Dict()


class NodeRoleSchema(NinjaSchema):
    """A device role from ``GET /v2/noderole/list``. The spec gives that endpoint no response schema;
    its items are read as the spec's ``NodeRole`` (documented for ``/v2/roles``), inferred.
    ``created`` stays a raw number: nothing here shows it."""

    id = StrictInteger(required=True)
    name = fields.String()
    description = fields.String()
    nodeClass = fields.String()
    custom = fields.Boolean()
    chassisType = fields.String()
    nodeRoleParentId = StrictInteger()
    icon = fields.String()


class PolicyAssignmentSchema(NinjaSchema):
    """Which policy an organization applies to devices of one role."""

    nodeRoleId = StrictInteger()
    policyId = StrictInteger()


class OrganizationSchema(NinjaSchema):
    """An organization; the ``-detailed`` list and ``GET /v2/organization/{id}`` add locations, policies
    and settings (settings stay raw: they are product toggles the integration only displays)."""

    id = StrictInteger(required=True)
    name = fields.String()
    description = fields.String()
    userData = fields.Dict()
    nodeApprovalMode = fields.String()
    locations = fields.List(fields.Nested(LocationSchema))
    policies = fields.List(fields.Nested(PolicyAssignmentSchema))
    settings = fields.Dict()


class OrganizationRefSchema(OrganizationSchema):
    """An organization expanded under ``device.references``: same fields, ``id`` not guaranteed."""

    id = StrictInteger()


class LocationRefSchema(LocationSchema):
    """A location expanded under ``device.references``: same fields, ``id`` not guaranteed."""

    id = StrictInteger()
