"""Custom field mapping and what the inventory walk last read of each device's fields and logon."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, TenantMixin, UTCDateTime, utcnow


class FieldMapping(TenantMixin, Base):
    """One NinjaOne device custom field feeding one host asset attribute (per connection).

    ``field_type`` is the extension's type (text, number, date, checkbox, dropdown) both sides agreed
    on when the mapping was saved; ``options`` a dropdown's NinjaOne options ``[{"id", "name"}]`` as
    last read, so a value the host sends is checked without asking NinjaOne. ``missing_since`` is set
    when a walk found the field gone from NinjaOne's definitions (the mapping is then skipped, and
    shown as broken, until the field is back or the mapping removed).
    """

    __tablename__ = "ninjaone_field_mappings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "integration_id", "field_name"),
        UniqueConstraint("tenant_id", "integration_id", "attribute"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    field_name: Mapped[str] = mapped_column(String(128), nullable=False)
    field_label: Mapped[str] = mapped_column(String(255), nullable=False)
    field_type: Mapped[str] = mapped_column(String(16), nullable=False)
    #: NinjaOne's own type (``NUMERIC`` takes whole numbers only, ``DECIMAL`` any).
    ninjaone_type: Mapped[str] = mapped_column(String(32), nullable=False)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    attribute: Mapped[str] = mapped_column(String(128), nullable=False)
    two_way: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    missing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )


class DeviceAttributes(TenantMixin, Base):
    """Per device: the mapped custom fields as NinjaOne last reported them, and its last logon.

    ``values`` holds NinjaOne's raw values of the mapped fields (``{field name: value}``) as the last
    walk read them, ``values_synced_at`` when a walk last changed them (a walk that finds nothing new
    writes nothing); a walk writes to the host only what differs from them, and the conflict rule
    of two-way fields reads them (see :mod:`flask_ninjaone.inventory.field_writes`). ``contact_id`` is
    the host contact the adapter found for ``logon_user``.
    """

    __tablename__ = "ninjaone_device_attributes"
    __table_args__ = (UniqueConstraint("tenant_id", "integration_id", "device_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    device_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    values: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    values_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    logon_user: Mapped[str | None] = mapped_column(String(255))
    logon_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contact_id: Mapped[str | None] = mapped_column(String(64))
    contact_name: Mapped[str | None] = mapped_column(String(255))


class ContactSettings(TenantMixin, Base):
    """Whether a connection links each device's last logged-on user to a host contact, and may create one."""

    __tablename__ = "ninjaone_contact_settings"
    __table_args__ = (UniqueConstraint("tenant_id", "integration_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("ninjaone_integrations.id", ondelete="CASCADE"), nullable=False
    )
    link_contacts: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    create_contacts: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )
