"""Technician actions on NinjaOne devices (reboot, maintenance, script, patch jobs), one row each (see
:mod:`..actions`)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, TenantMixin, UTCDateTime, utcnow


class ActionKind(enum.StrEnum):
    """What was asked of NinjaOne."""

    REBOOT = "reboot"  # POST /v2/device/{id}/reboot/{mode}
    MAINTENANCE_START = "maintenance_start"  # PUT /v2/device/{id}/maintenance
    MAINTENANCE_END = "maintenance_end"  # DELETE /v2/device/{id}/maintenance
    SCRIPT = "script"  # POST /v2/device/{id}/script/run
    PATCH_SCAN = "patch_scan"  # POST /v2/device/{id}/patch/{os|software}/scan
    PATCH_APPLY = "patch_apply"  # POST /v2/device/{id}/patch/{os|software}/apply


class ActionState(enum.StrEnum):
    """``queued`` → ``sent`` (NinjaOne accepted it) → ``confirmed`` (NinjaOne reported it done) or
    ``failed`` (refused, or it could not be sent). Never ``confirmed`` without NinjaOne's word."""

    QUEUED = "queued"
    SENT = "sent"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class DeviceAction(TenantMixin, Base):
    """One action a person started on one device: who, when, what, with which outcome.

    ``action_key`` makes a double submit (or a retried job) one action: the page derives it from the
    form's one-time token, so the same submission always names the same row.
    """

    __tablename__ = "ninjaone_device_actions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "action_key"),
        # Named by hand: the convention's name would pass PostgreSQL's 63-character limit.
        Index(
            "ix_ninjaone_device_actions_device", "tenant_id", "integration_id", "device_id", "requested_at"
        ),
        Index(None, "tenant_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    action_key: Mapped[str] = mapped_column(String(64), nullable=False)
    device_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    device_name: Mapped[str] = mapped_column(String(255), nullable=False)
    host_asset_id: Mapped[str | None] = mapped_column(String(64))
    #: The host ticket the action was started from: its outcome is added there as a note.
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    #: What was sent, never a secret: ``{"mode", "reason"}``, ``{"start", "end", "features", "reason"}``,
    #: ``{"type", "id" | "uid", "name", "parameters", "run_as"}``, ``{"target"}`` (a patch job).
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=ActionState.QUEUED)
    #: One line for people: what NinjaOne answered or reported.
    result: Mapped[str | None] = mapped_column(String(500))
    requested_by_id: Mapped[str | None] = mapped_column(String(64))
    requested_by_name: Mapped[str | None] = mapped_column(String(255))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Sending attempts so far, and when the next may start (backoff, or a running attempt's claim).
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: NinjaOne API requests the action has made (retries included).
    api_calls: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )
