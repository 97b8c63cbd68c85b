"""The managed devices of a tenant: the ones billing counts and the warranty list shows.

A device is managed when its asset is active (neither retired nor held back) and its NinjaOne
organization is mapped to a host client. The rule is stated once here so that the billing counts and
the warranty list cannot drift apart; ``flask ninjaone devices`` lists every device and needs only the
device → organization join, :func:`organization_of_device`.
"""

from __future__ import annotations

from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_

from ..models import Device, Integration, OrganizationMapping

_Columns = TypeVarTuple("_Columns")


def organization_of_device() -> ColumnElement[bool]:
    """The join condition of a device row to the mapping row of its organization (same integration)."""
    return and_(
        OrganizationMapping.integration_id == Device.integration_id,
        OrganizationMapping.organization_id == Device.organization_id,
    )


def managed_devices(query: Select[*_Columns], integration: Integration) -> Select[*_Columns]:
    """``query`` (selecting from :class:`Device`) narrowed to the managed devices of ``integration``,
    joined to their organization's mapping so the caller can select or filter on the host client."""
    return query.join(OrganizationMapping, organization_of_device()).where(
        Device.integration_id == integration.id,
        Device.retired.is_(False),
        Device.held_reason.is_(None),
        OrganizationMapping.host_client_id.is_not(None),
    )
