"""flask-ninjaone: a NinjaOne RMM integration for Flask-based PSA applications.

Public contract: ``NinjaOne`` (the extension), ``HostAdapter`` and the dataclasses that cross the
seam to the host, ``ticket_closed`` (the host calls it when a person closes a ticket),
``asset_attributes_changed`` (when a person changes an asset attribute a custom field feeds), and
``include_object`` for the host's Alembic autogenerate.
"""

from .alerts.resets import ticket_closed
from .config import ConfigError
from .extension import NinjaOne
from .host import (
    AdoptionKeys,
    AssetAttribute,
    AssetMatch,
    AssetRecord,
    AssetType,
    AttributeUpdate,
    ClientRef,
    ContactRef,
    FieldChoice,
    HostAdapter,
    HostPages,
    LogonUser,
    Permission,
    SiteRef,
    TenantRef,
    TicketDraft,
    TicketState,
    UserRef,
    Volume,
)
from .inventory.field_writes import asset_attributes_changed
from .migrations_support import include_object
from .tenancy import TenantScopeError, system_scope, tenant_scope

__all__ = [
    "AdoptionKeys",
    "AssetAttribute",
    "AssetMatch",
    "AssetRecord",
    "AssetType",
    "AttributeUpdate",
    "ClientRef",
    "ContactRef",
    "ConfigError",
    "FieldChoice",
    "HostAdapter",
    "HostPages",
    "LogonUser",
    "NinjaOne",
    "Permission",
    "SiteRef",
    "TenantRef",
    "TenantScopeError",
    "TicketDraft",
    "TicketState",
    "UserRef",
    "Volume",
    "asset_attributes_changed",
    "include_object",
    "system_scope",
    "tenant_scope",
    "ticket_closed",
]
