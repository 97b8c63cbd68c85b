"""How devices are placed in the host beyond their client: NinjaOne location → host site, and
NinjaOne node role or class → host asset type.

Both belong to one integration: location and role ids are numbered per NinjaOne instance.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TenantMixin, UTCDateTime, utcnow

#: ``DeviceTypeRule.organization_id`` of a rule for every organization (NinjaOne numbers them from 1).
EVERY_ORGANIZATION = 0


class LocationSite(TenantMixin, Base):
    """One NinjaOne location mapped to a site of its organization's client. A location without a row
    puts its devices on the client without a site."""

    __tablename__ = "ninjaone_location_sites"
    __table_args__ = (UniqueConstraint("tenant_id", "integration_id", "location_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    organization_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    location_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The client the site belongs to when it was mapped: an organization mapped to another client
    #: since no longer uses the row (its sites are the old client's).
    host_client_id: Mapped[str] = mapped_column(String(64), nullable=False)
    host_site_id: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )


class MatchKind(enum.StrEnum):
    """What a device-type rule matches on."""

    ROLE = "role"  # a NinjaOne node role id (``nodeRoleId``)
    NODE_CLASS = "class"  # a NinjaOne node class (``nodeClass``)


class DeviceTypeRule(TenantMixin, Base):
    """NinjaOne node role or class → a host asset type, for every organization
    (``organization_id`` 0) or for one (an override)."""

    __tablename__ = "ninjaone_device_type_rules"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "integration_id",
            "organization_id",
            "match_kind",
            "match_value",
            name="uq_ninjaone_device_type_rules_match",  # the generated name passes 63 characters
        ),
        CheckConstraint("match_kind IN ('role', 'class')", name="match_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    organization_id: Mapped[int] = mapped_column(BigInteger, nullable=False, default=EVERY_ORGANIZATION)
    match_kind: Mapped[str] = mapped_column(String(8), nullable=False)
    #: The role id (as text) or the node class.
    match_value: Mapped[str] = mapped_column(String(64), nullable=False)
    host_asset_type: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )
