"""The webhook inbox page (``ninjaone_inbox``): the tenant's latest deliveries with their processing
state, to answer "did NinjaOne send it, and what became of it?" without a database shell, and a
button that processes waiting (or failed) deliveries now, like ``flask ninjaone inbox replay``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..forms.mapping import ActionForm
from ..host import Permission
from ..labels import labels_for
from ..state import get_state
from ..tenancy import require_tenant_id
from ..webhooks import inbox
from ..webhooks.inbox_page import (
    LIMITS,
    STATUSES,
    delivery_alerts,
    delivery_assets,
    latest_deliveries,
    parse_filters,
    status_counts,
)
from .access import EXPIRED_FORM, require
from .states import connected_integration

bp = Blueprint("ninjaone_inbox", __name__, template_folder="../templates")


@bp.get("/")
@require(Permission.VIEW)
def index() -> str:
    """The newest deliveries (status, attempts, error, timing), filtered; counts by status."""
    integration = connected_integration()
    session = get_state().db.session
    filters = parse_filters(request.args)
    deliveries = latest_deliveries(session, filters, integration.id)
    assets = delivery_assets(session, deliveries)
    alerts = delivery_alerts(session, deliveries)
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
        counts=status_counts(session, integration.id),
        filters=filters,
        limits=LIMITS,
        statuses=list(STATUSES),
        can_manage=get_state().host.has_permission(Permission.MANAGE),
        action_form=ActionForm(),
    )


@bp.post("/replay")
@require(Permission.MANAGE)
def replay() -> Response:
    """Process the waiting deliveries of the instance the page was shown for now (their backoff
    skipped); ``include_failed=1`` also the failed."""
    integration = connected_integration()
    if not ActionForm().validate_on_submit():
        abort(400, EXPIRED_FORM)
    include_failed = request.form.get("include_failed") == "1"
    count, queued = inbox.replay(get_state().db.session, integration.id, include_failed=include_failed)
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
