"""Audit log of security-relevant actions (remote access, connect/disconnect, rule changes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, TenantMixin, UTCDateTime, utcnow


class AuditEntry(TenantMixin, Base):
    """Who did what to which object, from where, with what result."""

    __tablename__ = "ninjaone_audit_log"
    __table_args__ = (Index(None, "tenant_id", "at"), Index(None, "tenant_id", "action"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    user_id: Mapped[str | None] = mapped_column(String(64))
    user_name: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(32), nullable=False, default="ok")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
