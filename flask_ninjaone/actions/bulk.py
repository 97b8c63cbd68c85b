"""One action on many devices at once: reboot, patch scan or maintenance mode for a selection.

A bulk request is planned first (:func:`plan`): each selected asset is either *runnable* (this
tenant's live NinjaOne device that can take the action now) or *skipped* with why — unknown, another
tenant's or unmanaged assets all read "No such asset, or it is not managed by NinjaOne" (nothing tells
them apart), offline agents, device classes that cannot run it and devices whose own instance cannot
act (disconnected, lacking a scope) say so. Skipped devices cost no API call and no row.

Then every runnable device gets its own :class:`~..models.DeviceAction` row and ``actions.send`` job
through :func:`.start.start_action`, keyed by the submission and the asset (:func:`start_bulk`), so
the same confirmation sent twice starts nothing new and a device's failure never holds up the others.
Above :data:`confirm_above` devices the person must type how many devices they are acting on
(:func:`check_typed`), checked on the server: a confirmation clicked by habit on a list bigger than
meant is the costly mistake here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..config import setting
from ..host import UserRef
from ..inventory.asset_devices import devices_for_assets, instance_of
from ..models import ActionKind, Device
from ..tenancy import require_tenant_id
from .inputs import ActionInputError, ActionRequest
from .start import NOT_FOUND, ActionRefused, Started, action_key, check_device, start_action, usable

#: Most devices one bulk request may name (a hard limit, whatever the setting).
MAX_BULK = 500
#: What a bulk request may do (the asset list's buttons): the form's ``kind`` → the action kind.
BULK_KINDS = {
    "reboot": ActionKind.REBOOT,
    "patch_scan": ActionKind.PATCH_SCAN,
    "maintenance": ActionKind.MAINTENANCE_START,
}


@dataclass(frozen=True)
class Skipped:
    """A selected asset the action will not reach, and why (for the person; no API call)."""

    host_asset_id: str
    name: str | None
    why: str


@dataclass
class BulkPlan:
    """The selection sorted into devices the action will reach and assets it skips, in the order given."""

    runnable: list[Device] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def selection(values: Sequence[Any]) -> list[str]:
    """The selected asset ids, deduplicated in order; bad input is :class:`ActionInputError`."""
    ids = list(dict.fromkeys(str(value).strip() for value in values if str(value).strip()))
    if not ids:
        raise ActionInputError("Select at least one device.")
    if len(ids) > MAX_BULK:
        raise ActionInputError(f"Select at most {MAX_BULK} devices at a time.")
    if any(len(value) > 64 or not value.isprintable() for value in ids):
        raise ActionInputError("The selection names an asset id that cannot exist.")
    return ids


def plan(session: Session, asset_ids: Sequence[str], request: ActionRequest) -> BulkPlan:
    """Sort ``asset_ids`` (from :func:`selection`) into runnable devices and skipped assets; each
    device is acted on through its own instance, skipped with why when that instance cannot act."""
    devices: dict[str | None, Device] = {}
    for linked in devices_for_assets(session, asset_ids):
        devices.setdefault(linked.host_asset_id, linked)  # oldest instance first, as on the asset page
    result = BulkPlan()
    for asset_id in asset_ids:
        device = devices.get(asset_id)
        if device is None:
            result.skipped.append(Skipped(asset_id, None, NOT_FOUND))
            continue
        try:
            usable(instance_of(session, device))
            check_device(device, request)
        except ActionRefused as exc:
            result.skipped.append(Skipped(asset_id, device.name, exc.message))
            continue
        result.runnable.append(device)
    return result


def confirm_above() -> int:
    """Devices one click may reach (``NINJAONE_BULK_ACTION_CONFIRM_ABOVE``); more need a typed count."""
    return int(setting("NINJAONE_BULK_ACTION_CONFIRM_ABOVE"))


def needs_typing(count: int) -> bool:
    return count > confirm_above()


def check_typed(count: int, typed: Any) -> None:
    """Above the cap, ``typed`` must be the number of devices acted on; else :class:`ActionInputError`."""
    if not needs_typing(count):
        return
    if str(typed or "").strip() != str(count):
        raise ActionInputError(
            f"This acts on {count} devices: type {count} in the confirmation box to go ahead."
        )


def start_bulk(
    session: Session, devices: Sequence[Device], request: ActionRequest, *, submission: str,
    user: UserRef | None,
) -> list[Started]:  # fmt: skip
    """Start the action on each device (a row and a job each), once per ``submission`` and device."""
    tenant = require_tenant_id()
    return [
        start_action(
            session,
            device,
            request,
            key=action_key(tenant, "bulk", submission, str(device.host_asset_id)),
            user=user,
        )
        for device in devices
    ]
