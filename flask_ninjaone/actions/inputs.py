"""What a technician asks for, checked before anything is stored or sent.

Bad input is an :class:`ActionInputError` with a message for the person; nothing is changed. Reasons
are trimmed and capped (:data:`MAX_REASON`) because NinjaOne shows them in its activity log.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping, Sequence
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
    if kind == ActionKind.SCRIPT:
        return f"Script '{parameters.get('name', '?')}'"
    if kind in (ActionKind.PATCH_SCAN, ActionKind.PATCH_APPLY):
        target = "OS" if parameters.get("target") == "os" else "software"
        return f"{'Patch scan' if kind == ActionKind.PATCH_SCAN else 'Apply patches'} ({target})"
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


#: Longest ``parameters`` string accepted from a person (NinjaOne passes it to the script's command line).
MAX_SCRIPT_PARAMETERS = 1000
#: A parameter naming a secret (``-Password x``, ``token=…``, ``api_key:…``): such values are never stored
#: on the action row, so the run is refused and the person pointed at NinjaOne's own credentials.
_SECRET = re.compile(r"pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|credential", re.I)


def _script_parameters(given: str | Sequence[str]) -> str | None:
    """One line as typed (a form), or tokens in order (CLI ``--param``; one with a space is quoted)."""
    tokens = [given] if isinstance(given, str) else list(given)
    raw = isinstance(given, str)
    parts: list[str] = []
    for token in tokens:
        if not isinstance(token, str):
            raise ActionInputError("Script parameters must be text.")
        if any(ord(char) < 32 for char in token):
            raise ActionInputError("Script parameters must be on one line (no control characters).")
        text = token.strip()
        if text:
            quote = not raw and " " in text and not text.startswith('"')
            parts.append(f'"{text}"' if quote else text)
    joined = " ".join(parts)
    if len(joined) > MAX_SCRIPT_PARAMETERS:
        raise ActionInputError(
            f"Script parameters are too long (at most {MAX_SCRIPT_PARAMETERS} characters)."
        )
    if _SECRET.search(joined):
        raise ActionInputError(
            "Script parameters look like they carry a secret (password, token, key). They would be stored "
            "and shown on the action, so they are not accepted: let the script read the secret from "
            "NinjaOne (a secure custom field or a run-as credential)."
        )
    return joined or None


def script(
    choice: Any, parameters: str | Sequence[str], run_as: Any, options: Mapping[str, Any]
) -> ActionRequest:
    """A script run, checked against the device's own ``scripting/options``: ``choice`` is a custom
    script's id or a built-in action's uid offered to this device, ``run_as`` a role or credential
    id NinjaOne offers for it (default ``SYSTEM`` when offered, else the first)."""
    text = str(choice).strip() if choice is not None else ""
    if not text:
        raise ActionInputError("Choose a script.")
    wanted: tuple[str, Any]
    if text.isdigit():
        wanted = ("SCRIPT", int(text))
    else:
        try:
            wanted = ("ACTION", str(uuid.UUID(text)))
        except ValueError:
            raise ActionInputError("The script must be a script id (a number) or an action uid.") from None
    key = "id" if wanted[0] == "SCRIPT" else "uid"
    offered = next(
        (
            entry
            for entry in options.get("scripts") or []
            if entry.get("type") == wanted[0] and str(entry.get(key)) == str(wanted[1])
        ),
        None,
    )
    if offered is None:
        raise ActionInputError(f"NinjaOne does not offer script {text} for this device.")
    choices = run_as_choices(options)
    chosen = str(run_as).strip() if run_as not in (None, "") else None
    if chosen is None:
        chosen = "SYSTEM" if "SYSTEM" in choices else next(iter(choices), None)
    if chosen is None or chosen not in choices:
        raise ActionInputError(f"Run as must be one of: {', '.join(choices) or 'nothing offered'}.")
    request: dict[str, Any] = {"type": wanted[0], key: wanted[1], "name": str(offered.get("name") or text)}
    if (joined := _script_parameters(parameters)) is not None:
        request["parameters"] = joined
    request["run_as"] = chosen
    return ActionRequest(ActionKind.SCRIPT, request)


def run_as_choices(options: Mapping[str, Any]) -> dict[str, str]:
    """``runAs`` values NinjaOne offers for the device (roles, then stored credentials by id) → labels."""
    credentials = options.get("credentials") or {}
    choices = {str(role): str(role) for role in credentials.get("roles") or []}
    for credential in credentials.get("credentials") or []:
        if credential.get("id") is not None:
            choices[str(credential["id"])] = str(credential.get("name") or credential["id"])
    return choices
