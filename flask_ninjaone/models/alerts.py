"""Alerts (keyed by NinjaOne ``seriesUid``) and the ordered rules that turn them into tickets."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, TenantMixin, UTCDateTime, utcnow


class AlertStatus(enum.StrEnum):
    """Lifecycle of an alert on our side."""

    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


#: The statuses of an alert that still needs someone (the panel's "open" filter, every count of open alerts).
OPEN_ALERT_STATUSES: tuple[AlertStatus, ...] = (AlertStatus.ACTIVE, AlertStatus.ACKNOWLEDGED)


class Alert(TenantMixin, Base):
    """One NinjaOne alert series: a trigger and its reset share the ``series_uid``."""

    __tablename__ = "ninjaone_alerts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "integration_id", "series_uid"),
        Index(None, "tenant_id", "status", "severity"),
        Index(None, "tenant_id", "device_id", "source_config_uid"),
        Index(None, "tenant_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    series_uid: Mapped[str] = mapped_column(String(64), nullable=False)
    device_id: Mapped[int | None] = mapped_column(BigInteger)
    host_asset_id: Mapped[str | None] = mapped_column(String(64))
    organization_id: Mapped[int | None] = mapped_column(BigInteger)
    severity: Mapped[str] = mapped_column(String(16), nullable=False, default="NONE")
    priority: Mapped[str] = mapped_column(String(16), nullable=False, default="NONE")
    activity_type: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=AlertStatus.ACTIVE)
    message: Mapped[str | None] = mapped_column(Text)
    source_config_uid: Mapped[str | None] = mapped_column(String(64))
    source_name: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(255))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(255))
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    auto_created: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    occurrence_count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    rule_id: Mapped[int | None] = mapped_column(Integer)
    last_activity_id: Mapped[int | None] = mapped_column(BigInteger)
    last_triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The problem's newest trigger/reset cycle times (ISO 8601 UTC, oldest first, at most the rule's
    #: flapping limit + 1): flapping is counted over a sliding window (see ``alerts/flapping.py``).
    cycle_times: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    flapping: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Why no ticket was opened (maintenance window, rule says record only, ...), shown in the panel.
    suppressed_reason: Mapped[str | None] = mapped_column(String(255))
    ticket_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )


class AlertRule(TenantMixin, Base):
    """An ordered alert rule: first active match wins. ``conditions``/``actions`` are validated JSON."""

    __tablename__ = "ninjaone_alert_rules"
    __table_args__ = (Index(None, "tenant_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The instance whose alerts the rule handles; ``None``: every instance's. Organization and role
    #: ids are numbered per instance, so a rule naming them is always scoped (``alerts.rule_store``).
    #: A tenant that moves to another instance takes its rules along (``connection.instance_change``);
    #: the one row ever deleted is one that held no ids, so its rules are kept, for every instance.
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    catch_all: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    actions: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )


class MaintenanceWindow(TenantMixin, Base):
    """A period in which alerts are recorded but open no tickets (per organization or device, of one
    instance or of all).

    One-off windows use ``starts_at``/``ends_at``; recurring ones repeat ``daily`` or ``weekly`` (on
    ``weekdays``, 0 = Monday) from ``start_time`` (HH:MM, in ``timezone``) for ``duration_minutes``.
    """

    __tablename__ = "ninjaone_maintenance_windows"
    __table_args__ = (Index(None, "tenant_id", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The instance whose devices the window covers; ``None``: every instance's. Organization and device
    #: ids are numbered per instance, so a window naming one is always scoped, like an alert rule
    #: (``alerts.rule_store.check_scope``), and follows its instance through a move.
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    organization_id: Mapped[int | None] = mapped_column(BigInteger)
    device_id: Mapped[int | None] = mapped_column(BigInteger)
    recurrence: Mapped[str] = mapped_column(String(16), nullable=False, default="none")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    weekdays: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    start_time: Mapped[str | None] = mapped_column(String(5))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Opt-in: while the window is on, its devices are also in maintenance in NinjaOne (see
    #: :mod:`flask_ninjaone.actions.windows`), so NinjaOne itself stops alerting.
    ninjaone_maintenance: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class RuleTest(TenantMixin, Base):
    """One "test this rule" run: the rule as tested (saved, or a draft from the form), how many recent
    alerts, its progress while the job works, and what it found, kept so its result page and link
    stay the same after new alerts arrive. Only the newest few per tenant are kept."""

    __tablename__ = "ninjaone_rule_tests"
    __table_args__ = (Index(None, "tenant_id", "rule_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The saved rule tested, or whose unsaved edit was (``None``: a new rule's draft, or deleted since).
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("ninjaone_alert_rules.id", ondelete="SET NULL"))
    rule_name: Mapped[str] = mapped_column(String(255), nullable=False)
    #: The tested rule: ``conditions``, ``actions``, ``catch_all``, ``position`` (see ``alerts.rule_tests``).
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    #: A digest of the spec and the limit: the same test asked twice while queued or running is one.
    subject: Mapped[str] = mapped_column(String(64), nullable=False)
    alert_limit: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    processed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    expected: Mapped[int | None] = mapped_column(Integer)
    #: One entry per alert tested, newest first: its facts and what the rule would do (``alerts.rule_tests``).
    results: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    error: Mapped[str | None] = mapped_column(Text)
