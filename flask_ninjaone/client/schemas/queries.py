"""Rows of the fleet-wide ``/v2/queries/*`` reports and of their per-device counterparts.

A report page is ``{"cursor": {...}, "results": [...]}``; rows carry the ``deviceId`` they belong to and the
monitoring ``timestamp``. Per-device endpoints (``/v2/device/{id}/software``) return the same rows without
those two fields, hence the pairs of schemas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields

from .base import NinjaSchema
from .fields import EpochSeconds, StrictInteger


class CursorSchema(NinjaSchema):
    """Where a report walk stands. The ``name`` may stay the same from page to page while ``offset`` moves."""

    name = fields.String()
    offset = StrictInteger()
    count = StrictInteger()
    expires = EpochSeconds()


class ApplicationSchema(NinjaSchema):
    """An installed application. ``installDate`` is kept as sent (the spec calls it a date-time string)."""

    installDate = fields.String()
    location = fields.String()
    name = fields.String()
    publisher = fields.String()
    size = StrictInteger()
    version = fields.String()
    productCode = fields.String()
    isSystemComponent = fields.Boolean()


class SoftwareRowSchema(ApplicationSchema):
    deviceId = StrictInteger(required=True)
    timestamp = EpochSeconds()


class OSPatchSchema(NinjaSchema):
    id = fields.String()
    name = fields.String()
    severity = fields.String()
    status = fields.String()
    type = fields.String()
    installedAt = EpochSeconds()
    kbNumber = fields.String()


class OSPatchRowSchema(OSPatchSchema):
    """A row of ``os-patches`` (pending/failed/rejected) and of ``os-patch-installs``."""

    deviceId = StrictInteger(required=True)
    timestamp = EpochSeconds()


class SoftwarePatchSchema(NinjaSchema):
    id = fields.String()
    productIdentifier = fields.String()
    title = fields.String()
    impact = fields.String()
    status = fields.String()
    type = fields.String()
    installedAt = EpochSeconds()


class SoftwarePatchRowSchema(SoftwarePatchSchema):
    """A row of ``software-patches``."""

    deviceId = StrictInteger(required=True)
    timestamp = EpochSeconds()


class AntivirusStatusRowSchema(NinjaSchema):
    productName = fields.String()
    productState = fields.String()
    definitionStatus = fields.String()
    version = fields.String()
    deviceId = StrictInteger(required=True)
    timestamp = EpochSeconds()


class DeviceHealthRowSchema(NinjaSchema):
    """Per-device counts of pending/failed patches, threats, alerts, and the overall health status."""

    activeThreatsCount = StrictInteger()
    quarantinedThreatsCount = StrictInteger()
    blockedThreatsCount = StrictInteger()
    failedOSPatchesCount = StrictInteger()
    pendingOSPatchesCount = StrictInteger()
    alertCount = StrictInteger()
    activeJobCount = StrictInteger()
    failedSoftwarePatchesCount = StrictInteger()
    pendingSoftwarePatchesCount = StrictInteger()
    pendingRebootReason = fields.String()
    avInstallStatus = fields.String()
    productsInstallationStatuses = fields.Dict()
    offline = fields.Boolean()
    parentDeviceId = StrictInteger()
    parentOffline = fields.Boolean()
    healthStatus = fields.String()
    criticalVulnerabilityCount = StrictInteger()
    highVulnerabilityCount = StrictInteger()
    mediumVulnerabilityCount = StrictInteger()
    lowVulnerabilityCount = StrictInteger()
    installationIssuesCount = StrictInteger()
    deviceId = StrictInteger(required=True)
    # Not in the spec for this report, unlike the others: typed anyway so that a ``timestamp`` is a
    # datetime in every report row, never a float in one and a datetime in the next.
    timestamp = EpochSeconds()


def _with_fields(
    name: str, declared: dict[str, fields.Field[Any]], values: fields.Field[Any]
) -> type[NinjaSchema]:
    """A row schema with a field named ``fields``, which a class body cannot declare (``Schema.fields``)."""
    schema = NinjaSchema.from_dict({**declared, "fields": values}, name=name)
    assert issubclass(schema, NinjaSchema)  # from_dict subclasses the class it is called on
    return schema


#: A row of ``custom-fields``: the device's values keyed by field name, typed per definition.
CustomFieldsRowSchema = _with_fields(
    "CustomFieldsRowSchema",
    {"deviceId": StrictInteger(required=True)},
    fields.Dict(keys=fields.String(), required=True),
)


class CustomFieldValueSchema(NinjaSchema):
    name = fields.String(required=True)
    value = fields.Raw()
    updateTime = EpochSeconds()


#: A row of ``custom-fields-detailed``: ``entityId`` names the device (``deviceId`` is writeOnly).
CustomFieldsDetailedRowSchema = _with_fields(
    "CustomFieldsDetailedRowSchema",
    {"entityType": fields.String(), "entityId": StrictInteger()},
    fields.List(fields.Nested(CustomFieldValueSchema), required=True),
)


class LoggedOnUserRowSchema(NinjaSchema):
    """A row of ``logged-on-users``: a device's last logon."""

    userName = fields.String()
    logonTime = EpochSeconds()
    deviceId = StrictInteger(required=True)


def _page_schema(name: str, row: type[NinjaSchema]) -> type[NinjaSchema]:
    page = NinjaSchema.from_dict(
        {"cursor": fields.Nested(CursorSchema), "results": fields.List(fields.Nested(row), required=True)},
        name=name,
    )
    assert issubclass(page, NinjaSchema)  # from_dict subclasses the class it is called on
    return page


SoftwarePageSchema = _page_schema("SoftwarePageSchema", SoftwareRowSchema)
OSPatchPageSchema = _page_schema("OSPatchPageSchema", OSPatchRowSchema)
SoftwarePatchPageSchema = _page_schema("SoftwarePatchPageSchema", SoftwarePatchRowSchema)
AntivirusStatusPageSchema = _page_schema("AntivirusStatusPageSchema", AntivirusStatusRowSchema)
DeviceHealthPageSchema = _page_schema("DeviceHealthPageSchema", DeviceHealthRowSchema)
CustomFieldsPageSchema = _page_schema("CustomFieldsPageSchema", CustomFieldsRowSchema)
CustomFieldsDetailedPageSchema = _page_schema("CustomFieldsDetailedPageSchema", CustomFieldsDetailedRowSchema)
LoggedOnUsersPageSchema = _page_schema("LoggedOnUsersPageSchema", LoggedOnUserRowSchema)

QUERY_ROW_SCHEMAS: Mapping[str, type[NinjaSchema]] = {
    "software": SoftwareRowSchema,
    "os-patches": OSPatchRowSchema,
    "os-patch-installs": OSPatchRowSchema,
    "software-patches": SoftwarePatchRowSchema,
    "antivirus-status": AntivirusStatusRowSchema,
    "device-health": DeviceHealthRowSchema,
}
"""Report name → schema of one row of it."""

#: A report page whose rows are left as sent (see :mod:`flask_ninjaone.client.report_rows`).
RawReportPageSchema = NinjaSchema.from_dict(
    {"cursor": fields.Nested(CursorSchema), "results": fields.List(fields.Raw(), required=True)},
    name="RawReportPageSchema",
)

QUERY_PAGE_SCHEMAS: Mapping[str, type[NinjaSchema]] = {
    "software": SoftwarePageSchema,
    "os-patches": OSPatchPageSchema,
    "os-patch-installs": OSPatchPageSchema,
    "software-patches": SoftwarePatchPageSchema,
    "antivirus-status": AntivirusStatusPageSchema,
    "device-health": DeviceHealthPageSchema,
    "custom-fields": CustomFieldsPageSchema,
    "custom-fields-detailed": CustomFieldsDetailedPageSchema,
    "logged-on-users": LoggedOnUsersPageSchema,
}
"""Report name (the last segment of ``/v2/queries/<name>``) → schema of one page of it."""
