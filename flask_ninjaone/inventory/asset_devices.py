"""The live NinjaOne devices behind host assets: what the asset pages' buttons act on. A retired
device (gone from NinjaOne, or of a retired integration) is behind no asset any more.

A tenant may have several NinjaOne instances side by side, each numbering its devices from 1, so a
device id alone names no device. An asset names its device through the mirror row that links it
(``Device.host_asset_id``), and that row says which instance the device is of
(``Device.integration_id``): every page that starts from an asset acts on that instance, never on
"the tenant's first". Nothing here takes a device id from a request.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..models import OPEN_ALERT_STATUSES, Alert, Device, Integration
from ..tenancy import get_scoped


def live_linked(*, retired: bool = False) -> Select[Device]:
    """Live devices of live instances, oldest instance first (so the answer never depends on the
    database's row order when, unusually, two instances' devices are linked to one asset);
    ``retired``: devices gone from NinjaOne too, after the live ones."""
    query = select(Device).join(Integration, Integration.id == Device.integration_id)
    query = query.where(Integration.retired_at.is_(None))
    if not retired:
        query = query.where(Device.retired.is_(False))
    return query.order_by(Device.retired, Device.integration_id, Device.device_id)


def device_for_asset(
    session: Session, host_asset_id: str, *, retired: bool = False, integration_id: int | None = None
) -> Device | None:
    """The live device mirrored to host asset ``host_asset_id``, of whichever of the tenant's
    instances it is (``None``: not managed); ``retired``: else the one gone from NinjaOne, so a page
    can say it is gone. An asset fed by a device of each of two instances (the same machine, see
    :mod:`..sync.adoption`) answers its oldest instance's device, or ``integration_id``'s: a panel
    has a section, and forms, per device."""
    query = live_linked(retired=retired).where(Device.host_asset_id == host_asset_id)
    if integration_id is not None:
        query = query.where(Device.integration_id == integration_id)
    return session.scalars(query).first()


def devices_of_asset(session: Session, host_asset_id: str) -> list[Device]:
    """Every live device mirrored to host asset ``host_asset_id``, oldest instance first: one, or one
    per instance when several instances see the same machine (answered "same machine")."""
    return list(session.scalars(live_linked().where(Device.host_asset_id == host_asset_id)))


def devices_for_assets(session: Session, host_asset_ids: Collection[str]) -> list[Device]:
    """The live devices mirrored to any of ``host_asset_ids``, of every instance of the tenant (an
    asset without one is left out)."""
    if not host_asset_ids:
        return []
    return list(session.scalars(live_linked().where(Device.host_asset_id.in_(host_asset_ids))))


def instance_of(session: Session, device: Device) -> Integration:
    """The instance ``device`` is of: the one its id means something in, whose token reaches it."""
    integration = get_scoped(session, Integration, device.integration_id)
    assert integration is not None  # a foreign key, and the device row is the bound tenant's
    return integration


def by_instance(session: Session, devices: Iterable[Device]) -> list[tuple[Integration, list[Device]]]:
    """``devices`` grouped by their instance (in the order met): one request per instance, with its
    own token and its own ids."""
    groups: dict[int, list[Device]] = {}
    for device in devices:
        groups.setdefault(device.integration_id, []).append(device)
    return [(instance_of(session, members[0]), members) for members in groups.values()]


DeviceKey = tuple[int, int]
"""``(integration id, device id)``: what names one device among the tenant's instances."""


def open_alert_counts(session: Session, devices: Iterable[Device] | None = None) -> dict[DeviceKey, int]:
    """Open alerts per device, keyed by instance and device id (the same device id in two instances
    is two machines); of ``devices`` only, or of every device of the tenant's instances."""
    query = (
        select(Alert.integration_id, Alert.device_id, func.count())
        .where(Alert.status.in_(OPEN_ALERT_STATUSES))
        .group_by(Alert.integration_id, Alert.device_id)
    )
    if devices is not None:
        keys = {(device.integration_id, device.device_id) for device in devices}
        if not keys:
            return {}
        query = query.where(
            Alert.integration_id.in_(sorted({key[0] for key in keys})),
            Alert.device_id.in_(sorted({key[1] for key in keys})),
        )
        return {(i, d): n for i, d, n in session.execute(query) if d is not None and (i, d) in keys}
    return {(i, d): n for i, d, n in session.execute(query) if d is not None}
