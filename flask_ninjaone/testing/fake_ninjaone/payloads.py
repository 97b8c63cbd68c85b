"""Projections of stored records onto the shapes each endpoint returns.

A device is stored once, in its detailed shape (``/v2/device/{id}``, ``/v2/devices-detailed``). The
list endpoints ``/v2/devices`` and ``/v2/organization/{id}/devices`` return the base fields only and no
``deviceType`` (``samples/devices-list-vmhost-item.json``); a webhook's expanded ``device`` is the base
fields plus ``references.organization/location`` (``samples/webhook-condition-triggered.json``).
"""

from __future__ import annotations

from typing import Any

# The properties of the /v2/devices item schema, in the real order.
SUMMARY_FIELDS = (
    "id",
    "uid",
    "assignedOwnerUid",
    "parentDeviceId",
    "organizationId",
    "locationId",
    "nodeClass",
    "nodeRoleId",
    "rolePolicyId",
    "policyId",
    "approvalStatus",
    "offline",
    "displayName",
    "systemName",
    "dnsName",
    "netbiosName",
    "created",
    "lastContact",
    "lastUpdate",
    "userData",
    "tags",
    "maintenance",
)


def device_summary(device: dict[str, Any]) -> dict[str, Any]:
    return {key: device[key] for key in SUMMARY_FIELDS if key in device}


def device_with_references(
    device: dict[str, Any], organization: dict[str, Any] | None, location: dict[str, Any] | None
) -> dict[str, Any]:
    """The ``device`` of a webhook delivery with ``expand: ["device"]``."""
    expanded = device_summary(device)
    references: dict[str, Any] = {}
    if organization is not None:
        references["organization"] = organization_brief(organization)
    if location is not None:
        references["location"] = location_brief(location)
    if references:
        expanded["references"] = references
    return expanded


def organization_brief(organization: dict[str, Any]) -> dict[str, Any]:
    """``/v2/organizations`` item: the stored organization without its policies."""
    return {key: value for key, value in organization.items() if key != "policies"}


def organization_detailed(organization: dict[str, Any], locations: list[dict[str, Any]]) -> dict[str, Any]:
    """``/v2/organizations-detailed`` item and ``/v2/organization/{id}``."""
    detailed = organization_brief(organization)
    detailed["locations"] = [location_brief(location) for location in locations]
    detailed["policies"] = organization.get("policies", [])
    return detailed


def location_brief(location: dict[str, Any]) -> dict[str, Any]:
    """A location as listed under its organization (no ``organizationId``, unlike ``/v2/locations``)."""
    return {key: value for key, value in location.items() if key != "organizationId"}
