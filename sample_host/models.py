"""The host's own tables: tenants, users, clients, assets and tickets.

Every business row carries ``tenant_id`` and every view filters on it; rows owned by a ticket (notes,
work entries, events, asset links) are reached only through their tenant-scoped ticket. None of these
tables are prefixed ``ninjaone_``: that prefix belongs to the extension, whose migrations live on their
own Alembic branch.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from .database import db

ROLES = ("admin", "technician", "viewer")
ASSET_TYPES = ("workstation", "laptop", "server", "network_device", "firewall", "mobile", "printer", "other")
ASSET_STATUSES = ("active", "inactive")
AGENT_STATUSES = ("online", "offline", "unknown")
TICKET_PRIORITIES = ("urgent", "high", "medium", "low")
TICKET_STATUSES = ("open", "in_progress", "waiting", "closed")
TICKET_BOARDS = ("Service Desk", "Alerts", "Projects")
#: Ticket fields whose change by a user means a human worked the ticket (see ``TicketEvent``).
HUMAN_WORK_FIELDS = ("status", "assignee")


def utcnow() -> datetime:
    """Timezone-aware "now": naive datetimes are ambiguous once PostgreSQL and workers are involved."""
    return datetime.now(UTC)


def normalize_serial(serial: str | None) -> str | None:
    """Key for case-insensitive serial matching; ``None`` for blanks so they never match each other."""
    key = (serial or "").strip().upper()
    return key or None


class Timestamps:
    """``created_at``/``updated_at`` columns; ``onupdate`` also fires for bulk ``update()`` statements."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Tenant(Timestamps, db.Model):
    """One MSP using the PSA. ``ticket_counter`` hands out per-tenant ticket numbers (see ticketing)."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    ticket_counter: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class User(Timestamps, db.Model):
    """A person who logs in; e-mail is unique per tenant, so login asks for the tenant too."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    tenant: Mapped[Tenant] = relationship()

    @validates("email")
    def _lowercase_email(self, _key: str, email: str) -> str:
        """E-mail addresses compare case-insensitively in practice; store them one way."""
        return email.strip().lower()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Client(Timestamps, db.Model):
    """A customer company of the MSP; NinjaOne organizations map onto clients."""

    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")


class Site(Timestamps, db.Model):
    """A location of a client (an office, a branch); NinjaOne locations map onto sites."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("tenant_id", "client_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))


class Asset(Timestamps, db.Model):
    """A managed device. Columns mirror what an RMM reports; ``notes`` and ``custom_attributes`` are
    host-owned and never written by a sync. ``external_source``/``external_id`` link the asset to the
    RMM record it came from (for NinjaOne: the device id, as a string)."""

    __tablename__ = "assets"
    __table_args__ = (
        Index("ix_assets_tenant_external", "tenant_id", "external_source", "external_id"),
        Index("ix_assets_tenant_serial_key", "tenant_id", "serial_key"),
        Index("ix_assets_tenant_client_name", "tenant_id", "client_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(255))
    asset_type: Mapped[str] = mapped_column(String(32), default="other")
    is_virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    inactive_reason: Mapped[str | None] = mapped_column(String(255))
    serial_number: Mapped[str | None] = mapped_column(String(255))
    serial_key: Mapped[str | None] = mapped_column(String(255))
    manufacturer: Mapped[str | None] = mapped_column(String(255))
    model: Mapped[str | None] = mapped_column(String(255))
    os_name: Mapped[str | None] = mapped_column(String(255))
    os_version: Mapped[str | None] = mapped_column(String(128))
    os_build: Mapped[str | None] = mapped_column(String(128))
    os_architecture: Mapped[str | None] = mapped_column(String(64))
    cpu_model: Mapped[str | None] = mapped_column(String(255))
    cpu_cores: Mapped[int | None] = mapped_column(Integer)
    ram_gb: Mapped[float | None] = mapped_column(Float)
    storage_total_gb: Mapped[float | None] = mapped_column(Float)
    ip_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    mac_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    public_ip: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(255))
    last_user: Mapped[str | None] = mapped_column(String(255))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_boot: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent_status: Mapped[str] = mapped_column(String(16), default="unknown")
    #: Type-specific extras (volumes, node class, CPU sockets...), shown on the detail page.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    custom_attributes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    external_source: Mapped[str | None] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(64))
    external_url: Mapped[str | None] = mapped_column(String(2048))

    client: Mapped[Client] = relationship()
    site: Mapped[Site | None] = relationship()

    @validates("serial_number")
    def _keep_serial_key(self, _key: str, serial: str | None) -> str | None:
        """Keep the indexed match key in step with the serial, however the serial is set."""
        self.serial_key = normalize_serial(serial)
        return serial


class Contact(Timestamps, db.Model):
    """A client's person. The NinjaOne integration links each device's last logged-on user to one
    (found by e-mail, then by login), and may create them."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_tenant_id_client_id", "tenant_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    login: Mapped[str | None] = mapped_column(String(255))


ticket_assets = Table(
    "ticket_assets",
    db.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_ticket_assets_asset_id", "asset_id"),  # the asset page lists its tickets
)


class Ticket(Timestamps, db.Model):
    """A service ticket. ``number`` is what people quote ("#42") and is unique per tenant;
    ``created_by_id`` is ``None`` when an integration opened it."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_tickets_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(16), default="medium")
    status: Mapped[str] = mapped_column(String(16), default="open")
    board: Mapped[str] = mapped_column(String(64), default="Service Desk")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(32), default="web")
    external_ref: Mapped[str | None] = mapped_column(String(255))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    client: Mapped[Client | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    assets: Mapped[list[Asset]] = relationship(secondary=ticket_assets, order_by=Asset.name)
    notes: Mapped[list[TicketNote]] = relationship(
        back_populates="ticket", order_by="TicketNote.created_at", cascade="all, delete-orphan"
    )
    work_entries: Mapped[list[TicketWork]] = relationship(
        back_populates="ticket", order_by="TicketWork.worked_at", cascade="all, delete-orphan"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.created_at", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


class TicketNote(db.Model):
    """A reply or internal note; ``author_id`` is ``None`` when an integration wrote it."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()


class TicketWork(db.Model):
    """Time a technician spent on a ticket; always by a human, so it always counts as "worked"."""

    __tablename__ = "ticket_work"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    worked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="work_entries")
    user: Mapped[User] = relationship()


class TicketEvent(db.Model):
    """A status or assignee change, kept so "did a human touch this?" has a factual answer;
    ``actor_id`` is ``None`` for changes made by an integration."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(255))
    new_value: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Notification(db.Model):
    """An in-app message for one user (what ``HostAdapter.notify`` writes); shown on the dashboard."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
