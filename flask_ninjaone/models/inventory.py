"""Normalized software and patch rows, searchable across the fleet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto import EncryptedText
from .base import Base, TenantMixin, UTCDateTime, utcnow


class Software(TenantMixin, Base):
    """One installed product on one device; ``name_key`` is the lower-cased name used by search."""

    __tablename__ = "ninjaone_software"
    __table_args__ = (
        UniqueConstraint("tenant_id", "integration_id", "device_id", "name_key", "publisher", "version"),
        Index(None, "tenant_id", "name_key"),
        # The fleet search reads rows by name (``name_key IN`` the matching names) in page order: one
        # name's first page is a walk of this index, not a sort of all its rows (migration 0018; it
        # replaced 0009's text_pattern_ops index, which served ``LIKE 'term%'`` before the search
        # matched terms against ``ninjaone_software_names``).
        Index(
            "ix_ninjaone_software_name_order",
            "tenant_id",
            "integration_id",
            "name_key",
            "version",
            "device_id",
            "id",
        ),  # fmt: skip
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    device_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    name: Mapped[str] = mapped_column(String(512), nullable=False)
    name_key: Mapped[str] = mapped_column(String(512), nullable=False)
    publisher: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    version: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    installed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class SoftwareName(TenantMixin, Base):
    """A (name key, publisher) pair that ``ninjaone_software`` holds for an integration.

    The fleet software search finds the names that match first (a few thousand rows at most, where the
    software table has one row per product and device: 584k for 10k devices), then reads the software
    rows of those names by index, and the first page only of the first names in order. Matching
    "contains" or a publisher against every software row cost 0.4-1 s on PostgreSQL even as a bare
    ``count(*)``, and would need ``pg_trgm``, which a host's database role may not be allowed to create;
    this list works alike on every database. The inventory writer adds a pair with its first row and
    drops it with its last (``inventory/software_names.py``).
    """

    __tablename__ = "ninjaone_software_names"
    __table_args__ = (UniqueConstraint("tenant_id", "integration_id", "name_key", "publisher"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    name_key: Mapped[str] = mapped_column(String(512), nullable=False)
    publisher: Mapped[str] = mapped_column(String(255), nullable=False, default="")


class Patch(TenantMixin, Base):
    """One OS or software patch of a device with its state (pending, failed, rejected, installed)."""

    __tablename__ = "ninjaone_patches"
    __table_args__ = (
        UniqueConstraint("tenant_id", "integration_id", "device_id", "kind", "patch_uid"),
        Index(None, "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    device_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # os | software
    patch_uid: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(512), nullable=False)
    kb_number: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    patch_type: Mapped[str | None] = mapped_column(String(64))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class SoftwareChange(TenantMixin, Base):
    """A device's software history: what was added, removed or updated, and when we noticed."""

    __tablename__ = "ninjaone_software_changes"
    __table_args__ = (Index(None, "tenant_id", "integration_id", "device_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    device_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    change: Mapped[str] = mapped_column(String(16), nullable=False)  # added | removed | updated
    name: Mapped[str] = mapped_column(String(512), nullable=False)
    publisher: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    old_version: Mapped[str | None] = mapped_column(String(128))
    new_version: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class RemoteLink(TenantMixin, Base):
    """A cached Remote Connect URL; it embeds a session token, so it is encrypted like a secret."""

    __tablename__ = "ninjaone_remote_links"
    __table_args__ = (UniqueConstraint("tenant_id", "integration_id", "device_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    device_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    url: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
