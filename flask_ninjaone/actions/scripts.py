"""Script runs need a signed-in connection and the device's own scripting options.

NinjaOne runs scripts only for a token issued to a signed-in user (authorization code with a refresh
token); a client-credentials token is refused with ``user_context_required``. So such a connection is
refused here, before any API call, with how to reconnect. What may run, with which ``runAs``, is what
``GET /v2/device/{id}/scripting/options`` offers for that device: read once per start (one API call),
and checked by :func:`~.inputs.script`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..client import NinjaOneError, RateLimited
from ..connection.api_client import MissingCredentials, client_for
from ..inventory.asset_devices import instance_of
from ..models import ActionKind, Device, Integration
from .inputs import ActionRequest, run_as_choices
from .start import ActionRefused, check_device, usable

SIGN_IN_NEEDED = (
    "Scripts need a NinjaOne connection made by signing in: NinjaOne refuses script runs for a connection "
    "that uses client credentials (this one). To offer scripts here, an administrator disconnects and "
    "connects again from the NinjaOne settings page: Connect, sign in to NinjaOne and approve access."
)
#: Seconds a page or command waits for the options (a person is waiting), and the longest pause between
#: retries: a 5xx is retried with a real (short) backoff, never in a tight loop, and a longer
#: ``Retry-After`` is refused at once ("try again in a minute").
OPTIONS_BUDGET = 10.0
OPTIONS_RETRY_WAIT = 1.0


def signed_in(integration: Integration) -> bool:
    """Whether the connection carries a user context: authorization code with a refresh token."""
    credential = integration.credential
    return (
        integration.auth_mode == "authorization_code"
        and credential is not None
        and bool(credential.refresh_token)
    )


def require_sign_in(integration: Integration) -> None:
    if not signed_in(integration):
        raise ActionRefused(SIGN_IN_NEEDED)


def scripting_options(integration: Integration, device_id: int) -> tuple[dict[str, Any], int]:
    """The device's scripting options and the API calls it took; :class:`ActionRefused` when unreadable."""
    try:
        client = client_for(integration, max_sleep=OPTIONS_RETRY_WAIT, budget=OPTIONS_BUDGET)
    except MissingCredentials as exc:
        raise ActionRefused(str(exc)) from None
    with client:
        try:
            options = client.scripting_options(device_id)
        except RateLimited:
            raise ActionRefused(
                "NinjaOne is throttling requests right now; try again in a minute.", status=503
            ) from None
        except NinjaOneError as exc:
            raise ActionRefused(
                f"Could not read the device's scripts from NinjaOne: {exc}", status=502
            ) from None
        finally:
            calls = client.stats["requests"]
    return options, calls


def panel_scripts(session: Session, device: Device) -> ScriptPanel:
    """What the panel's "Run script" form offers for ``device``: the options (one API call per panel
    view, only when the connection and the device can run scripts), or why there are none."""
    try:
        integration = usable(instance_of(session, device))
    except ActionRefused as exc:
        return ScriptPanel(reason=exc.message)
    if not signed_in(integration):
        return ScriptPanel(reason=SIGN_IN_NEEDED)
    try:
        check_device(device, ActionRequest(ActionKind.SCRIPT))
        options, _calls = scripting_options(integration, device.device_id)
    except ActionRefused as exc:
        return ScriptPanel(reason=exc.message)
    scripts = [entry for entry in options.get("scripts") or [] if entry.get("id") or entry.get("uid")]
    if not scripts:
        return ScriptPanel(reason="NinjaOne offers no scripts for this device.")
    return ScriptPanel(scripts=scripts, run_as=run_as_choices(options))


@dataclass(frozen=True)
class ScriptPanel:
    """The scripts offered (``{"type", "id" | "uid", "name", …}``) and run-as choices, or ``reason``."""

    scripts: list[dict[str, Any]] = field(default_factory=list)
    run_as: dict[str, str] = field(default_factory=dict)
    reason: str | None = None
