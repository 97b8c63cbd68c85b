"""Remote Connect: fetch a device's NinjaOne dashboard link, cache it briefly, audit every attempt.

``GET /v2/device/{id}/dashboard-url`` answers ``{"url", "expires"}``; the URL carries a session token, so
it is cached encrypted (:class:`~flask_ninjaone.models.RemoteLink`) and only until
:data:`EXPIRY_MARGIN` before NinjaOne's ``expires`` — and never longer than :data:`MAX_CACHE`, so a link
handed out is always fresh enough to open. Every attempt, successful or not, cached or not, writes an
audit entry: who, which asset (and ticket), from which address, with what result.

The outcome is a :class:`RemoteResult` with one of the :class:`RemoteOutcome` codes and a message
written for the technician. An offline device still gets its link (NinjaOne shows the device and the
session starts when it comes back), with a message saying so.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from .. import audit
from ..client import (
    ApiError,
    AuthError,
    NinjaOneClient,
    NinjaOneError,
    NotConnected,
    NotFound,
    ReconnectRequired,
)
from ..connection.api_client import MissingCredentials, client_for
from ..connection.instances import tenant_instances
from ..host import UserRef
from ..inventory.asset_devices import device_for_asset, instance_of
from ..models import ConnectionStatus, Device, Integration, RemoteLink
from ..models.base import utcnow
from ..state import get_state
from ..tenancy import require_tenant_id

#: A cached link is dropped this long before NinjaOne says it expires.
EXPIRY_MARGIN = timedelta(seconds=60)
#: A link is never cached longer than this, whatever ``expires`` says.
MAX_CACHE = timedelta(minutes=10)
#: Audit action of every Remote Connect attempt.
AUDIT_ACTION = "remote.connect"


class RemoteOutcome(enum.StrEnum):
    """The result of a Remote Connect attempt, as stored in the audit log."""

    OK = "ok"
    OFFLINE = "offline"  # link given, device offline
    NOT_MANAGED = "not_managed"
    DEVICE_GONE = "device_gone"
    NO_CONTROL_SCOPE = "no_control_scope"
    DISCONNECTED = "disconnected"
    RECONNECT_REQUIRED = "reconnect_required"
    API_ERROR = "api_error"
    FORBIDDEN = "forbidden"


MESSAGES: dict[RemoteOutcome, str] = {
    RemoteOutcome.OK: "Opening the device in NinjaOne.",
    RemoteOutcome.OFFLINE: (
        "{name} is offline (last contact {last_contact}). The link still opens the device in NinjaOne, "
        "but a remote session can only start once the device is back online."
    ),
    RemoteOutcome.NOT_MANAGED: (
        "This asset is not managed by NinjaOne: it is not linked to a NinjaOne device, so there is "
        "nothing to connect to."
    ),
    RemoteOutcome.DEVICE_GONE: (
        "NinjaOne no longer knows this device (deleted or moved). Run a sync to update the asset."
    ),
    RemoteOutcome.NO_CONTROL_SCOPE: (
        "NinjaOne refused the remote access link: the API client lacks the 'control' scope. An "
        "administrator must allow remote access (the 'control' scope) for the API client in NinjaOne "
        "and reconnect the integration."
    ),
    RemoteOutcome.DISCONNECTED: (
        "NinjaOne is not connected for this workspace. An administrator can connect it on the NinjaOne "
        "settings page."
    ),
    RemoteOutcome.RECONNECT_REQUIRED: (
        "The NinjaOne connection must be re-authorized: NinjaOne rejected its stored credentials. "
        "An administrator must reconnect it on the NinjaOne settings page."
    ),
    RemoteOutcome.API_ERROR: (
        "NinjaOne did not return a remote access link ({detail}). Try again in a minute; if it keeps "
        "failing, an administrator can check the connection on the NinjaOne settings page."
    ),
    RemoteOutcome.FORBIDDEN: "You are not allowed to open remote sessions (permission ninjaone.remote).",
}


@dataclass(frozen=True)
class RemoteResult:
    """What the page shows: a link (``url``) or why there is none, and the device's agent status."""

    outcome: RemoteOutcome
    message: str
    url: str | None = None
    expires_at: datetime | None = None
    cached: bool = False
    device_id: int | None = None
    device_name: str | None = None
    agent_status: str = "unknown"
    last_contact: datetime | None = None

    @property
    def ok(self) -> bool:
        """A link is available (also when the device is offline)."""
        return self.url is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "result": str(self.outcome),
            "message": self.message,
            "url": self.url,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "cached": self.cached,
            "agent_status": self.agent_status,
            "last_contact": self.last_contact.isoformat() if self.last_contact else None,
        }


Clock = Callable[[], datetime]
ClientFactory = Callable[[Integration], NinjaOneClient]


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown"


def open_remote(
    host_asset_id: str,
    *,
    user: UserRef | None,
    remote_addr: str | None,
    ticket_id: str | None = None,
    integration_id: int | None = None,
    clock: Clock = utcnow,
    client_factory: ClientFactory = client_for,
) -> RemoteResult:
    """Get a Remote Connect link for a host asset of the bound tenant, and audit the attempt.
    ``integration_id``: which of the asset's devices, for an asset several instances' devices feed.

    The caller has checked ``ninjaone.remote``; a refused attempt is recorded with :func:`record_refused`.
    """
    session = get_state().db.session
    integration, device = _target(session, str(host_asset_id), integration_id)
    result = _attempt(session, integration, device, str(host_asset_id), clock, client_factory)
    _audit(session, result, host_asset_id, user, remote_addr, ticket_id, integration)
    session.commit()
    return result


def record_refused(host_asset_id: str, *, user: UserRef | None, remote_addr: str | None,
                   ticket_id: str | None = None) -> RemoteResult:  # fmt: skip
    """Audit an attempt by a user without ``ninjaone.remote`` (the page answers 403)."""
    session = get_state().db.session
    result = RemoteResult(RemoteOutcome.FORBIDDEN, MESSAGES[RemoteOutcome.FORBIDDEN])
    _audit(session, result, host_asset_id, user, remote_addr, ticket_id)
    session.commit()
    return result


def _error(outcome: RemoteOutcome, device: Device | None = None, **fields: str) -> RemoteResult:
    return RemoteResult(
        outcome,
        MESSAGES[outcome].format(**fields),
        device_id=device.device_id if device else None,
        device_name=device.name if device else None,
        agent_status=device.agent_status if device else "unknown",
        last_contact=device.last_contact if device else None,
    )


def _target(
    session: Any, host_asset_id: str, integration_id: int | None
) -> tuple[Integration | None, Device | None]:
    """The asset's device (live, else gone from NinjaOne) and the instance it is of: the session is
    asked of that instance, with its token, since another instance may use the same device id.

    Without a mirrored device, a tenant with a single instance still asks it for the device the host
    links (the mirror may lag behind the host); with several, nothing says which instance's device
    that id would be, so there is none (the attempt answers "not managed"); nor when the page named
    an instance (``integration_id``) in which no device feeds the asset."""
    device = device_for_asset(session, host_asset_id, retired=True, integration_id=integration_id)
    if device is not None:
        return instance_of(session, device), device
    instances = tenant_instances(session)
    return (instances[0] if len(instances) == 1 and integration_id is None else None), None


def _attempt(
    session: Any,
    integration: Integration | None,
    device: Device | None,
    host_asset_id: str,
    clock: Clock,
    client_factory: ClientFactory,
) -> RemoteResult:
    if integration is None and tenant_instances(session):
        return _error(RemoteOutcome.NOT_MANAGED)
    if (
        integration is None
        or integration.status == ConnectionStatus.DISCONNECTED
        or integration.credential is None
    ):
        if integration is not None:  # links cached before a disconnect must never be handed out
            session.execute(delete(RemoteLink).where(RemoteLink.integration_id == integration.id))
        return _error(RemoteOutcome.DISCONNECTED)
    if integration.status == ConnectionStatus.RECONNECT_REQUIRED:
        return _error(RemoteOutcome.RECONNECT_REQUIRED)
    device_id = get_state().host.asset_device_id(require_tenant_id(), host_asset_id)
    if device_id is None:
        return _error(RemoteOutcome.NOT_MANAGED)
    if device is not None:  # the mirror's link names the device within its instance
        device_id = device.device_id
    if device is not None and device.retired:
        return _error(RemoteOutcome.DEVICE_GONE, device)
    now = clock()
    link = session.scalars(
        select(RemoteLink).where(
            RemoteLink.integration_id == integration.id, RemoteLink.device_id == device_id
        )
    ).first()
    if link is not None and link.expires_at > now:
        return _success(device, device_id, link.url, link.expires_at, cached=True)
    try:
        with client_factory(integration) as client:
            answer = client.device_dashboard_url(device_id)
    except (MissingCredentials, NotConnected):
        return _error(RemoteOutcome.DISCONNECTED, device)
    except (ReconnectRequired, AuthError):
        return _error(RemoteOutcome.RECONNECT_REQUIRED, device)
    except NotFound:
        return _error(RemoteOutcome.DEVICE_GONE, device)
    except ApiError as exc:
        if exc.status == 403:
            return _error(RemoteOutcome.NO_CONTROL_SCOPE, device)
        return _error(RemoteOutcome.API_ERROR, device, detail=str(exc))
    except NinjaOneError as exc:
        return _error(RemoteOutcome.API_ERROR, device, detail=str(exc))
    url = answer.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return _error(RemoteOutcome.API_ERROR, device, detail="the answer held no usable link")
    expires = answer.get("expires")
    cache_until = min(expires - EXPIRY_MARGIN, now + MAX_CACHE) if isinstance(expires, datetime) else now
    if cache_until > now:
        if link is None:
            session.add(
                RemoteLink(
                    integration_id=integration.id, device_id=device_id, url=url, expires_at=cache_until
                )
            )
        else:
            link.url = url
            link.expires_at = cache_until
    elif link is not None:
        session.delete(link)
    return _success(device, device_id, url, expires if isinstance(expires, datetime) else None, cached=False)


def _success(
    device: Device | None, device_id: int, url: str, expires_at: datetime | None, *, cached: bool
) -> RemoteResult:
    name = device.name if device else f"Device {device_id}"
    status = device.agent_status if device else "unknown"
    last_contact = device.last_contact if device else None
    if status == "offline":
        outcome = RemoteOutcome.OFFLINE
        message = MESSAGES[outcome].format(name=name, last_contact=_when(last_contact))
    else:
        outcome = RemoteOutcome.OK
        message = MESSAGES[outcome]
    return RemoteResult(outcome, message, url=url, expires_at=expires_at, cached=cached, device_id=device_id,
                        device_name=name, agent_status=status, last_contact=last_contact)  # fmt: skip


def _audit(
    session: Any,
    result: RemoteResult,
    host_asset_id: str,
    user: UserRef | None,
    remote_addr: str | None,
    ticket_id: str | None,
    integration: Integration | None = None,
) -> None:
    detail: dict[str, Any] = {"message": result.message, "cached": result.cached}
    if integration is not None:  # the instance asked: device ids mean something only within one
        detail["instance"] = integration.name
        detail["integration_id"] = integration.id
    if result.device_id is not None:
        detail["device_id"] = result.device_id
    if result.device_name:
        detail["device_name"] = result.device_name
    if ticket_id:
        detail["ticket_id"] = str(ticket_id)
    detail["agent_status"] = result.agent_status
    audit.record(
        session,
        AUDIT_ACTION,
        user=user,
        target_type="asset",
        target_id=str(host_asset_id)[:64],
        result=str(result.outcome),
        remote_addr=(remote_addr or None) and remote_addr[:64],
        detail=detail,
    )
