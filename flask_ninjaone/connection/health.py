"""The tenant's NinjaOne state as people should read it: what every badge, card, widget and empty
state says, decided in one place so no page can look live when it is not.

The stored ``Integration.status`` is not enough on its own: it is ``disconnected`` both before the
first connect and after a disconnect (two different situations for the person reading the badge),
and a failed sync leaves it ``connected`` while the data quietly ages. :func:`connection_health`
turns the row into one of six states with a reason, what to do, and, when the RMM data is not being
refreshed, since when it is the last known state.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..alerts.catalog import SEVERITIES_WORST_FIRST
from ..models import OPEN_ALERT_STATUSES, Alert, ConnectionStatus, Device, Integration, RunState
from .connect import tenant_integration
from .instances import least_recent, tenant_instances


class Health(enum.StrEnum):
    """What the badge says; ``not_connected`` = never connected, ``disconnected`` = was, and stopped."""

    NOT_CONNECTED = "not_connected"
    CONNECTED = "connected"
    SYNCING = "syncing"
    ERROR = "error"
    RECONNECT_REQUIRED = "reconnect_required"
    DISCONNECTED = "disconnected"


#: What a tenant that never connected is told to do (the widget, badges and every page's empty state).
SETUP_ADVICE = "Create an API client in NinjaOne, save it in the NinjaOne settings and click Connect."

LABELS = {
    Health.NOT_CONNECTED: "Not connected",
    Health.CONNECTED: "Connected",
    Health.SYNCING: "Syncing",
    Health.ERROR: "Error",
    Health.RECONNECT_REQUIRED: "Reconnect required",
    Health.DISCONNECTED: "Disconnected",
}


@dataclass(frozen=True)
class ConnectionHealth:
    """One tenant's connection as shown to people."""

    state: Health
    reason: str | None = None  # what happened, in a sentence
    advice: str | None = None  # what to do about it
    #: When the RMM data was last refreshed; set only when it is not live (shown as "last known").
    stale_since: datetime | None = None
    #: Whether the tenant ever connected: pages show data (maybe stale) instead of a setup guide.
    has_data: bool = False

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def live(self) -> bool:
        """Data is being kept current (an error may still be pending; the badge says so)."""
        return self.state in (Health.CONNECTED, Health.SYNCING)

    @property
    def stale(self) -> bool:
        """RMM data is shown but no longer refreshed: badges must not look live."""
        return self.has_data and self.state in (Health.DISCONNECTED, Health.RECONNECT_REQUIRED)


def connection_health(integration: Integration | None) -> ConnectionHealth:
    """The state of ``integration`` (the tenant's, or ``None`` when it never saved credentials)."""
    if integration is None:
        return ConnectionHealth(
            Health.NOT_CONNECTED,
            advice=SETUP_ADVICE,
        )
    has_data = integration.last_sync_at is not None
    status = integration.status
    if status == ConnectionStatus.DISCONNECTED:
        if not has_data and integration.status_reason is None:
            configured = integration.credential is not None
            return ConnectionHealth(
                Health.NOT_CONNECTED,
                advice="Click Connect in the settings to finish." if configured else SETUP_ADVICE,
            )
        return ConnectionHealth(
            Health.DISCONNECTED,
            reason=integration.status_reason or "NinjaOne was disconnected.",
            advice="Connect again in the settings to resume updates.",
            stale_since=integration.last_sync_at,
            has_data=has_data,
        )
    if status == ConnectionStatus.RECONNECT_REQUIRED:
        return ConnectionHealth(
            Health.RECONNECT_REQUIRED,
            reason=integration.status_reason or integration.last_error or "NinjaOne refused our tokens.",
            advice="Click Connect in the settings and approve access again.",
            stale_since=integration.last_sync_at,
            has_data=has_data,
        )
    if status == ConnectionStatus.ERROR or integration.last_sync_status == RunState.FAILED:
        return ConnectionHealth(
            Health.ERROR,
            reason=integration.last_error or "The last sync failed.",
            advice="Check the sync history for details, fix the cause, then click Sync now.",
            has_data=has_data,
        )
    state = Health.SYNCING if status == ConnectionStatus.SYNCING else Health.CONNECTED
    return ConnectionHealth(state, has_data=has_data)


@dataclass(frozen=True)
class Overview:
    """What the host-dashboard widget shows: open alerts by severity, devices offline, sync health."""

    health: ConnectionHealth
    alerts: dict[str, int] = field(default_factory=dict)  # severity → open alerts, most severe first
    devices: int = 0
    offline: int = 0
    last_sync_at: datetime | None = None

    @property
    def open_alerts(self) -> int:
        return sum(self.alerts.values())


def overview(session: Session) -> Overview:
    """Three aggregate queries over every live instance of the bound tenant (the widget sits on a busy
    page; issue 22: an MSP with two instances sees its whole fleet, as the alerts page it links to).

    The health shown is the first instance's that needs attention (oldest instance first), else the
    first instance's: one instance that stopped syncing must not hide behind a healthy one. The last
    sync is the oldest of the instances' last syncs: the figures are no newer than that."""
    instances = tenant_instances(session)
    if not instances:
        return Overview(connection_health(tenant_integration(session)))
    healths = [connection_health(row) for row in instances]
    health = next((h for h in healths if h.state not in (Health.CONNECTED, Health.SYNCING)), healths[0])
    ids = [row.id for row in instances]
    counts = dict(
        session.execute(
            select(Alert.severity, func.count())
            .where(Alert.integration_id.in_(ids), Alert.status.in_(OPEN_ALERT_STATUSES))
            .group_by(Alert.severity)
        ).all()
    )
    devices = (
        select(func.count())
        .select_from(Device)
        .where(Device.integration_id.in_(ids), Device.retired.is_(False))
    )
    return Overview(
        health,
        alerts={severity: counts.get(severity, 0) for severity in SEVERITIES_WORST_FIRST},
        devices=session.execute(devices).scalar_one(),
        offline=session.execute(devices.where(Device.agent_status == "offline")).scalar_one(),
        last_sync_at=least_recent([row.last_sync_at for row in instances]),
    )
