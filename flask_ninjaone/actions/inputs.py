"""What a technician asks for, checked before anything is stored or sent.

Bad input is an :class:`ActionInputError` with a message for the person; nothing is changed. Reasons
are trimmed and capped (:data:`MAX_REASON`) because NinjaOne shows them in its activity log.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..client.device_actions import MAINTENANCE_FEATURES, REBOOT_MODES
from ..models import ActionKind

MAX_REASON = 200
#: Longest maintenance window a technician may set from the PSA.
MAX_MAINTENANCE = timedelta(days=30)


class ActionInputError(ValueError):
    """The request itself is wrong (an unknown mode, an end in the past…); the message says how."""


@dataclass(frozen=True)
class ActionRequest:
    """A checked request: the kind and the parameters stored on the row and sent to NinjaOne."""

    kind: ActionKind
    parameters: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """One line naming the action, for confirmations, notes and lists."""
        return describe(self.kind, self.parameters)


def describe(kind: str, parameters: Mapping[str, Any]) -> str:
    if kind == ActionKind.REBOOT:
        return f"{'Forced' if parameters.get('mode') == 'FORCED' else 'Normal'} reboot"
    if kind == ActionKind.MAINTENANCE_START:
        return f"Maintenance mode until {parameters.get('end', '?')}"
    return "End maintenance mode"


def _reason(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ActionInputError("The reason must be text.")
    text = " ".join(value.split())
    if len(text) > MAX_REASON:
        raise ActionInputError(f"The reason is too long (at most {MAX_REASON} characters).")
    return text or None


def reboot(mode: Any, reason: Any = None) -> ActionRequest:
    """A reboot: ``mode`` NORMAL or FORCED (exactly, as NinjaOne spells them)."""
    if mode not in REBOOT_MODES:
        raise ActionInputError(f"Reboot mode must be {' or '.join(REBOOT_MODES)}.")
    parameters: dict[str, Any] = {"mode": mode}
    if (text := _reason(reason)) is not None:
        parameters["reason"] = text
    return ActionRequest(ActionKind.REBOOT, parameters)


def _moment(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ActionInputError(f"The {name} time is not a date and time (YYYY-MM-DDTHH:MM).") from None
    else:
        raise ActionInputError(f"The {name} time is required.")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def maintenance_start(
    end: Any,
    *,
    start: Any = None,
    features: Collection[str] = ("ALERTS",),
    reason: Any = None,
    now: datetime,
) -> ActionRequest:
    """Maintenance mode from ``start`` (default now) until ``end``; times without a zone are UTC."""
    end_at = _moment(end, "end")
    start_at = _moment(start, "start") if start not in (None, "") else None
    if end_at <= now:
        raise ActionInputError("The end of the maintenance window is in the past.")
    if start_at is not None and end_at <= start_at:
        raise ActionInputError("The end of the maintenance window must be after its start.")
    if end_at - (start_at or now) > MAX_MAINTENANCE:
        raise ActionInputError(f"A maintenance window may last at most {MAX_MAINTENANCE.days} days.")
    chosen = list(dict.fromkeys(features))
    if not chosen or any(feature not in MAINTENANCE_FEATURES for feature in chosen):
        raise ActionInputError(f"Choose what to suppress among {', '.join(MAINTENANCE_FEATURES)}.")
    parameters: dict[str, Any] = {"end": _iso(end_at), "features": chosen}
    if start_at is not None and start_at > now:
        parameters["start"] = _iso(start_at)
    if (text := _reason(reason)) is not None:
        parameters["reason"] = text
    return ActionRequest(ActionKind.MAINTENANCE_START, parameters)


def maintenance_end() -> ActionRequest:
    return ActionRequest(ActionKind.MAINTENANCE_END, {})


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
