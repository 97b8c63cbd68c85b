"""What the webhook inbox page reads: its filters (validated from the query string), the newest
deliveries (``flask ninjaone inbox list`` too), the counts by status, and the assets and alerts the
deliveries were about."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Alert, DeliveryStatus, Device, WebhookDelivery
from ..query_filters import device_id_filter

#: How many of the newest deliveries the page may show.
LIMITS = (50, 100, 200, 500)


@dataclass
class InboxFilters:
    """The page's validated query string; what was refused is said in ``messages``."""

    status: str | None = None
    device_id: int | None = None
    limit: int = LIMITS[0]
    messages: list[str] = field(default_factory=list)


def parse_filters(args: Mapping[str, str]) -> InboxFilters:
    """``status`` (a delivery status), ``device`` (a NinjaOne device id) and ``limit`` (one of
    :data:`LIMITS`); an unknown value is ignored with a message rather than failing the page."""
    parsed = InboxFilters()
    status = (args.get("status") or "").strip().lower()
    if status in {str(value) for value in DeliveryStatus}:
        parsed.status = status
    elif status:
        parsed.messages.append(f"Ignored the unknown status {status[:40]!r}.")
    parsed.device_id = device_id_filter(args, parsed.messages)
    limit = (args.get("limit") or "").strip()
    if limit in {str(value) for value in LIMITS}:
        parsed.limit = int(limit)
    elif limit:
        parsed.messages.append(
            f"Ignored the limit {limit[:40]!r}: choose one of {', '.join(map(str, LIMITS))}."
        )
    return parsed


#: Every delivery status, in the order the page lists them.
STATUSES = tuple(str(status) for status in DeliveryStatus)


def latest_deliveries(
    session: Session, filters: InboxFilters, integration_id: int
) -> Sequence[WebhookDelivery]:
    """The newest deliveries of one instance matching ``filters``, newest first (a device id means a
    device of that instance: another instance has its own device of that id)."""
    query = select(WebhookDelivery).where(WebhookDelivery.integration_id == integration_id)
    if filters.status:
        query = query.where(WebhookDelivery.status == filters.status)
    if filters.device_id is not None:
        query = query.where(WebhookDelivery.device_id == filters.device_id)
    return session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(filters.limit)).all()


def status_counts(session: Session, integration_id: int) -> dict[str, int]:
    """How many deliveries of one instance are in each status (0 for a status none is in)."""
    counts = dict(
        session.execute(
            select(WebhookDelivery.status, func.count())
            .where(WebhookDelivery.integration_id == integration_id)
            .group_by(WebhookDelivery.status)
        ).all()
    )
    return {status: counts.get(status, 0) for status in STATUSES}


def delivery_assets(session: Session, deliveries: Sequence[WebhookDelivery]) -> dict[tuple[int, int], str]:
    """(integration, device id) → host asset id, so rows name the asset the delivery was about."""
    device_ids = {delivery.device_id for delivery in deliveries if delivery.device_id is not None}
    if not device_ids:
        return {}
    rows = session.execute(
        select(Device.integration_id, Device.device_id, Device.host_asset_id).where(
            Device.device_id.in_(device_ids), Device.host_asset_id.is_not(None)
        )
    )
    return {(row.integration_id, row.device_id): row.host_asset_id for row in rows}


def delivery_alerts(session: Session, deliveries: Sequence[WebhookDelivery]) -> dict[tuple[int, str], Alert]:
    """(integration, series uid) → the alert a delivery belongs to, so a row links to it and its ticket."""
    uids = {delivery.series_uid for delivery in deliveries if delivery.series_uid}
    if not uids:
        return {}
    rows = session.scalars(select(Alert).where(Alert.series_uid.in_(uids)))
    return {(alert.integration_id, alert.series_uid): alert for alert in rows}
