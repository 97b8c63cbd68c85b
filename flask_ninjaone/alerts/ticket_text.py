"""The text of alert tickets and notes: pure functions of an alert's facts and its device's context.

Everything is plain text: the host decides how to render it (and must escape it, like any ticket
text a customer's machine can influence). Control characters are removed, the title is one line,
and long values are cut so a hostile or broken payload cannot produce a megabyte ticket.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .rules import AlertFacts

TITLE_PREFIX = "[NinjaOne Alert]"
#: Longest condition label in a title (hosts commonly cap titles at 255 characters).
MAX_LABEL = 150
MAX_DEVICE_NAME = 80
MAX_MESSAGE = 4000
MAX_PARAMS = 25
MAX_PARAM_VALUE = 200
#: ``data.message.params`` values above this are epoch milliseconds (see API notes).
_MILLISECONDS = 1e11

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DeviceContext:
    """What the ticket says about the device (everything optional: the device may be unknown)."""

    device_id: int | None = None
    name: str | None = None
    client: str | None = None
    organization: str | None = None
    location: str | None = None
    ip: str | None = None
    os: str | None = None
    last_user: str | None = None
    contact: str | None = None  # the host contact the last user was linked to
    agent_status: str | None = None
    node_class: str | None = None
    url: str | None = None


def clean_text(value: Any, limit: int) -> str:
    """Text without control characters (newlines and tabs kept), cut to ``limit`` characters."""
    text = _CONTROL.sub("", str(value or "")).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(value: Any, limit: int) -> str:
    """Like :func:`clean_text` with every run of whitespace (newlines too) collapsed to a space."""
    return clean_text(_WHITESPACE.sub(" ", str(value or "")), limit)


def condition_label(facts: AlertFacts) -> str:
    """What went wrong, in a few words: the condition's name, else its message, else the activity.

    NinjaOne's ``sourceName`` is often a target such as ``_average_`` or ``C:``, not a name; it is used
    only when nothing better exists and it is not an ``_internal_`` marker.
    """
    for candidate in (facts.condition_name, facts.message, facts.subject):
        label = one_line(candidate, MAX_LABEL)
        if label:
            return label
    source = one_line(facts.source_name, MAX_LABEL)
    if source and not (source.startswith("_") and source.endswith("_")):
        return source
    activity = " ".join(part for part in (facts.activity_type, facts.status_code) if part)
    return one_line(activity, MAX_LABEL) or "Alert"


def device_label(facts: AlertFacts, device: DeviceContext | None = None) -> str:
    name = one_line((device.name if device else None) or facts.device_name, MAX_DEVICE_NAME)
    if name:
        return name
    if facts.device_id is not None:
        return f"device {facts.device_id}"
    return "unknown device"


def ticket_title(facts: AlertFacts, device: DeviceContext | None = None) -> str:
    """``[NinjaOne Alert] {condition or activity} on {device}``."""
    return f"{TITLE_PREFIX} {condition_label(facts)} on {device_label(facts, device)}"


def format_time(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _param_value(key: str, value: Any) -> str:
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and key.endswith(("_date", "_time", "Date", "Time"))
        and value > _MILLISECONDS
    ):
        try:
            return format_time(datetime.fromtimestamp(value / 1000, tz=UTC))
        except (OverflowError, OSError, ValueError):
            pass
    return one_line(value, MAX_PARAM_VALUE)


def format_params(params: Mapping[str, Any] | None) -> list[str]:
    """``key: value`` lines of ``data.message.params`` (millisecond dates made readable)."""
    if not isinstance(params, Mapping):
        return []
    lines = []
    for key in sorted(params, key=str)[:MAX_PARAMS]:
        value = params[key]
        if isinstance(value, dict | list):
            continue
        lines.append(f"{one_line(key, 64)}: {_param_value(str(key), value)}")
    return lines


def ticket_description(facts: AlertFacts, device: DeviceContext, *, priority: str) -> str:
    """The ticket body: the alert, then the device, then the link to the device in NinjaOne."""
    lines = [
        "NinjaOne raised an alert.",
        "",
        f"Alert: {clean_text(facts.message, MAX_MESSAGE) or condition_label(facts)}",
        f"Severity: {facts.severity or 'NONE'} (ticket priority {priority})",
    ]
    if facts.priority and facts.priority != "NONE":
        lines.append(f"NinjaOne priority: {facts.priority}")
    lines.append(f"Triggered: {format_time(facts.triggered_at)}")
    condition = one_line(facts.condition_name or facts.source_name, MAX_LABEL)
    if condition or facts.source_config_uid:
        uid = f" ({facts.source_config_uid})" if facts.source_config_uid else ""
        lines.append(f"Condition: {condition or 'unnamed'}{uid}")
    if facts.message_code:
        lines.append(f"Code: {one_line(facts.message_code, 100)}")
    if facts.series_uid:
        lines.append(f"Alert uid: {facts.series_uid}")
    details = format_params(facts.params)
    if details:
        lines += ["", "Details:", *(f"  {line}" for line in details)]
    lines += ["", "Device:"]
    device_lines = [
        ("Name", device.name or facts.device_name),
        ("NinjaOne id", device.device_id if device.device_id is not None else facts.device_id),
        ("Client", device.client),
        ("Organization", device.organization),
        ("Location", device.location),
        ("IP address", device.ip),
        ("OS", device.os),
        ("Last user", device.last_user),
        *([("Contact", device.contact)] if device.contact else []),
        ("Agent", device.agent_status),
        ("Class", device.node_class),
    ]
    for label, value in device_lines:
        lines.append(f"  {label}: {one_line(value, 200) if value not in (None, '') else 'unknown'}")
    if device.url:
        lines += ["", f"Open in NinjaOne: {device.url}"]
    return "\n".join(lines)


def repeat_note(facts: AlertFacts, occurrence: int, at: datetime) -> str:
    return (
        f"NinjaOne alert triggered again at {format_time(at)} (occurrence {occurrence}): "
        f"{one_line(facts.message, 500) or condition_label(facts)}"
    )


def new_series_note(facts: AlertFacts, at: datetime) -> str:
    return (
        f"The condition triggered again at {format_time(at)} as a new NinjaOne alert "
        f"({facts.series_uid}): {one_line(facts.message, 500) or condition_label(facts)}"
    )


def reopen_note(facts: AlertFacts, at: datetime, hours: int | None) -> str:
    why = f"within the {hours} h reopen window" if hours else "while the condition is flapping"
    return (
        f"Reopened: the NinjaOne alert came back at {format_time(at)}, {why}: "
        f"{one_line(facts.message, 500) or condition_label(facts)}"
    )


def flapping_note(count: int, minutes: int, limit: int) -> str:
    return (
        f"Flapping: this condition triggered and reset {count} times within {minutes} minutes "
        f"(more than {limit}). Further triggers and resets are collected on this ticket, which stays "
        "open until a person closes it."
    )


def reset_close_note(at: datetime, by: str) -> str:
    return f"Closed automatically: the NinjaOne alert was resolved at {format_time(at)} ({by})."


def reset_kept_open_note(at: datetime, by: str, why: str) -> str:
    return f"The NinjaOne alert was resolved at {format_time(at)} ({by}). {why}"
