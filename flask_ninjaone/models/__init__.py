"""The extension's tables (all ``ninjaone_``-prefixed, all tenant-scoped)."""

from .alerts import Alert, AlertRule, AlertStatus
from .audit import AuditEntry
from .base import Base, metadata
from .devices import Device
from .integration import ConnectionStatus, Credential, Integration, WebhookState
from .inventory import Patch, Software
from .organizations import MappingState, OrganizationMapping
from .sync import Lock, RunState, SyncRun
from .webhooks import DeliveryStatus, WebhookDelivery

__all__ = [
    "Alert",
    "AlertRule",
    "AlertStatus",
    "AuditEntry",
    "Base",
    "ConnectionStatus",
    "Credential",
    "DeliveryStatus",
    "Device",
    "Integration",
    "Lock",
    "MappingState",
    "OrganizationMapping",
    "Patch",
    "RunState",
    "Software",
    "SyncRun",
    "WebhookDelivery",
    "WebhookState",
    "metadata",
]
