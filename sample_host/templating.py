"""What every template can use: the logged-in user, the edit flag and a few display filters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, has_request_context

from .auth import can_edit, current_user
from .forms import label


def format_datetime(moment: datetime | None) -> str:
    """UTC, minutes precision; SQLite hands back naive datetimes, which are UTC by construction."""
    if moment is None:
        return "—"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def format_size_gb(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} GB"


def format_bytes(value: int | None) -> str:
    """Volume sizes arrive in bytes; people read GB."""
    return "—" if value is None else format_size_gb(value / 1024**3)


def _template_globals() -> dict[str, Any]:
    # Templates may be rendered without a request (e.g. by a worker); there is no user then.
    user = current_user() if has_request_context() else None
    return {"current_user": user, "can_edit": can_edit(user)}


def register_template_helpers(app: Flask) -> None:
    app.context_processor(_template_globals)
    app.add_template_filter(label, "label")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_size_gb, "gb")
    app.add_template_filter(format_bytes, "bytes")
