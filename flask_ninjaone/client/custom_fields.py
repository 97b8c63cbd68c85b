"""Device custom fields and last logons of the NinjaOne API (definitions, one device's values, PATCH).

The fleet-wide reports (``/v2/queries/custom-fields``, ``-detailed``, ``logged-on-users``) page like every
other report and are walked with :meth:`~.api.NinjaOneClient.query`; this mixin adds what is not a report:
the definitions (a bare array, not paged), and the per-device read and write. A write is one ``PATCH``
with every changed value of a device; NinjaOne refuses it whole when one value is wrong (the fake does:
the spec says nothing), so the caller validates first. PATCH is not replayed on a 5xx by the transport
(it is not in its idempotent set); the caller's owed write retries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields

from .answers import load_response
from .errors import InvalidResponse
from .schemas import NinjaSchema
from .transport import Transport, json_body, path_id


class CustomFieldOptionSchema(NinjaSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    active = fields.Boolean()


class CustomFieldContentSchema(NinjaSchema):
    values = fields.List(fields.Nested(CustomFieldOptionSchema))


class CustomFieldDefinitionSchema(NinjaSchema):
    """One ``/v2/device-custom-fields`` item; ``name`` is what reports and PATCH key values by."""

    name = fields.String(required=True)
    label = fields.String()
    type = fields.String(required=True)
    apiPermission = fields.String()
    definitionScope = fields.List(fields.String())
    content = fields.Nested(CustomFieldContentSchema)


class LastLogonSchema(NinjaSchema):
    userName = fields.String()
    logonTime = fields.Raw()


class CustomFieldsMixin:
    """Mixed into :class:`~.api.NinjaOneClient`, which provides ``_transport``."""

    _transport: Transport

    def device_custom_field_definitions(self) -> list[dict[str, Any]]:
        """``GET /v2/device-custom-fields``: every device custom field (name, label, type, options)."""
        response = self._transport.request("GET", "device-custom-fields")
        return load_response(
            CustomFieldDefinitionSchema(), response, "GET /v2/device-custom-fields", many=True
        )

    def device_custom_fields(self, device_id: int) -> dict[str, Any]:
        """``GET /v2/device/{id}/custom-fields``: one device's values (one call per device: prefer the
        ``custom-fields`` report for a fleet)."""
        response = self._transport.request(
            "GET", "device/{id}/custom-fields", path_params={"id": path_id(device_id)}
        )
        body = json_body(response)
        if not isinstance(body, dict):
            raise InvalidResponse("GET /v2/device/{id}/custom-fields: NinjaOne's answer is not an object")
        return body

    def update_device_custom_fields(self, device_id: int, values: Mapping[str, Any]) -> None:
        """``PATCH /v2/device/{id}/custom-fields`` with ``{name: value}`` (``None`` clears a field)."""
        if not values:
            raise ValueError("values must name at least one custom field")
        self._transport.request(
            "PATCH", "device/{id}/custom-fields", path_params={"id": path_id(device_id)}, json=dict(values)
        )

    def last_logged_on_user(self, device_id: int) -> dict[str, Any]:
        """``GET /v2/device/{id}/last-logged-on-user``: ``{"userName", "logonTime"}`` (one call per device:
        prefer the ``logged-on-users`` report for a fleet)."""
        response = self._transport.request(
            "GET", "device/{id}/last-logged-on-user", path_params={"id": path_id(device_id)}
        )
        return load_response(LastLogonSchema(), response, "GET /v2/device/{id}/last-logged-on-user")
