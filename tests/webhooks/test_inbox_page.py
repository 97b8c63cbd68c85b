"""The webhook inbox page: the tenant's deliveries and their state, validated filters, processing now."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import WebhookDelivery
from flask_ninjaone.models.base import utcnow
from sample_host.database import db
from tests.support.alert_pages import HOSTILE, _login
from tests.support.webhook_deliveries import _delivery, _store_pending, activity, post, receiver_path
from tests.support.world import connect_tenant

PAGE = "/integrations/ninjaone/inbox/"


def _rows(html: str) -> list[str]:
    """The activity ids of the listed deliveries, in page order."""
    return re.findall(r'data-label="Activity" class="ninjaone-mono">(\d+)<', html)


def _page(app, email: str, tenant: str = "acme", *, form: dict | None = None, **query: str):
    """GET the page (or POST ``form`` to replay) as ``email``, in an app context of its own: the
    test's context would otherwise carry the previous request's user along in ``g``."""
    with app.app_context():
        client = _login(app, email, tenant)
        if form is not None:
            return client.post(PAGE + "replay", data=form)
        return client.get(PAGE, query_string=query)


def test_the_inbox_lists_the_newest_deliveries_with_their_state(app, make_app, connected):
    tenant, _, path = connected
    client = app.test_client()
    for activity_id in (7001, 7002):
        assert post(client, path, activity(activity_id, statusCode="SOMETHING_NEW")).status_code == 202
    [waiting] = _store_pending(make_app, path, activity(7003, statusCode="NODE_UPDATED", deviceId=4242))
    retry_at = utcnow() + timedelta(minutes=5)
    with tenant_scope(tenant.id):
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == waiting)
            .values(attempts=2, error=f"HTTPError: {HOSTILE}", next_attempt_at=retry_at)
        )
        db.session.commit()

    response = _page(app, "viewer@acme.test")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _rows(html) == ["7003", "7002", "7001"]  # newest first
    assert f'data-delivery="{waiting}" data-status="pending"' in html
    assert "next attempt" in html and "System / Node updated" in html and ">4242<" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert 'data-count-pending="1"' in html and 'data-count-ignored="2"' in html
    assert "Process waiting now" not in html  # viewers look, managers act
    assert "Process waiting now" in _page(app, "admin@acme.test").get_data(as_text=True)


def test_filters_narrow_the_list_and_bad_values_are_ignored_with_a_message(app, make_app, connected):
    _, _, path = connected
    client = app.test_client()
    assert post(client, path, activity(7011, statusCode="SOMETHING_NEW", deviceId=11)).status_code == 202
    _store_pending(make_app, path, activity(7012, statusCode="SOMETHING_NEW", deviceId=12))
    viewer = "viewer@acme.test"
    assert _rows(_page(app, viewer, status="pending").get_data(as_text=True)) == ["7012"]
    assert _rows(_page(app, viewer, device="11").get_data(as_text=True)) == ["7011"]
    response = _page(app, viewer, status="<b>x", device="1; drop", limit="7")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _rows(html) == ["7012", "7011"]
    assert html.count("data-filter-message") == 3
    assert "Ignored the unknown status &#39;&lt;b&gt;x&#39;" in html
    assert "choose one of 50, 100, 200, 500" in html


def test_process_waiting_now_drains_them_and_only_managers_may(app, make_app, connected):
    _, _, path = connected
    ids = _store_pending(make_app, path, *(activity(7020 + n, statusCode="SOMETHING_NEW") for n in range(2)))
    refused = _page(app, "viewer@acme.test", form={"include_failed": "0"})
    assert refused.status_code == 403
    assert {_delivery(7020 + n).status for n in range(2)} == {"pending"}

    with app.app_context():
        admin = _login(app, "admin@acme.test")
        response = admin.post(PAGE + "replay", data={"include_failed": "0"})
        assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
        assert "2 deliveries queued for processing." in admin.get(PAGE).get_data(as_text=True)
        admin.post(PAGE + "replay", data={"include_failed": "1"})
        html = admin.get(PAGE).get_data(as_text=True)
        assert "Nothing was waiting: no delivery is pending or failed." in html
    assert [_delivery(7020 + n).status for n in range(2)] == ["ignored", "ignored"] and len(ids) == 2


def test_another_tenants_deliveries_are_never_listed(app, connected, fake):
    _, _, acme_path = connected
    globex, _ = connect_tenant(fake, "globex")
    globex_path = receiver_path(globex.id)
    db.session.remove()
    client = app.test_client()
    assert post(client, acme_path, activity(7031, statusCode="SOMETHING_NEW")).status_code == 202
    assert post(client, globex_path, activity(7032, statusCode="SOMETHING_NEW")).status_code == 202
    acme_html = _page(app, "admin@acme.test").get_data(as_text=True)
    globex_html = _page(app, "admin@globex.test", "globex").get_data(as_text=True)
    assert _rows(acme_html) == ["7031"] and 'data-count-ignored="1"' in acme_html
    assert _rows(globex_html) == ["7032"]
