"""Adoption questions: a new device of one NinjaOne instance whose serial number is that of an asset
another instance's device already feeds (issue 22).

Two instances of one tenant may watch the same machine (an agent left behind after a migration, a
region move in progress): the serial says so, but only an admin knows whether it is one machine. The
sync asks instead of guessing, and the answer is kept here so every later sync follows it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TenantMixin, UTCDateTime, utcnow


class AdoptionAnswer(enum.StrEnum):
    """What the admin said: one machine (the device joins that asset) or two (it gets its own)."""

    LINK = "link"
    SEPARATE = "separate"


class AdoptionQuestion(TenantMixin, Base):
    """One device of ``integration_id`` whose serial is that of ``host_asset_id``, which a device of
    another instance (``owner_integration_id``/``owner_device_id``) feeds. ``answer`` ``None``: open,
    and the device is held (no asset) until answered."""

    __tablename__ = "ninjaone_adoption_questions"
    __table_args__ = (UniqueConstraint("tenant_id", "integration_id", "device_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    device_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    device_name: Mapped[str] = mapped_column(String(255), nullable=False)
    serial_number: Mapped[str] = mapped_column(String(255), nullable=False)
    host_asset_id: Mapped[str] = mapped_column(String(64), nullable=False)
    owner_integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    owner_device_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    owner_device_name: Mapped[str] = mapped_column(String(255), nullable=False)
    answer: Mapped[str | None] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(255))
