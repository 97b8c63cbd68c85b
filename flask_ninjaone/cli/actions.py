"""``flask ninjaone device reboot|maintenance|script|patch-scan|patch-apply`` and ``flask ninjaone actions``.

The commands go through the same checks as the pages (:mod:`..actions.start`): an unknown device,
or another tenant's, is refused without an API call, as are an offline agent, an agentless device
class and a connection without the ``management`` scope. The action is recorded with no requesting
user (``requested_by`` empty: the operator) and sent by the ``actions.send`` job — at once without
Redis, by a worker with it. ``--key`` makes a script's retry one action.

``device script`` also refuses a client-credentials connection (no API call) and reads the device's
scripting options once (one API call) to check the script and the run-as choice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import click

from ..actions import inputs
from ..actions.audit import AuditFilterError, AuditFilters, parse_day, recent_actions
from ..actions.inputs import ActionInputError, ActionRequest
from ..actions.listing import action_json
from ..actions.patching import patch as patch_request
from ..actions.scripts import require_sign_in, scripting_options
from ..actions.start import (
    ActionRefused,
    action_key,
    check_device,
    managed_device,
    start_action,
    usable,
)
from ..client.device_actions import MAINTENANCE_FEATURES, PATCH_TARGETS, REBOOT_MODES
from ..connection.instances import InstanceError, instance_for
from ..models import ActionKind, ActionState
from ..models.base import utcnow
from ..state import get_state
from ..tenancy import tenant_scope
from .group import ninjaone_cli
from .helpers import connected_integration, echo_listing, instance_option, resolve_tenant, tenant_option

device_option = click.option("--device", "device_id", type=click.IntRange(min=0), required=True,
                             help="NinjaOne device id (see `flask ninjaone devices`).")  # fmt: skip
key_option = click.option("--key", default=None, help="Action key: the same key again is the same action.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the action row as JSON.")


@ninjaone_cli.group("device")
def device_group() -> None:
    """Act on one NinjaOne device: reboot it, run a script, scan or patch it, put it in maintenance mode."""


def _run(
    tenant_ref: str,
    instance_ref: str | None,
    device_id: int,
    key: str | None,
    as_json: bool,
    parse: Callable[[], ActionRequest] | None = None,
    script: Callable[[dict[str, Any]], ActionRequest] | None = None,
) -> None:
    """Check and start one action: ``parse`` builds a reboot or maintenance request, ``script`` a script
    run from the device's scripting options (read only after every other check passed)."""
    tenant = resolve_tenant(tenant_ref)
    if key is not None and not 0 < len(key) <= 64:
        raise click.BadParameter("at most 64 characters", param_hint="--key")
    with tenant_scope(tenant.id):
        session = get_state().db.session
        calls = 0
        try:
            integration = usable(instance_for(session, instance_ref))
            if script is not None:
                require_sign_in(integration)
            device = managed_device(session, integration, device_id=device_id)
            if script is not None:
                check_device(device, inputs.ActionRequest(ActionKind.SCRIPT))
                options, calls = scripting_options(integration, device.device_id)
                request = script(options)
            else:
                assert parse is not None
                request = parse()
                check_device(device, request)
        except (ActionRefused, ActionInputError, InstanceError) as exc:
            raise click.ClickException(getattr(exc, "message", str(exc))) from None
        full_key = action_key(tenant.id, "cli", key or uuid.uuid4().hex)
        started = start_action(session, device, request, key=full_key, user=None, api_calls=calls)
        row = action_json(started.action)
    if as_json:
        click.echo(json.dumps(row, indent=2, ensure_ascii=False))
    else:
        again = "" if started.created else " (already started with this key)"
        click.echo(
            f"{row['summary']} of {row['device_name']}{again}: {row['state']}. {row['result'] or ''}".rstrip()
        )
    if row["state"] == "failed":
        raise SystemExit(1)


@device_group.command("reboot")
@tenant_option
@instance_option
@device_option
@click.option("--mode", type=click.Choice(REBOOT_MODES), default="NORMAL", show_default=True,
              help="FORCED closes applications without asking.")  # fmt: skip
@click.option("--reason", default=None, help="Shown in NinjaOne's activity log.")
@key_option
@json_option
def reboot_command(tenant_ref: str, instance_ref: str | None, device_id: int, mode: str,
                   reason: str | None, key: str | None, as_json: bool) -> None:  # fmt: skip
    """Reboot a device (its agent must be online)."""
    _run(tenant_ref, instance_ref, device_id, key, as_json, lambda: inputs.reboot(mode, reason))


@device_group.command("maintenance")
@tenant_option
@instance_option
@device_option
@click.option(
    "--until", "end", default=None, help="End of the window, ISO 8601 (UTC unless it names a zone)."
)
@click.option("--start", default=None, help="Start of the window (default now).")
@click.option("--feature", "features", multiple=True, type=click.Choice(MAINTENANCE_FEATURES),
              help="What to suppress (repeatable; default ALERTS).")  # fmt: skip
@click.option("--reason", default=None)
@click.option("--end-now", is_flag=True, help="End the device's maintenance instead.")
@key_option
@json_option
def maintenance_command(tenant_ref: str, instance_ref: str | None, device_id: int, end: str | None,
                        start: str | None, features: tuple[str, ...], reason: str | None, end_now: bool,
                        key: str | None, as_json: bool) -> None:  # fmt: skip
    """Put a device in maintenance mode until a time, or end it with --end-now."""
    if end_now and (end or start or features or reason):
        raise click.UsageError("--end-now takes no --until, --start, --feature or --reason")

    def parse() -> ActionRequest:
        if end_now:
            return inputs.maintenance_end()
        return inputs.maintenance_start(end, start=start, features=features or ("ALERTS",), reason=reason,
                                        now=utcnow())  # fmt: skip

    _run(tenant_ref, instance_ref, device_id, key, as_json, parse)


@device_group.command("script")
@tenant_option
@instance_option
@device_option
@click.option("--script", "script_ref", required=True,
              help="Script id, or a built-in action's uid, from the device's scripting options.")  # fmt: skip
@click.option("--param", "params", multiple=True,
              help="A script parameter (repeatable, in order; on the script's command line).")  # fmt: skip
@click.option(
    "--run-as", default=None, help="A run-as role or credential id NinjaOne offers (default SYSTEM)."
)
@key_option
@json_option
def script_command(tenant_ref: str, instance_ref: str | None, device_id: int, script_ref: str,
                   params: tuple[str, ...], run_as: str | None, key: str | None,
                   as_json: bool) -> None:  # fmt: skip
    """Run a script on a device (needs a connection made by signing in, and its agent online)."""
    _run(tenant_ref, instance_ref, device_id, key, as_json,
         script=lambda options: inputs.script(script_ref, params, run_as, options))  # fmt: skip


target_option = click.option("--target", type=click.Choice(PATCH_TARGETS), required=True,
                             help="os: system updates; software: third-party (Windows only).")  # fmt: skip


@device_group.command("patch-scan")
@tenant_option
@instance_option
@device_option
@target_option
@key_option
@json_option
def patch_scan_command(
    tenant_ref: str, instance_ref: str | None, device_id: int, target: str, key: str | None, as_json: bool
) -> None:
    """Ask a device to scan for missing patches (agent online); the scan's end comes by webhook."""
    _run(tenant_ref, instance_ref, device_id, key, as_json, lambda: patch_request("scan", target))


@device_group.command("patch-apply")
@tenant_option
@instance_option
@device_option
@target_option
@key_option
@json_option
def patch_apply_command(
    tenant_ref: str, instance_ref: str | None, device_id: int, target: str, key: str | None, as_json: bool
) -> None:
    """Ask a device to install its approved patches (agent online); the outcome comes by webhook."""
    _run(tenant_ref, instance_ref, device_id, key, as_json, lambda: patch_request("apply", target))


@ninjaone_cli.command("actions")
@tenant_option
@instance_option
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--state", type=click.Choice([str(state) for state in ActionState]), default=None)
@click.option("--kind", type=click.Choice([str(kind) for kind in ActionKind]), default=None)
@click.option("--since", default=None, help="Only actions requested on or after this day (YYYY-MM-DD, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def actions_command(tenant_ref: str, instance_ref: str | None, limit: int, state: str | None,
                    kind: str | None, since: str | None, as_json: bool) -> None:  # fmt: skip
    """Recent device actions of an instance and their states (newest first), filtered as on the audit page."""
    try:
        day = parse_day(since, "--since") if since is not None else None
    except AuditFilterError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        filters = AuditFilters(state=state, kind=kind, since=day, integration_id=integration.id)
        session = get_state().db.session
        rows = [action_json(action) for action in recent_actions(session, filters, limit)]
    echo_listing(
        rows,
        as_json=as_json,
        empty="No actions.",
        header=("ID", "REQUESTED", "DEVICE", "ACTION", "BY", "STATE", "CALLS", "RESULT"),
        line=_action_line,
    )


def _action_line(row: dict[str, Any]) -> tuple[str, ...]:
    return (
        str(row["id"]),
        row["requested_at"][:16],
        f"{row['device_name']} #{row['device_id']}",
        row["summary"],
        row["requested_by"] or "operator",
        row["state"],
        str(row["api_calls"]),
        row["result"] or "",
    )
