"""Maintenance windows: when alerts are recorded but open no tickets.

A window applies to one device, one organization, or (neither set) every device of the tenant, of one
NinjaOne instance (``integration_id``) or, naming neither, of all (the callers read the windows of the
instance whose alert or device they look at: ids are numbered per instance). It is
either one-off (``starts_at`` ≤ t < ``ends_at``) or recurring ``daily`` / ``weekly`` (on ``weekdays``,
0 = Monday) from ``start_time`` (HH:MM wall-clock time in ``timezone``) for ``duration_minutes``; a
recurring window may also be bounded by ``starts_at`` / ``ends_at``. Wall-clock times follow the
zone's daylight saving rules (``zoneinfo``): "02:00 for 60 minutes, Europe/Berlin" is 02:00 local on
both sides of a DST change. A window may run past midnight (23:00 for 120 minutes).

Pure functions over :class:`WindowSpec`; the schema validates what the maintenance page submits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validates, validates_schema
from marshmallow.validate import Length, OneOf, Range

RECURRENCES = ("none", "daily", "weekly")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Longest recurring window: a week (a longer one would always be on).
MAX_RECURRING_MINUTES = 7 * 24 * 60
#: Longest window that also puts its devices in maintenance in NinjaOne (what a technician may set
#: from the PSA too: :data:`flask_ninjaone.actions.inputs.MAX_MAINTENANCE`).
MAX_NINJAONE_DAYS = 30


def zone(name: str) -> ZoneInfo:
    """The time zone ``name`` or :class:`ValueError` (never a file path: ``zoneinfo`` keys only)."""
    if not isinstance(name, str) or not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"Unknown time zone {name!r}.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"Unknown time zone {name!r}.") from None


def parse_clock(value: str) -> time:
    """``HH:MM`` (24 h) → :class:`time`, or :class:`ValueError`."""
    try:
        hours, minutes = value.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except (AttributeError, ValueError):
        raise ValueError("Start time must be HH:MM (24-hour clock).") from None


@dataclass(frozen=True)
class WindowSpec:
    """A maintenance window as plain data (see the module docstring)."""

    name: str
    recurrence: str = "none"
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    weekdays: tuple[int, ...] = ()
    start_time: str | None = None
    duration_minutes: int | None = None
    timezone: str = "UTC"
    organization_id: int | None = None
    device_id: int | None = None
    active: bool = True
    ninjaone_maintenance: bool = False
    id: int | None = None
    #: The instance whose devices the window covers (``None``: every instance's).
    integration_id: int | None = None

    @classmethod
    def from_row(cls, row: Any) -> WindowSpec:
        """From a :class:`~flask_ninjaone.models.MaintenanceWindow` row."""
        return cls(
            id=row.id,
            name=row.name,
            recurrence=row.recurrence,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            weekdays=tuple(row.weekdays or ()),
            start_time=row.start_time,
            duration_minutes=row.duration_minutes,
            timezone=row.timezone or "UTC",
            organization_id=row.organization_id,
            device_id=row.device_id,
            active=row.active,
            ninjaone_maintenance=bool(row.ninjaone_maintenance),
            integration_id=row.integration_id,
        )

    @property
    def scope(self) -> str:
        if self.device_id is not None:
            return f"device {self.device_id}"
        if self.organization_id is not None:
            return f"organization {self.organization_id}"
        return "all devices"

    def describe(self) -> str:
        """When the window is on, in words (shown in the list)."""
        if self.recurrence == "none":
            start = self.starts_at.strftime("%Y-%m-%d %H:%M UTC") if self.starts_at else "?"
            end = self.ends_at.strftime("%Y-%m-%d %H:%M UTC") if self.ends_at else "?"
            return f"{start} → {end}"
        days = (
            "every day"
            if self.recurrence == "daily"
            else ", ".join(WEEKDAY_NAMES[day] for day in sorted(self.weekdays) if 0 <= day < 7)
        )
        return f"{days} at {self.start_time} for {self.duration_minutes} min ({self.timezone})"


def applies_to(window: WindowSpec, *, device_id: int | None, organization_id: int | None) -> bool:
    """Whether the window's scope includes the device (a device window wins over its organization)."""
    if window.device_id is not None:
        return device_id is not None and window.device_id == device_id
    if window.organization_id is not None:
        return organization_id is not None and window.organization_id == organization_id
    return True


def covers(window: WindowSpec, at: datetime) -> bool:
    """Whether the window is on at instant ``at`` (aware). Malformed windows are never on."""
    return occurrence(window, at) is not None


def occurrence(window: WindowSpec, at: datetime) -> tuple[datetime, datetime] | None:
    """The start and end (UTC) of the window's occurrence that is on at ``at`` (aware), else ``None``.

    A recurring window's occurrence is cut by its ``starts_at`` / ``ends_at`` bounds: what NinjaOne is
    told must end when the window stops being on."""
    if not window.active:
        return None
    if at.tzinfo is None:
        raise ValueError("covers() needs an aware datetime")
    if window.recurrence == "none":
        if (
            window.starts_at is not None
            and window.ends_at is not None
            and window.starts_at <= at < window.ends_at
        ):
            return window.starts_at, window.ends_at
        return None
    if window.starts_at is not None and at < window.starts_at:
        return None
    if window.ends_at is not None and at >= window.ends_at:
        return None
    if window.recurrence not in ("daily", "weekly") or not window.start_time or not window.duration_minutes:
        return None
    try:
        tz = zone(window.timezone)
        clock = parse_clock(window.start_time)
    except ValueError:
        return None
    duration = timedelta(minutes=window.duration_minutes)
    local_day = at.astimezone(tz).date()
    # Occurrences starting on earlier days may still be running (a window past midnight, a long one).
    for back in range(0, math.ceil(window.duration_minutes / 1440) + 1):
        day = local_day - timedelta(days=back)
        if window.recurrence == "weekly" and day.weekday() not in window.weekdays:
            continue
        start = datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)
        if start <= at < start + duration:
            end = start + duration
            if window.ends_at is not None:
                end = min(end, window.ends_at)
            return start, end
    return None


def active_window(
    windows: Iterable[WindowSpec], *, device_id: int | None, organization_id: int | None, at: datetime
) -> WindowSpec | None:
    """The first window that applies to the device and is on at ``at``, or ``None``."""
    for window in windows:
        if applies_to(window, device_id=device_id, organization_id=organization_id) and covers(window, at):
            return window
    return None


class MaintenanceWindowSchema(Schema):
    """What the maintenance page submits (times as aware datetimes, clock as HH:MM)."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=Length(min=1, max=255))
    organization_id = fields.Integer(strict=True, load_default=None, allow_none=True, validate=Range(min=0))
    device_id = fields.Integer(strict=True, load_default=None, allow_none=True, validate=Range(min=0))
    recurrence = fields.String(load_default="none", validate=OneOf(RECURRENCES))
    starts_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)
    ends_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)
    weekdays = fields.List(fields.Integer(strict=True, validate=Range(0, 6)), load_default=list)
    start_time = fields.String(load_default=None, allow_none=True)
    duration_minutes = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=Range(1, MAX_RECURRING_MINUTES)
    )
    timezone = fields.String(load_default="UTC", validate=Length(min=1, max=64))
    ninjaone_maintenance = fields.Boolean(load_default=False)

    @validates("name")
    def _check_name(self, value: str, **kwargs: Any) -> None:
        if not value.strip():
            raise ValidationError("Give the window a name.")
        if not value.strip().isprintable():  # a NUL byte, say: text PostgreSQL cannot store
            raise ValidationError("A window's name is one line of printable text (no control characters).")

    @validates("timezone")
    def _check_zone(self, value: str, **kwargs: Any) -> None:
        try:
            zone(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    @validates("start_time")
    def _check_clock(self, value: str | None, **kwargs: Any) -> None:
        if value:
            try:
                parse_clock(value)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None

    @validates_schema
    def _check_shape(self, data: dict[str, Any], **kwargs: Any) -> None:
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts is not None and ends is not None and ends <= starts:
            raise ValidationError("The end must be after the start.", "ends_at")
        if data.get("recurrence", "none") == "none":
            if starts is None or ends is None:
                raise ValidationError("A one-off window needs a start and an end.", "starts_at")
            if data.get("ninjaone_maintenance"):
                _check_ninjaone_span(starts, ends)
            return
        if not data.get("start_time"):
            raise ValidationError("A recurring window needs a start time (HH:MM).", "start_time")
        if not data.get("duration_minutes"):
            raise ValidationError("A recurring window needs a duration in minutes.", "duration_minutes")
        if data.get("recurrence") == "weekly" and not data.get("weekdays"):
            raise ValidationError("A weekly window needs at least one weekday.", "weekdays")

    @post_load
    def _normalize(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["name"] = data["name"].strip()
        data["weekdays"] = sorted(set(data["weekdays"])) if data["recurrence"] == "weekly" else []
        if data["recurrence"] == "none":
            data["start_time"] = None
            data["duration_minutes"] = None
        return data


def _check_ninjaone_span(starts: datetime, ends: datetime) -> None:
    """A one-off window NinjaOne is told about must still be to come and fit NinjaOne's longest
    maintenance: NinjaOne refuses an end in the past, and a window that is over suppresses nothing."""
    now = datetime.now(UTC)
    if ends <= now:
        raise ValidationError(
            "The window has already ended: NinjaOne cannot be put in maintenance in the past.", "ends_at"
        )
    if ends - max(starts, now) > timedelta(days=MAX_NINJAONE_DAYS):
        raise ValidationError(
            "A window that also puts devices in maintenance in NinjaOne may last at most "
            f"{MAX_NINJAONE_DAYS} days.",
            "ends_at",
        )


def validate_window(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validated window fields for a :class:`~flask_ninjaone.models.MaintenanceWindow`."""
    return MaintenanceWindowSchema().load(dict(data))


def common_timezones() -> list[str]:
    """Zone names for the form's picker, UTC first."""
    names = sorted(
        name for name in available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))
    )
    return ["UTC", *names]
