"""A tenant's connection to one NinjaOne instance, and its encrypted credentials."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedText
from .base import Base, TenantMixin, UTCDateTime, utcnow


class ConnectionStatus(enum.StrEnum):
    """What the status badge shows; ``reconnect_required`` means a human must run OAuth again."""

    DISCONNECTED = "disconnected"
    CONNECTED = "connected"
    SYNCING = "syncing"
    ERROR = "error"
    RECONNECT_REQUIRED = "reconnect_required"


class WebhookState(enum.StrEnum):
    """Whether NinjaOne pushes events to us; ``refused`` = the API client is not a system admin."""

    OFF = "off"
    ACTIVE = "active"
    REFUSED = "refused"
    ERROR = "error"


#: Longest instance name.
NAME_LENGTH = 64


def default_instance_name(region: str | None, base_url: str) -> str:
    """What an instance is called until the admin names it: its region key (``eu``), else the host and
    port of its URL (two fakes on one loopback host differ by port only)."""
    return (region or urlsplit(base_url).netloc or base_url)[:NAME_LENGTH]


def _name_default(context: Any) -> str:
    """Column default for rows built without a name (the domain names them; fixtures may not)."""
    params = context.get_current_parameters()
    return default_instance_name(params.get("region"), params["base_url"])


class Integration(TenantMixin, Base):
    """One connection per tenant and instance, with its sync settings and last known health."""

    __tablename__ = "ninjaone_integrations"
    # public_id is the one key not led by tenant_id: the webhook receiver must find the integration
    # (and so the tenant) from the URL alone. It is 256 random bits.
    __table_args__ = (
        UniqueConstraint("public_id"),
        UniqueConstraint("tenant_id", "base_url"),
        UniqueConstraint("tenant_id", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Unguessable id used in the webhook receiver URL (never the primary key).
    public_id: Mapped[str] = mapped_column(String(64), nullable=False)
    #: What the admin calls this instance (``--instance NAME`` and the settings list); unique per
    #: tenant, derived from the region or host unless chosen (see :mod:`flask_ninjaone.connection.instances`).
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False, default=_name_default)
    region: Mapped[str | None] = mapped_column(String(16))
    base_url: Mapped[str] = mapped_column(String(255), nullable=False)
    #: The operator's CLI set ``base_url``: trusted, reached without the address guard even when it is
    #: not in ``NINJAONE_ALLOWED_BASE_URLS`` (see :mod:`flask_ninjaone.connection.base_urls`).
    base_url_set_by_operator: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    auth_mode: Mapped[str] = mapped_column(String(32), nullable=False, default="authorization_code")
    status: Mapped[str] = mapped_column(String(32), nullable=False, default=ConnectionStatus.DISCONNECTED)
    status_reason: Mapped[str | None] = mapped_column(Text)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    connected_by: Mapped[str | None] = mapped_column(String(255))
    webhook_state: Mapped[str] = mapped_column(String(16), nullable=False, default=WebhookState.OFF)
    webhook_error: Mapped[str | None] = mapped_column(Text)
    webhook_secret: Mapped[str | None] = mapped_column(EncryptedText())
    webhook_previous_secret: Mapped[str | None] = mapped_column(EncryptedText())
    webhook_previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    auto_sync: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sync_interval_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    inventory_interval_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=360)
    sync_pending_devices: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: End of the last complete walk: scheduled syncs are incremental and each refreshes
    #: ``last_sync_at``, so the full walk that catches drift keeps its own clock.
    last_full_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sync_status: Mapped[str | None] = mapped_column(String(32))
    last_inventory_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last month (``YYYY-MM``) whose month-end billing snapshot was taken: the scheduler tick
    #: queues one when the month before now differs, so a month is taken once even with no devices.
    billing_month: Mapped[str | None] = mapped_column(String(7))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_activity_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Set when the tenant connected another instance instead: devices, organizations and alerts
    #: belong to one instance, so the row is kept for its history but never used again (a later
    #: switch back to this very instance revives it).
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )

    credential: Mapped[Credential | None] = relationship(
        back_populates="integration", uselist=False, cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Integration {self.id} tenant={self.tenant_id} status={self.status}>"


class Credential(TenantMixin, Base):
    """The tenant's API client secret and OAuth tokens, encrypted at rest.

    A separate row so the token refresh can lock exactly this row (``SELECT ... FOR UPDATE``)
    without blocking writes to the integration's status and settings.
    """

    __tablename__ = "ninjaone_credentials"
    __table_args__ = (UniqueConstraint("tenant_id", "integration_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    client_id: Mapped[str] = mapped_column(String(255), nullable=False)
    client_secret: Mapped[str | None] = mapped_column(EncryptedText())
    #: Last four characters of the secret, to show "saved, ending in …1a2b" without decrypting.
    client_secret_hint: Mapped[str | None] = mapped_column(String(8))
    access_token: Mapped[str | None] = mapped_column(EncryptedText())
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText())
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scope: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )

    integration: Mapped[Integration] = relationship(back_populates="credential")

    def __repr__(self) -> str:
        return f"<Credential integration={self.integration_id} client_id={self.client_id}>"
