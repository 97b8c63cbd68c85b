"""Report rows → the values we store. Pure functions: no database, no Flask.

NinjaOne sends free text of any length and casing; our columns have limits and search needs a
normalized key. Everything here is deterministic, so comparing what we stored with what NinjaOne
sends now is a plain equality check and an unchanged device writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

NAME_MAX = 512
PUBLISHER_MAX = 255
VERSION_MAX = 128
PATCH_UID_MAX = 255
KB_MAX = 64
SHORT_MAX = 32


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value).split())[:limit] if value is not None else ""


def name_key(name: str) -> str:
    """The search key of a product name: whitespace collapsed, lower-cased."""
    return _text(name, NAME_MAX).lower()


def parse_install_date(value: Any) -> datetime | None:
    """``installDate`` as NinjaOne sends it (ISO date-time, ``YYYYMMDD``, ``YYYY-MM-DD``, epoch seconds).

    Anything else is unknown rather than an error: one odd row must not fail a fleet refresh.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    candidates = [text]
    if len(text) == 8 and text.isascii() and text.isdigit():
        candidates.append(f"{text[:4]}-{text[4:6]}-{text[6:]}")
    for candidate in candidates:
        try:
            moment = datetime.fromisoformat(candidate.replace("Z", "+00:00"))
        except ValueError:
            continue
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return None


@dataclass(frozen=True, slots=True)
class SoftwareItem:
    """One installed product as we store it; ``key`` identifies it on its device."""

    name: str
    name_key: str
    publisher: str
    version: str
    installed_at: datetime | None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name_key, self.publisher, self.version)


def software_items(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], SoftwareItem]:
    """A device's software rows keyed by (name key, publisher, version); duplicates keep the first."""
    items: dict[tuple[str, str, str], SoftwareItem] = {}
    for row in rows:
        name = _text(row.get("name"), NAME_MAX)
        if not name:
            continue
        item = SoftwareItem(
            name=name,
            name_key=name_key(name),
            publisher=_text(row.get("publisher"), PUBLISHER_MAX),
            version=_text(row.get("version"), VERSION_MAX),
            installed_at=parse_install_date(row.get("installDate")),
        )
        items.setdefault(item.key, item)
    return items


@dataclass(frozen=True, slots=True)
class PatchItem:
    """One OS or third-party patch of a device as we store it, keyed by ``(kind, patch_uid)``."""

    kind: str  # os | software
    patch_uid: str
    name: str
    kb_number: str | None
    severity: str | None
    status: str
    patch_type: str | None
    reported_at: datetime | None

    def values(self) -> tuple[Any, ...]:
        """What a refresh compares (``reported_at`` only matters once it is known)."""
        return (self.name, self.kb_number, self.severity, self.status, self.patch_type)


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), UTC)
    return None


def patch_items(kind: str, rows: Iterable[Mapping[str, Any]]) -> dict[str, PatchItem]:
    """A device's patch rows of one report (``os`` = os-patches, ``software`` = software-patches)."""
    items: dict[str, PatchItem] = {}
    for row in rows:
        if kind == "os":
            name = _text(row.get("name"), NAME_MAX)
            severity = row.get("severity")
        else:
            name = _text(row.get("title") or row.get("productIdentifier"), NAME_MAX)
            severity = row.get("impact")
        kb = _text(row.get("kbNumber"), KB_MAX) or None
        uid = _text(row.get("id"), PATCH_UID_MAX) or _text(f"{name}|{kb or ''}", PATCH_UID_MAX)
        if not uid or not name:
            continue
        items.setdefault(
            uid,
            PatchItem(
                kind=kind,
                patch_uid=uid,
                name=name,
                kb_number=kb,
                severity=_text(severity, SHORT_MAX) or None,
                status=_text(row.get("status"), SHORT_MAX).upper() or "UNKNOWN",
                patch_type=_text(row.get("type"), 64) or None,
                reported_at=_timestamp(row.get("installedAt")),
            ),
        )
    return items


def last_scan(rows: Iterable[Mapping[str, Any]]) -> datetime | None:
    """The newest report ``timestamp`` among a device's patch rows (when the agent last reported)."""
    stamps = [stamp for row in rows if (stamp := _timestamp(row.get("timestamp"))) is not None]
    return max(stamps) if stamps else None


def antivirus_products(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, str | None]]:
    """A device's antivirus products, sorted so that the stored list compares equal when unchanged."""
    products = [
        {
            "name": _text(row.get("productName"), PUBLISHER_MAX) or None,
            "state": _text(row.get("productState"), SHORT_MAX).upper() or None,
            "definitions": _text(row.get("definitionStatus"), SHORT_MAX).upper() or None,
            "version": _text(row.get("version"), VERSION_MAX) or None,
        }
        for row in rows
    ]
    return sorted(products, key=lambda p: (p["name"] or "", p["version"] or ""))


#: device-health field → Device column.
HEALTH_COLUMNS: dict[str, str] = {
    "pendingOSPatchesCount": "os_patches_pending",
    "failedOSPatchesCount": "os_patches_failed",
    "pendingSoftwarePatchesCount": "software_patches_pending",
    "failedSoftwarePatchesCount": "software_patches_failed",
    "activeThreatsCount": "threats_active",
    "quarantinedThreatsCount": "threats_quarantined",
    "healthStatus": "health_status",
}
#: device-health fields kept in ``Device.antivirus`` (no column of their own).
HEALTH_EXTRAS: dict[str, str] = {
    "blockedThreatsCount": "threats_blocked",
    "avInstallStatus": "install_status",
    "pendingRebootReason": "pending_reboot",
}


def health_values(row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(column values, antivirus extras)`` of one device-health row; absent fields are left out."""
    columns = {column: row[field] for field, column in HEALTH_COLUMNS.items() if field in row}
    if "health_status" in columns:
        columns["health_status"] = _text(columns["health_status"], SHORT_MAX) or None
    extras = {key: row.get(field) for field, key in HEALTH_EXTRAS.items()}
    return columns, extras
