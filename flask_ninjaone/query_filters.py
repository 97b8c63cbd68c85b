"""Filters read from a page's query string (the alerts panel, the webhook inbox).

A bad value never fails a page: it is dropped, with a message saying what was ignored.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Digits of the largest NinjaOne id that still fits a BIGINT column.
_MAX_ID_DIGITS = 18


def device_id_filter(args: Mapping[str, str], messages: list[str]) -> int | None:
    """The ``device`` argument as a NinjaOne device id, or ``None`` (with a message if it was bad)."""
    device = (args.get("device") or "").strip()
    if device.isascii() and device.isdigit() and len(device) <= _MAX_ID_DIGITS:
        return int(device)
    if device:
        messages.append(
            f"Ignored the device filter {device[:40]!r}: expected a NinjaOne device id (a number)."
        )
    return None
