"""The webhook inbox page (``ninjaone_inbox``): the tenant's latest deliveries with their processing
state, to answer "did NinjaOne send it, and what became of it?" without a database shell, and a
button that processes waiting (or failed) deliveries now, like ``flask ninjaone inbox replay``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from ..forms.mapping import ActionForm
from ..host import Permission
from ..labels import labels_for
from ..models import Alert, DeliveryStatus, Device, WebhookDelivery
from ..query_filters import device_id_filter
from ..state import get_state
from ..tenancy import require_tenant_id
from ..webhooks import inbox
from .access import EXPIRED_FORM, require
from .states import connected_integration

bp = Blueprint("ninjaone_inbox", __name__, template_folder="../templates")

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


@bp.get("/")
@require(Permission.VIEW)
def index() -> str:
    """The newest deliveries (status, attempts, error, timing), filtered; counts by status."""
    connected_integration()
    session = get_state().db.session
    filters = parse_filters(request.args)
    query = select(WebhookDelivery)
    if filters.status:
        query = query.where(WebhookDelivery.status == filters.status)
    if filters.device_id is not None:
        query = query.where(WebhookDelivery.device_id == filters.device_id)
    deliveries = session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(filters.limit)).all()
    counts = dict(
        session.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)).all()
    )
    assets = _delivery_assets(deliveries)
    alerts = _delivery_alerts(deliveries)
    pages = get_state().host.pages(require_tenant_id())
    return render_template(
        "ninjaone/inbox.html",
        deliveries=deliveries,
        assets=assets,
        alerts=alerts,
        labels=labels_for(
            require_tenant_id(),
            asset_ids=assets.values(),
            ticket_ids=(alert.ticket_id for alert in alerts.values()),
        ),
        asset_page=pages.asset,
        ticket_page=pages.ticket,
        counts={str(status): counts.get(str(status), 0) for status in DeliveryStatus},
        filters=filters,
        limits=LIMITS,
        statuses=[str(status) for status in DeliveryStatus],
        can_manage=get_state().host.has_permission(Permission.MANAGE),
        action_form=ActionForm(),
    )


def _delivery_assets(deliveries: Sequence[WebhookDelivery]) -> dict[tuple[int, int], str]:
    """(integration, device id) → host asset id, so rows name the asset the delivery was about."""
    device_ids = {delivery.device_id for delivery in deliveries if delivery.device_id is not None}
    if not device_ids:
        return {}
    rows = get_state().db.session.execute(
        select(Device.integration_id, Device.device_id, Device.host_asset_id).where(
            Device.device_id.in_(device_ids), Device.host_asset_id.is_not(None)
        )
    )
    return {(row.integration_id, row.device_id): row.host_asset_id for row in rows}


def _delivery_alerts(deliveries: Sequence[WebhookDelivery]) -> dict[tuple[int, str], Alert]:
    """(integration, series uid) → the alert a delivery belongs to, so a row links to it and its ticket."""
    uids = {delivery.series_uid for delivery in deliveries if delivery.series_uid}
    if not uids:
        return {}
    rows = get_state().db.session.scalars(select(Alert).where(Alert.series_uid.in_(uids)))
    return {(alert.integration_id, alert.series_uid): alert for alert in rows}


@bp.post("/replay")
@require(Permission.MANAGE)
def replay() -> Response:
    """Process the waiting deliveries now (their backoff skipped); ``include_failed=1`` also the failed."""
    if not ActionForm().validate_on_submit():
        abort(400, EXPIRED_FORM)
    include_failed = request.form.get("include_failed") == "1"
    count, queued = inbox.replay(get_state().db.session, include_failed=include_failed)
    if not count:
        flash(
            "Nothing was waiting: no delivery is pending" + (" or failed." if include_failed else "."), "info"
        )
    elif queued:
        flash(f"{count} deliver{'y' if count == 1 else 'ies'} queued for processing.", "success")
    else:
        flash(f"The job queue is unreachable: {count} deliveries stay pending and are retried "
              "by the scheduler every minute.", "error")  # fmt: skip
    return redirect(url_for(".index"), 303)
