"""A tenant moving to another NinjaOne instance (another region or custom base URL).

Device, organization, alert and activity ids are numbered by each instance on its own: two instances
both have an organization 1 and a device 5. Everything the extension keys by them (organization
mappings, the device mirror and its host assets, alerts, the webhook inbox, the activity high-water
mark) therefore belongs to one instance — to one integration row — and must never be carried over to
another. Rewriting the row's base URL did exactly that: the new instance's organizations inherited the
old one's client mappings and the next sync updated the old machines' assets with other machines.

So an instance is part of an integration's identity:

* an integration that never held any of an instance's ids may simply be pointed elsewhere (a mistyped
  URL before the first connect);
* a connected one refuses: the admin disconnects first, deliberately (the page lists what that does);
* a disconnected one is *retired* when another instance is saved: kept for its history, its devices'
  assets marked inactive in the host saying why, never synced or shown as the tenant's connection
  again; alert rules and maintenance windows that name its organization, role or device ids are
  switched off or removed. The new instance gets its own row — or its old row back, when the tenant
  returns to an instance it used before (those ids are that instance's, so they are right again).

Several live instances per tenant (issue 22) fit this shape: each is its own row keyed by base URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..host import UserRef
from ..models import (
    Alert,
    AlertRule,
    ConnectionStatus,
    Device,
    Integration,
    MaintenanceWindow,
    OrganizationMapping,
    WebhookDelivery,
)
from ..models.base import utcnow
from ..state import get_state

#: Host assets retired per adapter call (the seam takes batches of up to 1000).
RETIRE_BATCH = 1000
#: Alert-rule conditions that hold ids numbered by the instance.
ID_CONDITIONS = ("organization_ids", "role_ids")


@dataclass(frozen=True)
class Retirement:
    """What retiring the previous instance's integration did, for the admin's message."""

    assets: int
    rules_deactivated: list[str]
    windows_deleted: list[str]

    def note(self) -> str:
        parts = [
            "This is a new integration: the previous NinjaOne instance was retired and its "
            f"{self.assets} asset(s) marked inactive (kept, so tickets still point at them). "
            "Map this instance's organizations after connecting."
        ]
        if self.rules_deactivated:
            parts.append(
                "Alert rules naming its organization or role ids were switched off: "
                + ", ".join(self.rules_deactivated)
                + "."
            )
        if self.windows_deleted:
            parts.append(
                "Maintenance windows for its organizations or devices were deleted: "
                + ", ".join(self.windows_deleted)
                + "."
            )
        return " ".join(parts)


def holds_instance_ids(session: Session, integration: Integration) -> bool:
    """Whether anything stored under the integration is keyed by its instance's ids."""
    if integration.id is None:
        return False
    if integration.last_activity_id is not None:
        return True
    keyed = (OrganizationMapping, Device, Alert, WebhookDelivery)
    return bool(
        session.scalar(
            select(or_(*(exists().where(model.integration_id == integration.id) for model in keyed)))
        )
    )


def refusal(integration: Integration, new_base_url: str) -> str:
    """Why a connected integration cannot move to ``new_base_url``, and what the admin does instead."""
    return (
        f"This tenant is connected to the NinjaOne instance at {integration.base_url}. Its devices, "
        "organizations and alerts are numbered by that instance, so they cannot move to "
        f"{new_base_url}. Disconnect first (Disconnect on this page, or `flask ninjaone disconnect`): "
        "then saving the new instance starts a new integration, and the assets synced from "
        f"{integration.base_url} are kept but marked inactive."
    )


def retire(
    session: Session,
    integration: Integration,
    new_base_url: str,
    *,
    actor: UserRef | None,
    remote_addr: str | None = None,
) -> Retirement:
    """Retire a disconnected integration because the tenant moves to ``new_base_url``.

    Its live devices are retired and their host assets marked inactive with the reason (the assets
    stay, so tickets keep pointing at the machines they were opened for); its mappings and alerts stay
    with the row; the tenant's rules and windows that name its ids are switched off or deleted.
    Does not commit: the caller commits it with the new instance's credentials.
    """
    asset_count = retire_integration(
        session,
        integration,
        asset_reason=(
            f"NinjaOne instance changed: this asset's device belongs to {integration.base_url}; the "
            f"tenant now uses {new_base_url}."
        ),
        status_reason=f"Retired: the tenant moved to the NinjaOne instance at {new_base_url}.",
    )
    rules, windows = drop_id_scoped_alert_settings(session, integration)
    audit.record_for_integration(
        session,
        integration.id,
        "instance_changed",
        user=actor,
        remote_addr=remote_addr,
        detail={
            "from": integration.base_url,
            "to": new_base_url,
            "assets_retired": asset_count,
            "rules_deactivated": rules,
            "maintenance_windows_deleted": windows,
        },
    )
    return Retirement(asset_count, rules, windows)


def retire_integration(
    session: Session, integration: Integration, *, asset_reason: str, status_reason: str
) -> int:
    """Retire ``integration`` (it is disconnected): its live devices are retired and their host assets
    marked inactive with ``asset_reason`` (kept, so tickets still point at the machines they were
    opened for); its mappings, alerts, runs and audit stay with the row, which is never synced or shown
    again. Returns how many assets were marked inactive. Does not commit."""
    now = utcnow()
    live = (Device.integration_id == integration.id, Device.retired.is_(False))
    linked = session.scalars(select(Device.host_asset_id).where(*live, Device.host_asset_id.is_not(None)))
    asset_ids = sorted({asset_id for asset_id in linked if asset_id is not None})
    host = get_state().host
    for start in range(0, len(asset_ids), RETIRE_BATCH):
        host.retire_assets(integration.tenant_id, asset_ids[start : start + RETIRE_BATCH], asset_reason)
    session.execute(
        update(Device)
        .where(*live)
        .values(retired=True, retired_at=now)
        .execution_options(synchronize_session=False)
    )
    integration.retired_at = now
    integration.status = ConnectionStatus.DISCONNECTED
    integration.status_reason = status_reason
    return len(asset_ids)


def drop_id_scoped_alert_settings(session: Session, integration: Integration) -> tuple[list[str], list[str]]:
    """Alert rules and maintenance windows are the tenant's, but some name organization, role or
    device ids — of the instance being left, where the next one means others. Rules of that instance
    (or of every instance) naming such ids are deactivated (kept on the rules page to be edited and
    switched on again; another instance's rules name that one's ids and stay); that instance's windows
    for an organization or device are deleted (they have nothing else to keep). Returns their names."""
    of_instance = or_(AlertRule.integration_id == integration.id, AlertRule.integration_id.is_(None))
    rules = [
        rule
        for rule in session.scalars(select(AlertRule).where(AlertRule.active.is_(True), of_instance))
        if isinstance(rule.conditions, dict) and any(rule.conditions.get(key) for key in ID_CONDITIONS)
    ]
    for rule in rules:
        rule.active = False
    windows = list(
        session.scalars(
            select(MaintenanceWindow).where(
                or_(MaintenanceWindow.organization_id.is_not(None), MaintenanceWindow.device_id.is_not(None)),
                or_(
                    MaintenanceWindow.integration_id == integration.id,
                    MaintenanceWindow.integration_id.is_(None),
                ),
            )
        )
    )
    for window in windows:
        session.delete(window)
    return [rule.name for rule in rules], [window.name for window in windows]


def move_alert_settings(session: Session, leaving: Integration, target: Integration) -> None:
    """The alert rules and maintenance windows of the instance the tenant leaves now handle the alerts
    and devices of the one it moves to: a move keeps the tenant's settings working (rules naming the
    old instance's ids were switched off by :func:`retire`, and come back on the new instance's
    organizations when edited; windows naming them were deleted)."""
    session.flush()  # the target's id, if it is new
    for model in (AlertRule, MaintenanceWindow):
        session.execute(
            update(model)
            .where(model.integration_id == leaving.id)
            .values(integration_id=target.id)
            .execution_options(synchronize_session=False)
        )


def retired_integration_for(session: Session, base_url: str) -> Integration | None:
    """The tenant's retired integration of ``base_url``, if it used that instance before."""
    return session.scalars(
        select(Integration).where(Integration.base_url == base_url, Integration.retired_at.is_not(None))
    ).first()
