"""Per-device compliance (patch badge, antivirus state), asset-list summaries and the fleet dashboard.

Everything here reads the device mirror that the inventory refresh keeps current, plus the alert
table (``active`` and ``acknowledged`` alerts count as open). Definitions, shared by the panels, the
asset list, the dashboard and its CSV:

* Patch compliance: ``failed`` when any OS or software patch failed, else ``pending`` when any is
  pending, else ``compliant``; ``unknown`` until the first inventory refresh; ``n/a`` for devices
  that are not Windows, macOS or Linux agents and report no patches.
* Antivirus: ``protected`` when a product is on (``ON``) with up-to-date definitions; ``unprotected``
  when products are reported but none is; ``none`` when a Windows, macOS or Linux device reports no
  product; ``n/a`` for devices that never run one (network gear, cloud monitors, phones) and report
  none; ``unknown`` before the first refresh. Devices with active threats are counted separately.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import func, select

from ..alerts.catalog import SEVERITIES_WORST_FIRST
from ..client import device_page_url
from ..connection.health import connection_health
from ..connection.instances import least_recent, names_if_several, tenant_instances
from ..models import OPEN_ALERT_STATUSES, Alert, Device, Integration, OrganizationMapping
from ..organizations.client_mapping import client_names
from ..state import get_state
from .asset_devices import by_instance, devices_for_assets, live_linked, open_alert_counts

COMPLIANCE_STATES = ("compliant", "pending", "failed", "unknown", "n/a")
AGENT_STATES = ("online", "offline", "unknown")
AV_STATES = ("protected", "unprotected", "none", "unknown", "n/a")


def _total(*values: int | None) -> int | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def patch_compliance(device: Any) -> str:
    """``compliant`` | ``pending`` | ``failed`` | ``unknown`` | ``n/a`` (see the module docstring)."""
    failed = _total(device.os_patches_failed, device.software_patches_failed)
    pending = _total(device.os_patches_pending, device.software_patches_pending)
    node_class = getattr(device, "node_class", None)
    if not failed and not pending and node_class is not None and not node_class.startswith(AGENT_OS_CLASSES):
        return "n/a"
    if failed is None and pending is None:
        return "unknown"
    if failed:
        return "failed"
    return "pending" if pending else "compliant"


#: Node classes whose agents patch and report antivirus; other devices (SNMP, cloud monitors, phones)
#: are "n/a" for both unless they report something anyway.
AGENT_OS_CLASSES = ("WINDOWS_", "MAC", "LINUX_")


def antivirus_state(antivirus: Mapping[str, Any] | None, node_class: str | None = None) -> str:
    """``protected`` | ``unprotected`` | ``none`` | ``unknown`` | ``n/a`` (see the module docstring)."""
    products = (antivirus or {}).get("products") or []
    if not products and node_class is not None and not node_class.startswith(AGENT_OS_CLASSES):
        return "n/a"
    if antivirus is None or "products" not in antivirus:
        return "unknown"
    if not products:
        return "none"
    good = any(p.get("state") == "ON" and p.get("definitions") in (None, "UP_TO_DATE") for p in products)
    return "protected" if good else "unprotected"


# -- asset cards and list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetSummary:
    """The RMM facts an asset card or list row shows."""

    device_id: int
    agent_status: str
    alert_count: int
    compliance: str
    ninjaone_url: str
    #: The device's instance is disconnected: these facts are the last known state, badges must not
    #: look live.
    stale: bool = False
    #: The name of the device's instance when the tenant has several (``None``: nothing to tell apart).
    instance: str | None = None


def asset_summaries(host_asset_ids: Iterable[Any]) -> dict[str, AssetSummary]:
    """Host asset id → its RMM summary, for the assets that are NinjaOne devices, each from its
    device's own instance (its link, alerts and connection state)."""
    ids = sorted({str(value) for value in host_asset_ids})
    session = get_state().db.session
    devices = devices_for_assets(session, ids)
    if not devices:
        return {}
    alerts = open_alert_counts(session, devices)
    names = names_if_several(session)
    summaries: dict[str, AssetSummary] = {}
    for integration, members in by_instance(session, devices):
        stale = connection_health(integration).stale
        for device in members:
            if device.host_asset_id is None or device.host_asset_id in summaries:
                continue  # oldest instance first: the asset page shows that device too
            summaries[device.host_asset_id] = AssetSummary(
                device_id=device.device_id,
                agent_status=device.agent_status or "unknown",
                alert_count=alerts.get((device.integration_id, device.device_id), 0),
                compliance=patch_compliance(device),
                ninjaone_url=device_page_url(integration.base_url, device.device_id),
                stale=stale,
                instance=names.get(integration.id),
            )
    return summaries


def asset_ids_matching(
    *, agent: str | None = None, has_alerts: bool | None = None, compliance: str | None = None
) -> set[str]:
    """Host asset ids of NinjaOne devices matching every given filter (for the host's asset list).

    ``agent`` is online/offline/unknown, ``compliance`` one of :data:`COMPLIANCE_STATES`; unknown
    values raise ``ValueError`` so a typo never silently means "no filter".
    """
    if agent is not None and agent not in AGENT_STATES:
        raise ValueError(f"agent must be one of {AGENT_STATES}")
    if compliance is not None and compliance not in COMPLIANCE_STATES:
        raise ValueError(f"compliance must be one of {COMPLIANCE_STATES}")
    session = get_state().db.session
    query = live_linked().where(Device.host_asset_id.is_not(None))
    if agent is not None:
        query = query.where(Device.agent_status == agent)
    alerts = open_alert_counts(session) if has_alerts is not None else {}
    matched: set[str] = set()
    for device in session.scalars(query.execution_options(yield_per=1000)):
        if (
            has_alerts is not None
            and bool(alerts.get((device.integration_id, device.device_id))) != has_alerts
        ):
            continue
        if compliance is not None and patch_compliance(device) != compliance:
            continue
        matched.add(str(device.host_asset_id))
    return matched


def managed_asset_ids() -> set[str]:
    """Host asset ids linked to a live NinjaOne device (the "RMM-managed" filter)."""
    return asset_ids_matching()


# -- the dashboard --------------------------------------------------------------------------------


@dataclass
class Figures:
    """Counts of one scope (the fleet, or one client)."""

    devices: int = 0
    agent: Counter[str] = field(default_factory=Counter)
    compliance: Counter[str] = field(default_factory=Counter)
    antivirus: Counter[str] = field(default_factory=Counter)
    patches_pending: int = 0
    patches_failed: int = 0
    devices_with_threats: int = 0
    threats_active: int = 0
    threats_quarantined: int = 0
    alerts: Counter[str] = field(default_factory=Counter)

    def add(self, device: Any) -> None:
        self.devices += 1
        self.agent[device.agent_status if device.agent_status in AGENT_STATES else "unknown"] += 1
        self.compliance[patch_compliance(device)] += 1
        self.antivirus[antivirus_state(device.antivirus, device.node_class)] += 1
        self.patches_pending += _total(device.os_patches_pending, device.software_patches_pending) or 0
        self.patches_failed += _total(device.os_patches_failed, device.software_patches_failed) or 0
        if device.threats_active:
            self.devices_with_threats += 1
            self.threats_active += device.threats_active
        self.threats_quarantined += device.threats_quarantined or 0

    @property
    def alerts_total(self) -> int:
        return sum(self.alerts.values())

    def row(self) -> dict[str, int]:
        """Flat figures, in :data:`FIGURE_COLUMNS` order (the table and the CSV)."""
        return {
            "devices": self.devices,
            "online": self.agent["online"],
            "offline": self.agent["offline"],
            "agent_unknown": self.agent["unknown"],
            "patch_compliant": self.compliance["compliant"],
            "patch_pending_devices": self.compliance["pending"],
            "patch_failed_devices": self.compliance["failed"],
            "patch_unknown": self.compliance["unknown"],
            "patch_not_applicable": self.compliance["n/a"],
            "patches_pending": self.patches_pending,
            "patches_failed": self.patches_failed,
            "av_protected": self.antivirus["protected"],
            "av_unprotected": self.antivirus["unprotected"],
            "av_none": self.antivirus["none"],
            "av_unknown": self.antivirus["unknown"],
            "av_not_applicable": self.antivirus["n/a"],
            "devices_with_threats": self.devices_with_threats,
            "threats_active": self.threats_active,
            "threats_quarantined": self.threats_quarantined,
            **{f"alerts_{severity.lower()}": self.alerts[severity] for severity in SEVERITIES_WORST_FIRST},
        }


#: Column key → heading, for the per-client table and its CSV.
FIGURE_COLUMNS: dict[str, str] = {
    "devices": "Devices",
    "online": "Online",
    "offline": "Offline",
    "agent_unknown": "Agent unknown",
    "patch_compliant": "Patch compliant",
    "patch_pending_devices": "Devices with pending patches",
    "patch_failed_devices": "Devices with failed patches",
    "patch_unknown": "Patch status unknown",
    "patch_not_applicable": "Patching not applicable",
    "patches_pending": "Pending patches",
    "patches_failed": "Failed patches",
    "av_protected": "AV protected",
    "av_unprotected": "AV unprotected",
    "av_none": "No AV reported",
    "av_unknown": "AV unknown",
    "av_not_applicable": "AV not applicable",
    "devices_with_threats": "Devices with active threats",
    "threats_active": "Active threats",
    "threats_quarantined": "Quarantined threats",
    **{f"alerts_{severity.lower()}": f"{severity.title()} alerts" for severity in SEVERITIES_WORST_FIRST},
}


class ClientRow(NamedTuple):
    """One row of the per-client table: a client's devices in one instance (``client_id`` ``None`` =
    organizations not mapped). Two instances map their own organizations, so with several a client
    may have a row in each, said apart by ``integration_id``."""

    integration_id: int
    client_id: str | None
    name: str
    figures: Figures


@dataclass
class Dashboard:
    """The figures of the instances read (the sum: a device id in two instances is two machines) and
    one row per instance and client."""

    fleet: Figures
    clients: list[ClientRow]
    #: When the least recently refreshed of the instances read was refreshed (what the figures rest on).
    last_inventory_at: Any = None


def _client_of_organization(integrations: Sequence[Integration]) -> dict[tuple[int, int], str]:
    """(instance id, organization id) → the host client it is mapped to."""
    rows = get_state().db.session.execute(
        select(
            OrganizationMapping.integration_id,
            OrganizationMapping.organization_id,
            OrganizationMapping.host_client_id,
        ).where(OrganizationMapping.integration_id.in_([row.id for row in integrations]))
    )
    return {(integration_id, org): client for integration_id, org, client in rows if client}


def dashboard(
    client_id: str | None = None, *, integrations: Sequence[Integration] | None = None
) -> Dashboard | None:
    """Figures of the fleet of ``integrations`` (default: every live instance of the tenant), or of one
    client in them; ``None`` when NinjaOne is not set up. The figures of several instances are their
    sum, each device counted in its own instance."""
    session = get_state().db.session
    integrations = list(integrations) if integrations is not None else tenant_instances(session)
    if not integrations:
        return None
    ids = [row.id for row in integrations]
    client_of = _client_of_organization(integrations)
    names = client_names()
    fleet = Figures()
    per_client: dict[tuple[int, str | None], Figures] = defaultdict(Figures)
    device_client: dict[tuple[int, int], str | None] = {}
    columns = (
        Device.integration_id,
        Device.device_id,
        Device.organization_id,
        Device.agent_status,
        Device.node_class,
        Device.os_patches_pending,
        Device.os_patches_failed,
        Device.software_patches_pending,
        Device.software_patches_failed,
        Device.antivirus,
        Device.threats_active,
        Device.threats_quarantined,
    )
    rows = session.execute(
        select(*columns)
        .where(Device.integration_id.in_(ids), Device.retired.is_(False))
        .execution_options(yield_per=2000)
    )
    for device in rows:
        owner = client_of.get((device.integration_id, device.organization_id))
        if client_id is not None and owner != client_id:
            continue
        device_client[(device.integration_id, device.device_id)] = owner
        fleet.add(device)
        per_client[(device.integration_id, owner)].add(device)
    alerts = session.execute(
        select(Alert.integration_id, Alert.device_id, Alert.severity, func.count())
        .where(Alert.integration_id.in_(ids), Alert.status.in_(OPEN_ALERT_STATUSES))
        .group_by(Alert.integration_id, Alert.device_id, Alert.severity)
    )
    for integration_id, device_id, severity, count in alerts:
        key = (integration_id, device_id)
        if key not in device_client:
            continue
        level = severity if severity in SEVERITIES_WORST_FIRST else "NONE"
        fleet.alerts[level] += count
        per_client[(integration_id, device_client[key])].alerts[level] += count
    order = {integration_id: position for position, integration_id in enumerate(ids)}
    clients = sorted(
        (
            ClientRow(integration_id, cid, names.get(cid, "Unmapped") if cid else "Unmapped", figures)
            for (integration_id, cid), figures in per_client.items()
        ),
        key=lambda row: (row.client_id is None, row.name.lower(), order[row.integration_id]),
    )
    last = least_recent([row.last_inventory_at for row in integrations])
    return Dashboard(fleet=fleet, clients=clients, last_inventory_at=last)
