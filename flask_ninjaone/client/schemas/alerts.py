"""Active alerts (triggered conditions) and the activities NinjaOne delivers to webhooks."""

from __future__ import annotations

from marshmallow import fields

from .base import NinjaSchema
from .devices import DeviceSchema
from .fields import EpochSeconds, StrictInteger


class AlertSchema(NinjaSchema):
    """One active alert. ``uid`` equals the ``seriesUid`` of the condition's activities, so alerts are keyed
    on it. ``data.message.params`` stays raw: its times are epoch milliseconds, unlike everything else."""

    uid = fields.String(required=True)
    deviceId = StrictInteger()
    message = fields.String()
    createTime = EpochSeconds()
    updateTime = EpochSeconds()
    sourceType = fields.String()
    sourceConfigUid = fields.String()
    sourceName = fields.String()
    subject = fields.String()
    userId = StrictInteger()
    psaTicketId = fields.Raw()
    ticketTemplateId = StrictInteger()
    data = fields.Dict()
    device = fields.Nested(DeviceSchema)
    priority = fields.String()
    severity = fields.String()
    conditionName = fields.String()
    conditionHealthStatus = fields.String()
    useGlobalHealthStatus = fields.Boolean()


class ActivitySchema(NinjaSchema):
    """An activity: an entry of ``/v2/activities`` and the body of a webhook delivery.

    ``activityType`` is the category (CONDITION, MONITOR, PATCH_MANAGEMENT...), ``statusCode`` the event
    (TRIGGERED, RESET, NODE_UPDATED...). There is no top-level organization id: it is under
    ``device.organizationId`` when the webhook expands ``device``. ``data`` stays raw (milliseconds inside).
    """

    id = StrictInteger(required=True)
    activityTime = EpochSeconds()
    deviceId = StrictInteger()
    severity = fields.String()
    priority = fields.String()
    seriesUid = fields.String()
    activityType = fields.String()
    statusCode = fields.String()
    status = fields.String()
    activityResult = fields.String()
    sourceConfigUid = fields.String()
    sourceName = fields.String()
    subject = fields.String()
    userId = StrictInteger()
    message = fields.String()
    type = fields.String()
    data = fields.Dict()
    device = fields.Nested(DeviceSchema)


class ActivitiesPageSchema(NinjaSchema):
    """Body of ``GET /v2/activities``: a page of activities and the account's newest activity id."""

    lastActivityId = StrictInteger()
    activities = fields.List(fields.Nested(ActivitySchema), required=True)
