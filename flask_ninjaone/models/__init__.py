"""The extension's tables (all ``ninjaone_``-prefixed, all tenant-scoped)."""

from .actions import ActionKind, ActionState, DeviceAction
from .adoption import AdoptionAnswer, AdoptionQuestion
from .alerts import OPEN_ALERT_STATUSES, Alert, AlertRule, AlertStatus, MaintenanceWindow, RuleTest
from .asset_mapping import EVERY_ORGANIZATION, DeviceTypeRule, LocationSite, MatchKind
from .audit import AuditEntry
from .base import Base, metadata
from .billing import BillingSnapshot
from .custom_fields import ContactSettings, DeviceAttributes, FieldMapping
from .devices import Device
from .integration import ConnectionStatus, Credential, Integration, WebhookState
from .inventory import Patch, RemoteLink, Software, SoftwareChange, SoftwareName
from .organizations import MappingState, OrganizationMapping
from .owed import OwedKind, OwedWrite
from .sync import Lock, RunState, SyncRun
from .webhooks import DeliveryStatus, WebhookDelivery

__all__ = [
    "AdoptionAnswer",
    "AdoptionQuestion",
    "BillingSnapshot",
    "ActionKind",
    "ActionState",
    "Alert",
    "AlertRule",
    "AlertStatus",
    "OPEN_ALERT_STATUSES",
    "AuditEntry",
    "DeviceTypeRule",
    "EVERY_ORGANIZATION",
    "LocationSite",
    "MatchKind",
    "Base",
    "ConnectionStatus",
    "ContactSettings",
    "Credential",
    "DeliveryStatus",
    "Device",
    "DeviceAttributes",
    "DeviceAction",
    "FieldMapping",
    "Integration",
    "Lock",
    "MaintenanceWindow",
    "MappingState",
    "OrganizationMapping",
    "OwedKind",
    "OwedWrite",
    "Patch",
    "RemoteLink",
    "RuleTest",
    "RunState",
    "Software",
    "SoftwareChange",
    "SoftwareName",
    "SyncRun",
    "WebhookDelivery",
    "WebhookState",
    "metadata",
]
