"""marshmallow 4 schemas of every NinjaOne payload the client reads or sends.

Loaded results are plain dicts: declared fields are type checked (timestamps become aware UTC datetimes,
see :class:`EpochSeconds`), unknown fields are kept as sent, null fields are dropped.
"""

from .alerts import ActivitiesPageSchema, ActivitySchema, AlertSchema
from .base import NinjaSchema
from .devices import (
    DEVICE_SHAPES,
    AgentDeviceSchema,
    CloudMonitorTargetSchema,
    DeviceBaseSchema,
    DeviceSchema,
    MdmDeviceSchema,
    NMSTargetSchema,
    Unchanged,
    UnchangedFilter,
    UnmanagedDeviceSchema,
    VMGuestSchema,
    VMHostSchema,
    payload_fingerprint,
)
from .fields import EpochSeconds, StrictInteger
from .oauth import ServerMetadataSchema, TokenResponseSchema
from .organizations import LocationSchema, NodeRoleSchema, OrganizationSchema
from .queries import (
    QUERY_PAGE_SCHEMAS,
    QUERY_ROW_SCHEMAS,
    AntivirusStatusPageSchema,
    AntivirusStatusRowSchema,
    ApplicationSchema,
    CursorSchema,
    DeviceHealthPageSchema,
    DeviceHealthRowSchema,
    OSPatchPageSchema,
    OSPatchRowSchema,
    OSPatchSchema,
    RawReportPageSchema,
    SoftwarePageSchema,
    SoftwarePatchPageSchema,
    SoftwarePatchRowSchema,
    SoftwarePatchSchema,
    SoftwareRowSchema,
)
from .scripting import ScriptingOptionsSchema, ScriptOptionSchema
from .webhooks import DeviceLinkSchema, WebhookConfigurationSchema

__all__ = [
    "NodeRoleSchema",
    "ScriptOptionSchema",
    "ScriptingOptionsSchema",
    "payload_fingerprint",
    "DEVICE_SHAPES",
    "QUERY_PAGE_SCHEMAS",
    "QUERY_ROW_SCHEMAS",
    "RawReportPageSchema",
    "ActivitiesPageSchema",
    "ActivitySchema",
    "AgentDeviceSchema",
    "AlertSchema",
    "AntivirusStatusPageSchema",
    "AntivirusStatusRowSchema",
    "ApplicationSchema",
    "CloudMonitorTargetSchema",
    "CursorSchema",
    "DeviceBaseSchema",
    "DeviceHealthPageSchema",
    "DeviceHealthRowSchema",
    "DeviceLinkSchema",
    "DeviceSchema",
    "EpochSeconds",
    "LocationSchema",
    "MdmDeviceSchema",
    "NMSTargetSchema",
    "NinjaSchema",
    "OSPatchPageSchema",
    "OSPatchRowSchema",
    "OSPatchSchema",
    "OrganizationSchema",
    "ServerMetadataSchema",
    "SoftwarePageSchema",
    "SoftwarePatchPageSchema",
    "SoftwarePatchRowSchema",
    "SoftwarePatchSchema",
    "SoftwareRowSchema",
    "StrictInteger",
    "TokenResponseSchema",
    "Unchanged",
    "UnchangedFilter",
    "UnmanagedDeviceSchema",
    "VMGuestSchema",
    "VMHostSchema",
    "WebhookConfigurationSchema",
]
