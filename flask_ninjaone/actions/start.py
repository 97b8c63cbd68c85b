"""Start an action: refuse what must not reach NinjaOne, record it once, queue the send.

Every refusal is a :class:`ActionRefused` carrying an HTTP-like status and a message for the
technician, raised before any row or API call: another tenant's asset or an unknown one is 404
exactly like an asset that does not exist (nothing tells them apart); a device NinjaOne cannot act on
now (offline agent, a class without an agent) and a connection that cannot (disconnected, lacking the
``management`` scope) are 409 with how to fix it.

The action key makes the start idempotent: the page derives it from the submitted form, so a double
click or a resubmitted form finds the row the first submit created (and queues nothing new).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..connection.instances import tenant_instances
from ..host import UserRef
from ..inventory.asset_devices import device_for_asset, instance_of
from ..jobs import enqueue
from ..models import ActionKind, ConnectionStatus, Device, DeviceAction, Integration
from ..tenancy import require_tenant_id
from .inputs import ActionRequest

#: Node classes with a NinjaOne agent: the only ones a reboot or a script can reach.
AGENT_CLASSES = frozenset(
    {"WINDOWS_WORKSTATION", "WINDOWS_SERVER", "LINUX_WORKSTATION", "LINUX_SERVER", "MAC", "MAC_SERVER"}
)
#: Kinds that need a running agent (maintenance mode is NinjaOne's own state: any device, any time),
#: with how the refusal says it.
NEEDS_AGENT = {
    ActionKind.REBOOT: "rebooted",
    ActionKind.SCRIPT: "asked to run a script",
    ActionKind.PATCH_SCAN: "asked to scan for patches",
    ActionKind.PATCH_APPLY: "asked to apply patches",
}
#: Node classes NinjaOne patches third-party software on (inferred: Windows agents; the software patch
#: report lists none for others). OS patching reaches every agent class.
SOFTWARE_PATCH_CLASSES = frozenset({"WINDOWS_WORKSTATION", "WINDOWS_SERVER"})
REQUIRED_SCOPE = "management"


class ActionRefused(Exception):
    """Not sent, nothing recorded: ``status`` 404 (no such asset here) or 409 (cannot act now)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Started:
    """The action's row and whether this call created it (``False``: the key was seen before)."""

    action: DeviceAction
    created: bool


NOT_FOUND = "No such asset, or it is not managed by NinjaOne."
NOT_CONNECTED = "NinjaOne is not connected for this workspace; an administrator can connect it."


def action_key(*parts: str) -> str:
    """A stable key from what identifies one submission (e.g. the form's token and the asset)."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:64]


def usable(integration: Integration | None) -> Integration:
    """``integration`` if it can act (the CLI names it with ``--instance``), else
    :class:`ActionRefused` saying how to fix it."""
    if (
        integration is None
        or integration.status == ConnectionStatus.DISCONNECTED
        or integration.credential is None
    ):
        raise ActionRefused(NOT_CONNECTED)
    if integration.status == ConnectionStatus.RECONNECT_REQUIRED:
        raise ActionRefused("The NinjaOne connection must be re-authorized by an administrator first.")
    scope = integration.credential.scope
    if scope is not None and REQUIRED_SCOPE not in scope.split():
        raise ActionRefused(
            "The NinjaOne connection lacks the 'management' scope, which device actions need. An "
            "administrator must allow 'management' for the API client in NinjaOne (Administration → Apps "
            "→ API) and reconnect the integration."
        )
    return integration


def managed_device(session: Session, integration: Integration, *, device_id: int) -> Device:
    """The live mirror row of ``integration``'s device ``device_id`` (an id means a device only within
    its instance); 404 otherwise."""
    device = session.scalars(
        select(Device).where(
            Device.integration_id == integration.id,
            Device.device_id == device_id,
            Device.retired.is_(False),
        )
    ).first()
    if device is None:
        raise ActionRefused(NOT_FOUND, 404)
    return device


def asset_target(
    session: Session, host_asset_id: str, integration_id: int | None = None
) -> tuple[Integration, Device]:
    """The live device behind a host asset and its own instance, if that instance can act: what a
    page's action goes to. The page names the asset, and at most which of the asset's own devices
    (``integration_id``: its instance, for an asset several instances' devices feed), so no form
    value can point the action at a device of another asset that shares the id. 404 for no such
    device, 409 (:func:`usable`) when its instance cannot act."""
    device = device_for_asset(session, host_asset_id, integration_id=integration_id)
    if device is None:
        require_instance(session)
        raise ActionRefused(NOT_FOUND, 404)
    return usable(instance_of(session, device)), device


def require_instance(session: Session) -> None:
    """Refuse (409, how to fix it) when the tenant has no NinjaOne instance at all: nothing can act."""
    if not tenant_instances(session):
        raise ActionRefused(NOT_CONNECTED)


def check_device(device: Device, request: ActionRequest) -> None:
    """Refuse a device NinjaOne could not act on now: no agent for the kind (no software patching but
    on Windows), or offline."""
    verb = NEEDS_AGENT.get(ActionKind(request.kind))
    if verb is None:
        return
    if device.node_class not in AGENT_CLASSES:
        raise ActionRefused(
            f"{device.name} is a {device.node_class or 'device of unknown class'}: it has no NinjaOne agent, "
            f"so it cannot be {verb} from here."
        )
    if request.parameters.get("target") == "software" and device.node_class not in SOFTWARE_PATCH_CLASSES:
        raise ActionRefused(
            f"{device.name} is a {device.node_class}: NinjaOne patches third-party software on Windows "
            "devices only. Use the OS target instead."
        )
    if device.agent_status != "online":
        raise ActionRefused(
            f"{device.name} is {device.agent_status}: its agent cannot be {verb} now. Try again "
            f"once it is back online."
        )


def start_action(
    session: Session,
    device: Device,
    request: ActionRequest,
    *,
    key: str,
    user: UserRef | None,
    ticket_id: str | None = None,
    api_calls: int = 0,
) -> Started:
    """Record the action (once per ``key``) and queue its send, and return it as it is now (an inline
    job may have sent it already); the caller has checked permission, :func:`asset_target` (or
    :func:`usable` and :func:`managed_device`) and :func:`check_device`; ``api_calls``: those the
    checks made (a script's options)."""
    # populate_existing: a caller that prints the action (the CLI) gets its current state even when the
    # row already sat in this session's identity map.
    by_key = (
        select(DeviceAction).where(DeviceAction.action_key == key).execution_options(populate_existing=True)
    )
    existing = session.scalars(by_key).first()
    if existing is not None:
        return Started(existing, created=False)
    action = DeviceAction(
        integration_id=device.integration_id,
        action_key=key,
        device_id=device.device_id,
        device_name=device.name,
        host_asset_id=device.host_asset_id,
        ticket_id=ticket_id,
        kind=request.kind,
        parameters=request.parameters,
        requested_by_id=user.id if user else None,
        requested_by_name=user.name if user else None,
        api_calls=api_calls,
    )
    session.add(action)
    try:
        session.commit()
    except IntegrityError:  # the same key committed by a concurrent submit
        session.rollback()
        twin = session.scalars(by_key).one()
        return Started(twin, created=False)
    enqueue("actions.send", tenant_id=require_tenant_id(), key=str(action.id), action_id=action.id)
    session.refresh(action)
    return Started(action, created=True)
