"""Sync run history (with live progress) and the cross-process locks that serialize runs."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, TenantMixin, UTCDateTime, utcnow


class RunState(enum.StrEnum):
    """A run is ``running`` until it ends in ``succeeded`` or ``failed`` (with the error)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SyncRun(TenantMixin, Base):
    """One sync (full, incremental, inventory or single device): trigger, timing, counts, errors."""

    __tablename__ = "ninjaone_sync_runs"
    __table_args__ = (Index(None, "tenant_id", "integration_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    trigger: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=RunState.QUEUED)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    processed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    expected: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    api_calls: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    conflicts: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    error: Mapped[str | None] = mapped_column(Text)


class Lock(TenantMixin, Base):
    """A named lease (owner + expiry) so only one process runs e.g. a sync per integration."""

    __tablename__ = "ninjaone_locks"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
