"""Month-end billing counts: how many managed devices each client had, by asset type and role.

A snapshot row is written once per (month, client, asset type, role) when the scheduler first ticks
after the month ended; later ticks find the month taken and leave it, so the numbers a client was
billed on never move when devices change afterwards.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TenantMixin, UTCDateTime, utcnow


class BillingSnapshot(TenantMixin, Base):
    """Managed devices of one client of one asset type and node role at the end of ``month``."""

    __tablename__ = "ninjaone_billing_snapshots"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "integration_id",
            "month",
            "host_client_id",
            "asset_type",
            "role_id",
            name="uq_ninjaone_billing_snapshots_row",  # the generated name passes 63 characters
        ),
        Index(None, "tenant_id", "integration_id", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    #: ``YYYY-MM``: the counts as they stood when that month ended (UTC).
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    host_client_id: Mapped[str] = mapped_column(String(64), nullable=False)
    asset_type: Mapped[str] = mapped_column(String(64), nullable=False)
    #: NinjaOne ``nodeRoleId``; 0 for devices without one (the unique key needs a value).
    role_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    devices: Mapped[int] = mapped_column(Integer, nullable=False)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
