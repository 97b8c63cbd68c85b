"""Writes to NinjaOne that must happen but have not been confirmed yet (see :mod:`..owed_writes`)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto import EncryptedText
from .base import Base, TenantMixin, UTCDateTime, utcnow


class OwedKind(enum.StrEnum):
    """What is owed. ``target`` says to what: the alert's series uid, ``webhook``, a token fingerprint."""

    #: ``POST /v2/alert/{uid}/reset`` after a person closed the alert's ticket.
    ALERT_RESET = "alert_reset"
    #: ``PUT /v2/webhook`` with the integration's current receiver URL and secret.
    WEBHOOK = "webhook"
    #: A dropped connection: ``DELETE /v2/webhook``, then revoke its refresh and access tokens.
    RELEASE = "release"
    #: ``PATCH /v2/device/{id}/custom-fields`` with the values the host changed (target: the device id).
    CUSTOM_FIELDS = "custom_fields"


class OwedWrite(TenantMixin, Base):
    """One owed write, unique per (integration, kind, target): owing it again refreshes the row."""

    __tablename__ = "ninjaone_owed_writes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "integration_id", "kind", "target"),
        Index(None, "tenant_id", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    target: Mapped[str] = mapped_column(String(64), nullable=False)
    #: JSON the write needs that may not be found elsewhere any more (a released connection's
    #: credentials and tokens), encrypted like every other secret.
    payload: Mapped[str | None] = mapped_column(EncryptedText())
    #: Attempts made so far (a claimed attempt counts, even if its worker died).
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Not to be sent before: the backoff (or NinjaOne's ``Retry-After``), or a running attempt's claim.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )
