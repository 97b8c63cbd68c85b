"""The NinjaOne device mirror: what we last saw of each device, and the host asset it feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, TenantMixin, UTCDateTime, utcnow


class Device(TenantMixin, Base):
    """One NinjaOne device. ``content_hash`` lets a sync skip devices whose facts did not change."""

    __tablename__ = "ninjaone_devices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "integration_id", "device_id"),
        Index(None, "tenant_id", "host_asset_id"),
        Index(None, "tenant_id", "integration_id", "organization_id"),
        Index(None, "tenant_id", "serial_number"),
        Index(None, "tenant_id", "warranty_end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    device_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    organization_id: Mapped[int | None] = mapped_column(BigInteger)
    location_id: Mapped[int | None] = mapped_column(BigInteger)
    node_class: Mapped[str | None] = mapped_column(String(64))
    node_role_id: Mapped[int | None] = mapped_column(BigInteger)
    device_type: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    asset_type: Mapped[str | None] = mapped_column(String(32))
    #: The host asset type the device-type table gave (``None``: the host took ``asset_type``).
    host_asset_type: Mapped[str | None] = mapped_column(String(64))
    #: The host site the device's location is mapped to (``None``: the client without a site).
    site_id: Mapped[str | None] = mapped_column(String(64))
    approval_status: Mapped[str | None] = mapped_column(String(32))
    agent_status: Mapped[str] = mapped_column(String(16), nullable=False, default="unknown")
    last_contact: Mapped[datetime | None] = mapped_column(UTCDateTime())
    serial_number: Mapped[str | None] = mapped_column(String(255))
    hardware: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    host_asset_id: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    #: Fingerprint of the raw payload (and its target) this row was last written from: a full
    #: sync does not even load a device whose payload matches it (see ``PageWriter.unchanged``).
    payload_hash: Mapped[str | None] = mapped_column(String(64))
    #: Per inventory report, the fingerprint of the rows this device's inventory was last written
    #: from: a bulk refresh skips a device whose rows hash the same (see ``inventory.fingerprints``).
    inventory_fingerprints: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    os_patches_pending: Mapped[int | None] = mapped_column(Integer)
    os_patches_failed: Mapped[int | None] = mapped_column(Integer)
    software_patches_pending: Mapped[int | None] = mapped_column(Integer)
    software_patches_failed: Mapped[int | None] = mapped_column(Integer)
    last_patch_scan_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    antivirus: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    threats_active: Mapped[int | None] = mapped_column(Integer)
    threats_quarantined: Mapped[int | None] = mapped_column(Integer)
    health_status: Mapped[str | None] = mapped_column(String(32))
    #: The device's ``maintenance`` record as NinjaOne last reported it (sync, ``NODE_UPDATED``):
    #: ``PENDING``, ``IN_MAINTENANCE`` or ``FAILED``; ``None`` when none is set.
    maintenance_status: Mapped[str | None] = mapped_column(String(32))
    maintenance_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    maintenance_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: ``references.warranty`` as NinjaOne reports it (start, end, manufacturer fulfillment);
    #: ``None`` where NinjaOne knows no warranty. The fleet's warranty view filters on the end.
    warranty_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warranty_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warranty_fulfillment: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active_alerts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Set while NinjaOne still has the device but its asset is kept off the host's active assets
    #: (awaiting approval, or moved into an unmapped organization); the host asset is inactive with
    #: the same reason, and the row keeps its link so the asset comes back when the hold ends.
    held_reason: Mapped[str | None] = mapped_column(String(255))
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why the device was retired (deleted, decommissioned, no longer listed), as told to the host.
    retired_reason: Mapped[str | None] = mapped_column(String(255))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
