"""Recent actions, for the asset panel, the CLI and JSON answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import DeviceAction
from .inputs import describe

RECENT = 10


def recent_actions(
    session: Session,
    *,
    host_asset_id: str | None = None,
    integration_id: int | None = None,
    limit: int = RECENT,
) -> list[DeviceAction]:
    """The bound tenant's newest actions, of one asset when ``host_asset_id`` is given, and of one
    instance's device of it when ``integration_id`` is (an asset several instances' devices feed)."""
    query = select(DeviceAction)
    if host_asset_id is not None:
        query = query.where(DeviceAction.host_asset_id == host_asset_id)
    if integration_id is not None:
        query = query.where(DeviceAction.integration_id == integration_id)
    return list(
        session.scalars(query.order_by(DeviceAction.requested_at.desc(), DeviceAction.id.desc()).limit(limit))
    )


def action_json(action: DeviceAction) -> dict[str, Any]:
    """The action row as scripts and ``--json`` see it (parameters never hold secrets)."""
    stamp = {
        name: (value.isoformat() if value else None)
        for name, value in (
            ("requested_at", action.requested_at),
            ("sent_at", action.sent_at),
            ("finished_at", action.finished_at),
        )
    }
    return {
        "id": action.id,
        "kind": action.kind,
        "summary": describe(action.kind, action.parameters),
        "parameters": action.parameters,
        "state": action.state,
        "result": action.result,
        "device_id": action.device_id,
        "device_name": action.device_name,
        "host_asset_id": action.host_asset_id,
        "ticket_id": action.ticket_id,
        "requested_by": action.requested_by_name,
        **stamp,
        "attempts": action.attempts,
        "api_calls": action.api_calls,
    }
