"""What the RMM panels on a host's asset and ticket pages show (data only; templates render it).

The software list of one device is small (a few hundred rows at most), so it is searched in SQL and
sorted and paginated in Python, which lets "version" sort numerically like everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select

from ..alerts.catalog import SEVERITIES_WORST_FIRST
from ..client import device_page_url
from ..connection.health import ConnectionHealth, connection_health
from ..connection.instances import names_if_several, tenant_instances
from ..models import (
    OPEN_ALERT_STATUSES,
    Alert,
    Device,
    DeviceAttributes,
    Integration,
    Patch,
    Software,
    SoftwareChange,
)
from ..state import get_state
from ..tenancy import require_tenant_id
from .asset_devices import devices_for_assets, devices_of_asset, instance_of, open_alert_counts
from .compliance import antivirus_state, patch_compliance
from .versions import version_key

SOFTWARE_PER_PAGE = 25
SOFTWARE_SORTS = ("name", "publisher", "version", "installed")
MAX_ALERTS = 20
MAX_PATCHES = 50
MAX_HISTORY = 20
EPOCH = datetime.fromtimestamp(0, UTC)


@dataclass(frozen=True)
class SoftwareParams:
    """Validated ``sw_q``, ``sw_sort``, ``sw_dir``, ``sw_page`` of the asset page's query string."""

    q: str = ""
    sort: str = "name"
    direction: str = "asc"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SoftwareParams:
        """Anything invalid falls back to the default: a hand-edited URL never breaks the page."""
        q = " ".join((args.get("sw_q") or "").split())[:100]
        sort = args.get("sw_sort") if args.get("sw_sort") in SOFTWARE_SORTS else "name"
        direction = "desc" if args.get("sw_dir") == "desc" else "asc"
        try:
            page = min(max(int(args.get("sw_page") or 1), 1), 10_000)
        except ValueError:
            page = 1
        return cls(q, sort or "name", direction, page)

    def args(self, **changes: Any) -> dict[str, Any]:
        values = {"sw_q": self.q, "sw_sort": self.sort, "sw_dir": self.direction, "sw_page": self.page}
        values.update({f"sw_{key}": value for key, value in changes.items()})
        return {key: value for key, value in values.items() if value not in ("", None)}


@dataclass
class SoftwarePage:
    rows: list[Software]
    total: int
    page: int
    pages: int
    params: SoftwareParams


@dataclass
class AssetPanel:
    """Everything the asset panel shows; ``device`` is ``None`` for an asset NinjaOne does not manage.
    ``integration`` and ``health`` are those of the device's own instance (``None`` and "not
    connected" without a device); ``instance_name`` is its name when the tenant has several."""

    host_asset_id: str
    integration: Integration | None
    health: ConnectionHealth
    #: Whether the tenant has any NinjaOne instance: "not connected" versus "not managed".
    connected: bool = False
    instance_name: str | None = None
    device: Device | None = None
    ninjaone_url: str | None = None
    compliance: str = "unknown"
    antivirus_state: str = "unknown"
    antivirus: dict[str, Any] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    alert_count: int = 0
    patches: list[Patch] = field(default_factory=list)
    patch_total: int = 0
    software: SoftwarePage | None = None
    history: list[SoftwareChange] = field(default_factory=list)
    #: The last logged-on user and their host contact, when the walk linked them.
    attributes: DeviceAttributes | None = None

    @property
    def managed(self) -> bool:
        return self.device is not None

    @property
    def last_inventory_at(self) -> datetime | None:
        return self.integration.last_inventory_at if self.integration else None

    @property
    def maintenance_status(self) -> str | None:
        """NinjaOne's maintenance status as of now: the mirrored one, except that a window whose end
        has passed is over (``None``) and a scheduled one whose start has passed is on, even before
        NinjaOne's next report says so (it tells of these changes only at the next sync or
        ``NODE_UPDATED``)."""
        device = self.device
        if device is None or not device.maintenance_status:
            return None
        now = datetime.now(UTC)
        if device.maintenance_end is not None and device.maintenance_end <= now:
            return None
        if (
            device.maintenance_status == "PENDING"
            and device.maintenance_start
            and device.maintenance_start <= now
        ):
            return "IN_MAINTENANCE"
        return device.maintenance_status


def _severity_order() -> Any:
    return case(
        {severity: rank for rank, severity in enumerate(SEVERITIES_WORST_FIRST)},
        value=Alert.severity,
        else_=99,
    )


def asset_panels(host_asset_id: Any, args: Mapping[str, str] | None = None) -> list[AssetPanel]:
    """The panel of a host asset of the bound tenant: one per device feeding it, oldest instance
    first (one device; or one per instance when several instances see the same machine and were
    told so, :mod:`..sync.adoption`), each with its own instance's status, alerts, patches and
    software. An asset without a device has one panel saying so."""
    session = get_state().db.session
    asset_id = str(host_asset_id)
    devices = devices_of_asset(session, asset_id)
    if not devices:
        connected = bool(tenant_instances(session))
        return [AssetPanel(asset_id, integration=None, health=connection_health(None), connected=connected)]
    names = names_if_several(session)
    return [_device_panel(asset_id, device, names, args) for device in devices]


def _device_panel(
    asset_id: str, device: Device, names: Mapping[int, str], args: Mapping[str, str] | None
) -> AssetPanel:
    """The panel of one device of the asset, read in the device's own instance."""
    session = get_state().db.session
    integration = instance_of(session, device)
    panel = AssetPanel(asset_id, integration, connection_health(integration), connected=True, device=device)
    panel.instance_name = names.get(integration.id)
    panel.ninjaone_url = device_page_url(integration.base_url, device.device_id)
    panel.compliance = patch_compliance(device)
    panel.antivirus = dict(device.antivirus or {})
    panel.antivirus_state = antivirus_state(device.antivirus, device.node_class)
    alerts = select(Alert).where(
        Alert.integration_id == integration.id,
        Alert.device_id == device.device_id,
        Alert.status.in_(OPEN_ALERT_STATUSES),
    )
    panel.alert_count = session.scalar(select(func.count()).select_from(alerts.subquery())) or 0
    panel.alerts = list(
        session.scalars(alerts.order_by(_severity_order(), Alert.triggered_at.desc()).limit(MAX_ALERTS))
    )
    patches = select(Patch).where(Patch.integration_id == integration.id, Patch.device_id == device.device_id)
    panel.patch_total = session.scalar(select(func.count()).select_from(patches.subquery())) or 0
    status_order = case({"FAILED": 0, "PENDING": 1, "APPROVED": 2}, value=Patch.status, else_=3)
    panel.patches = list(
        session.scalars(patches.order_by(status_order, Patch.kind, Patch.name).limit(MAX_PATCHES))
    )
    panel.software = software_page(integration, device, SoftwareParams.from_args(args or {}))
    panel.attributes = device_attributes(integration, device.device_id)
    panel.history = list(
        session.scalars(
            select(SoftwareChange)
            .where(
                SoftwareChange.integration_id == integration.id, SoftwareChange.device_id == device.device_id
            )
            .order_by(SoftwareChange.at.desc(), SoftwareChange.id.desc())
            .limit(MAX_HISTORY)
        )
    )
    return panel


def device_attributes(integration: Integration, device_id: int) -> DeviceAttributes | None:
    """A device's last logon, contact and mapped custom field values, if a walk stored any."""
    return (
        get_state()
        .db.session.scalars(
            select(DeviceAttributes).where(
                DeviceAttributes.integration_id == integration.id, DeviceAttributes.device_id == device_id
            )
        )
        .first()
    )


def software_page(integration: Integration, device: Device, params: SoftwareParams) -> SoftwarePage:
    query = select(Software).where(
        Software.integration_id == integration.id, Software.device_id == device.device_id
    )
    if params.q:
        term = params.q.lower()
        query = query.where(
            Software.name_key.contains(term, autoescape=True)
            | func.lower(Software.publisher).contains(term, autoescape=True)
        )
    rows = list(get_state().db.session.scalars(query))
    keys = {
        "name": lambda row: (row.name_key, version_key(row.version)),
        "publisher": lambda row: (row.publisher.lower(), row.name_key),
        "version": lambda row: (version_key(row.version), row.name_key),
        "installed": lambda row: (row.installed_at is None, row.installed_at or EPOCH, row.name_key),
    }
    rows.sort(key=keys[params.sort], reverse=params.direction == "desc")
    pages = max(1, -(-len(rows) // SOFTWARE_PER_PAGE))
    page = min(params.page, pages)
    start = (page - 1) * SOFTWARE_PER_PAGE
    return SoftwarePage(rows[start : start + SOFTWARE_PER_PAGE], len(rows), page, pages, params)


@dataclass
class TicketAsset:
    """One asset of a ticket, with its device and that device's own instance (its ``health``, and its
    ``instance_name`` when the tenant has several)."""

    host_asset_id: str
    device: Device | None = None
    ninjaone_url: str | None = None
    alert_count: int = 0
    health: ConnectionHealth | None = None
    instance_name: str | None = None


@dataclass
class TicketAssets:
    """The ticket panel: whether the tenant has any instance, and the ticket's linked assets."""

    connected: bool
    assets: list[TicketAsset]


def ticket_assets(ticket_id: Any) -> TicketAssets:
    """The ticket's linked assets (``HostAdapter.ticket_asset_ids``) with their NinjaOne device, if any,
    each from the device's own instance."""
    session = get_state().db.session
    instances = {row.id: row for row in tenant_instances(session)}
    asset_ids = get_state().host.ticket_asset_ids(require_tenant_id(), str(ticket_id))
    devices: dict[str | None, Device] = {}
    for device in devices_for_assets(session, asset_ids):
        devices.setdefault(device.host_asset_id, device)  # oldest instance first, as on the asset page
    counts = open_alert_counts(session, devices.values())
    names = names_if_several(session)
    health = {key: connection_health(row) for key, row in instances.items()}
    items = []
    for asset_id in asset_ids:
        linked = devices.get(asset_id)
        if linked is None:
            items.append(TicketAsset(asset_id))
            continue
        integration = instances[linked.integration_id]
        items.append(
            TicketAsset(
                asset_id,
                linked,
                device_page_url(integration.base_url, linked.device_id),
                counts.get((linked.integration_id, linked.device_id), 0),
                health[linked.integration_id],
                names.get(linked.integration_id),
            )
        )
    return TicketAssets(bool(instances), items)
