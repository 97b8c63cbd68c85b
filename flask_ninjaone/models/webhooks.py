"""The webhook inbox: every accepted delivery, stored before it is processed."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, TenantMixin, UTCDateTime, utcnow


class DeliveryStatus(enum.StrEnum):
    """Where a delivery is in processing.

    ``pending`` rows wait for a drain (a failed attempt's row waits until ``next_attempt_at``);
    ``processing`` rows are claimed by one attempt until ``next_attempt_at``, after which a killed
    worker's claim has lapsed and the delivery may be claimed again.
    """

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    IGNORED = "ignored"
    FAILED = "failed"


class WebhookDelivery(TenantMixin, Base):
    """One delivery, unique per (integration, activity id) so a repeat is acknowledged, not re-run."""

    __tablename__ = "ninjaone_webhook_inbox"
    __table_args__ = (
        UniqueConstraint("tenant_id", "integration_id", "activity_id"),
        Index(None, "tenant_id", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    activity_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    activity_type: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[int | None] = mapped_column(BigInteger)
    series_uid: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    #: Not to be claimed before: a failed attempt's backoff, or the end of a running attempt's claim.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
