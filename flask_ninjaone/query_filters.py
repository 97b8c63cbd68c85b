"""Filters read from a page's query string (the alerts panel, the webhook inbox).

A bad value never fails a page: it is dropped, with a message saying what was ignored.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Digits of the largest NinjaOne id that still fits a BIGINT column.
_MAX_ID_DIGITS = 18


def parse_id(raw: str | None) -> int | None:
    """``raw`` (stripped) as a non-negative id that fits a BIGINT column, or ``None`` when it is not one:
    ASCII digits only (``int()`` would also take "٣", "+3" or "1_000"), at most 18 of them."""
    text = (raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS else None


def device_id_filter(args: Mapping[str, str], messages: list[str]) -> int | None:
    """The ``device`` argument as a NinjaOne device id, or ``None`` (with a message if it was bad)."""
    device = (args.get("device") or "").strip()
    if (device_id := parse_id(device)) is not None:
        return device_id
    if device:
        messages.append(
            f"Ignored the device filter {device[:40]!r}: expected a NinjaOne device id (a number)."
        )
    return None
