"""flask-ninjaone: a NinjaOne RMM integration for Flask-based PSA applications.

Public contract: ``NinjaOne`` (the extension), ``HostAdapter`` and the dataclasses that cross the
seam to the host, ``ticket_closed`` (the host calls it when a person closes a ticket), and
``include_object`` for the host's Alembic autogenerate.
"""

from .alerts.resets import ticket_closed
from .config import ConfigError
from .extension import NinjaOne
from .host import (
    AdoptionKeys,
    AssetMatch,
    AssetRecord,
    AssetType,
    ClientRef,
    FieldChoice,
    HostAdapter,
    HostPages,
    Permission,
    SiteRef,
    TenantRef,
    TicketDraft,
    TicketState,
    UserRef,
    Volume,
)
from .migrations_support import include_object
from .tenancy import TenantScopeError, system_scope, tenant_scope

__all__ = [
    "AdoptionKeys",
    "AssetMatch",
    "AssetRecord",
    "AssetType",
    "ClientRef",
    "ConfigError",
    "FieldChoice",
    "HostAdapter",
    "HostPages",
    "NinjaOne",
    "Permission",
    "SiteRef",
    "TenantRef",
    "TenantScopeError",
    "TicketDraft",
    "TicketState",
    "UserRef",
    "Volume",
    "include_object",
    "system_scope",
    "tenant_scope",
    "ticket_closed",
]
