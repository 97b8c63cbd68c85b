"""NinjaOne organizations and the host client each one maps to."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, TenantMixin, UTCDateTime, utcnow


class MappingState(enum.StrEnum):
    """Unmapped organizations' devices are held back, never dumped into a catch-all client."""

    UNMAPPED = "unmapped"
    MAPPED = "mapped"
    ERROR = "error"
    DELETED = "deleted"  # gone from NinjaOne: flagged, not silently dropped


class OrganizationMapping(TenantMixin, Base):
    """One NinjaOne organization, its locations, and the host client it maps to (if any)."""

    __tablename__ = "ninjaone_organization_mappings"
    __table_args__ = (UniqueConstraint("tenant_id", "integration_id", "organization_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    organization_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    locations: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    host_client_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=MappingState.UNMAPPED)
    auto_sync: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    error: Mapped[str | None] = mapped_column(Text)
    device_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )
