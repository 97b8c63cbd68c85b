"""Reading alerts back: the panel's filters (validated from a query string) and the listings.

Bad filter values never fail a page: each one is dropped with a message saying what was ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from ..models import OPEN_ALERT_STATUSES, Alert, Device, Integration, OrganizationMapping, OwedKind, OwedWrite
from ..query_filters import device_id_filter
from ..tenancy import get_scoped
from .catalog import SEVERITIES

#: ``status`` filter values: ``open`` = active or acknowledged (the default view).
STATUS_FILTERS = ("open", "active", "acknowledged", "resolved", "all")
PAGE_SIZE = 50
MAX_PAGE = 10_000


@dataclass(frozen=True)
class AlertFilters:
    """A validated filter of the alerts panel."""

    status: str = "open"
    severity: str | None = None
    client_id: str | None = None
    device_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    def as_args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments reproducing this filter (for links and the pager)."""
        values = {
            "status": self.status,
            "severity": self.severity,
            "client": self.client_id,
            "device": self.device_id,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "page": self.page if self.page != 1 else None,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in (None, "")}


@dataclass
class ParsedFilters:
    filters: AlertFilters
    messages: list[str] = field(default_factory=list)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: str) -> date:
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(value)
    return date.fromisoformat(value)


def parse_filters(args: Mapping[str, str], *, client_ids: set[str] | None = None) -> ParsedFilters:
    """Validate ``status``, ``severity``, ``client``, ``device``, ``from``, ``to`` and ``page``."""
    messages: list[str] = []
    values: dict[str, Any] = {}

    status = (args.get("status") or "").strip().lower()
    if status:
        if status in STATUS_FILTERS:
            values["status"] = status
        else:
            messages.append(f"Ignored the unknown status {status[:40]!r}.")

    severity = (args.get("severity") or "").strip().upper()
    if severity:
        if severity in SEVERITIES:
            values["severity"] = severity
        else:
            messages.append(f"Ignored the unknown severity {severity[:40]!r}.")

    client = (args.get("client") or "").strip()
    if client:
        if client_ids is None or client in client_ids:
            values["client_id"] = client[:64]
        else:
            messages.append("Ignored the client filter: no such client.")

    device_id = device_id_filter(args, messages)
    if device_id is not None:
        values["device_id"] = device_id

    for key, name in (("from", "date_from"), ("to", "date_to")):
        raw = (args.get(key) or "").strip()
        if raw:
            try:
                values[name] = _date(raw)
            except ValueError:
                messages.append(f"Ignored the {key!r} date {raw[:40]!r}: expected YYYY-MM-DD.")
    if values.get("date_from") and values.get("date_to") and values["date_to"] < values["date_from"]:
        messages.append("Ignored the date range: 'to' is before 'from'.")
        values.pop("date_from")
        values.pop("date_to")

    page = (args.get("page") or "").strip()
    if page:
        if page.isascii() and page.isdigit() and 1 <= int(page) <= MAX_PAGE:
            values["page"] = int(page)
        else:
            messages.append("Ignored the page number.")
    return ParsedFilters(AlertFilters(**values), messages)


def status_clause(status: str | None) -> Any:
    if status in (None, "all"):
        return None
    if status == "open":
        return Alert.status.in_(OPEN_ALERT_STATUSES)
    return Alert.status == status


def filtered_query(session: Session, integration_ids: Sequence[int], filters: AlertFilters) -> Select[Alert]:
    """The alerts of ``integration_ids`` (the instances the panel reads) that ``filters`` keep.

    A client's alerts are those of the organizations mapped to it *in the alert's own instance*: two
    instances number their organizations alike, so the pair (instance, organization) is matched.
    """
    query = select(Alert).where(Alert.integration_id.in_(integration_ids))
    clause = status_clause(filters.status)
    if clause is not None:
        query = query.where(clause)
    if filters.severity:
        query = query.where(Alert.severity == filters.severity)
    if filters.device_id is not None:
        query = query.where(Alert.device_id == filters.device_id)
    if filters.client_id is not None:
        organizations = select(OrganizationMapping.integration_id, OrganizationMapping.organization_id).where(
            OrganizationMapping.integration_id.in_(integration_ids),
            OrganizationMapping.host_client_id == filters.client_id,
        )
        query = query.where(tuple_(Alert.integration_id, Alert.organization_id).in_(organizations))
    moment = func.coalesce(Alert.last_triggered_at, Alert.triggered_at, Alert.updated_at)
    if filters.date_from:
        query = query.where(moment >= datetime.combine(filters.date_from, time.min, tzinfo=UTC))
    if filters.date_to:
        query = query.where(
            moment < datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=UTC)
        )
    return query


@dataclass(frozen=True)
class AlertPage:
    alerts: list[Alert]
    total: int
    page: int
    pages: int
    #: (instance id, device id) → device name: two instances number their devices alike.
    device_names: dict[tuple[int, int], str]


def list_alerts(
    session: Session, integration_ids: Sequence[int], filters: AlertFilters, *, page_size: int = PAGE_SIZE
) -> AlertPage:
    """One page of the alerts of ``integration_ids``, newest activity first, with their device names."""
    query = filtered_query(session, integration_ids, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(filters.page, pages)
    order = func.coalesce(Alert.last_triggered_at, Alert.triggered_at, Alert.updated_at)
    rows = list(
        session.scalars(
            query.order_by(order.desc(), Alert.id.desc()).offset((page - 1) * page_size).limit(page_size)
        )
    )
    return AlertPage(rows, total, page, pages, device_names(session, rows))


def device_names(session: Session, alerts: list[Alert]) -> dict[tuple[int, int], str]:
    """(instance id, device id) → name of the devices ``alerts`` are about, each in its own instance."""
    wanted = {(alert.integration_id, alert.device_id) for alert in alerts if alert.device_id is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(Device.integration_id, Device.device_id, Device.name).where(
            Device.integration_id.in_({pair[0] for pair in wanted}),
            Device.device_id.in_({pair[1] for pair in wanted}),
        )
    )
    return {(integration_id, device_id): name for integration_id, device_id, name in rows
            if (integration_id, device_id) in wanted}  # fmt: skip


def alert_by_id(session: Session, alert_id: int) -> Alert | None:
    """The tenant's alert ``alert_id`` (``None`` for another tenant's: tenancy hides it, a 404)."""
    return get_scoped(session, Alert, alert_id)


def alert_instance(session: Session, alert: Alert) -> Integration:
    """The instance an alert is from (its detail page links into that instance's NinjaOne)."""
    integration = get_scoped(session, Integration, alert.integration_id)
    if integration is None:  # the foreign key cascades: an alert outlives no instance
        raise LookupError(f"alert {alert.id} has no instance")
    return integration


def alert_context(session: Session, alert: Alert) -> tuple[Device | None, OrganizationMapping | None]:
    """The device and the organization mapping an alert's detail page shows (either may be gone)."""
    device = session.scalars(
        select(Device).where(
            Device.integration_id == alert.integration_id, Device.device_id == alert.device_id
        )
    ).first()
    organization = session.scalars(
        select(OrganizationMapping).where(
            OrganizationMapping.integration_id == alert.integration_id,
            OrganizationMapping.organization_id == alert.organization_id,
        )
    ).first()
    return device, organization


def owed_resets(session: Session, alerts: list[Alert]) -> dict[int, OwedWrite]:
    """The resets still owed to NinjaOne for ``alerts``, by alert id (see :mod:`..owed_writes`)."""
    uids = sorted({alert.series_uid for alert in alerts})
    if not uids:
        return {}
    rows = session.scalars(
        select(OwedWrite).where(OwedWrite.kind == OwedKind.ALERT_RESET, OwedWrite.target.in_(uids))
    )
    by_key = {(row.integration_id, row.target): row for row in rows}
    return {
        alert.id: by_key[(alert.integration_id, alert.series_uid)]
        for alert in alerts
        if (alert.integration_id, alert.series_uid) in by_key
    }


def owed_reset_json(write: OwedWrite | None) -> dict[str, Any] | None:
    """An owed reset as the CLI prints it (``None``: nothing owed)."""
    if write is None:
        return None
    return {
        "since": write.created_at.isoformat(),
        "attempts": write.attempts,
        "next_attempt_at": write.next_attempt_at.isoformat(),
        "last_error": write.last_error,
    }


def cli_rows(session: Session, *, status: str | None, limit: int) -> list[dict[str, Any]]:
    """What ``flask ninjaone alerts`` prints, newest first (all integrations of the bound tenant).

    ``id`` is the id the alert pages use; ``owed_reset`` is a reset NinjaOne has not confirmed yet.
    """
    query = select(Alert)
    clause = status_clause(status)
    if clause is not None:
        query = query.where(clause)
    order = func.coalesce(Alert.last_triggered_at, Alert.triggered_at, Alert.updated_at)
    rows = list(session.scalars(query.order_by(order.desc(), Alert.id.desc()).limit(limit)))
    owed = owed_resets(session, rows)
    return [
        {
            "id": alert.id,
            "series_uid": alert.series_uid,
            "device_id": alert.device_id,
            "severity": alert.severity,
            "status": alert.status,
            "occurrence_count": alert.occurrence_count,
            "ticket_id": alert.ticket_id,
            "triggered_at": alert.triggered_at.isoformat() if alert.triggered_at else None,
            "message": alert.message,
            "suppressed_reason": alert.suppressed_reason,
            "owed_reset": owed_reset_json(owed.get(alert.id)),
        }
        for alert in rows
    ]
