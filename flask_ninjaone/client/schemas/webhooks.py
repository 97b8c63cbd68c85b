"""The webhook configuration we send, and the remote-access link we receive."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from .base import NinjaSchema
from .fields import EpochSeconds, StrictInteger


class HeaderSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    value = fields.String(required=True)


class WebhookConfigurationSchema(Schema):
    """Body of ``PUT /v2/webhook``. Validated before sending (unknown keys refused) because a wrong
    configuration is accepted silently by NinjaOne and simply never delivers."""

    class Meta:
        unknown = RAISE

    url = fields.String(required=True, validate=validate.URL(schemes={"http", "https"}, require_tld=False))
    activities = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1)),
        values=fields.List(fields.String()),
        required=True,
    )
    expand = fields.List(fields.String())
    headers = fields.List(fields.Nested(HeaderSchema))
    organizationIds = fields.List(StrictInteger())


class DeviceLinkSchema(NinjaSchema):
    """``GET /v2/device/{id}/dashboard-url``: a short-lived link.

    Cache it only until shortly before ``expires`` (epoch seconds, like every other timestamp).
    """

    url = fields.String(required=True)
    expires = EpochSeconds()
