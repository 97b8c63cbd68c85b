"""The webhook receiver: authentication, validation before parsing, idempotent storage."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Text, create_engine, select, text, type_coerce

from flask_ninjaone import system_scope, tenant_scope
from flask_ninjaone.models import Integration, WebhookDelivery
from flask_ninjaone.models.base import utcnow
from sample_host.database import db
from tests.support.services import postgres_url
from tests.support.shared import SAMPLES
from tests.support.webhook_deliveries import SECRET, activity, post, stored


def test_accepts_the_real_sample_delivery(app, connected):
    _, _, path = connected
    body = json.loads((SAMPLES / "webhook-condition-triggered.json").read_text())
    response = post(app.test_client(), path, body)
    assert response.status_code == 202
    assert response.json["status"] == "accepted"
    assert stored() == 1


def test_duplicate_delivery_is_acknowledged_and_stored_once(app, connected):
    _, _, path = connected
    client = app.test_client()
    assert post(client, path, activity()).status_code == 202
    repeat = post(client, path, activity())
    assert repeat.status_code == 200 and repeat.json == {"status": "duplicate"}
    assert stored() == 1


@pytest.mark.parametrize(
    ("secret", "status"),
    [(None, 401), ("", 401), ("wrong", 401), (SECRET + "x", 401), (SECRET[:-1], 401)],
)
def test_bad_secrets_are_rejected_and_nothing_is_stored(app, connected, secret, status):
    _, _, path = connected
    response = post(app.test_client(), path, activity(), secret=secret)
    assert response.status_code == status
    assert SECRET not in response.get_data(as_text=True)
    assert stored() == 0


def test_unknown_receiver_id_is_404_without_detail(app, connected):
    response = post(app.test_client(), "/webhooks/ninjaone/not-a-real-id", activity())
    assert response.status_code == 404
    assert response.json == {}
    assert stored() == 0


def test_empty_configured_secret_never_matches(app, connected):
    tenant, integration_id, path = connected
    with tenant_scope(tenant.id):
        integration = db.session.scalars(select(Integration)).one()
        integration.webhook_secret = None
        db.session.commit()
    assert post(app.test_client(), path, activity(), secret="").status_code == 401
    assert stored() == 0


def test_another_integrations_secret_does_not_work(app, connected):
    tenant, _, path = connected
    with tenant_scope(tenant.id):
        integration = db.session.scalars(select(Integration)).one()
        integration.webhook_secret = "rotated-secret-of-this-integration-000"
        db.session.commit()
    assert post(app.test_client(), path, activity(), secret=SECRET).status_code == 401


def test_previous_secret_accepted_only_during_grace(app, connected):
    tenant, _, path = connected
    with tenant_scope(tenant.id):
        integration = db.session.scalars(select(Integration)).one()
        integration.webhook_secret = "the-new-secret-after-rotation-123456"
        integration.webhook_previous_secret = SECRET
        integration.webhook_previous_secret_expires_at = utcnow() + timedelta(hours=1)
        db.session.commit()
    client = app.test_client()
    assert post(client, path, activity(1)).status_code == 202
    with tenant_scope(tenant.id):
        integration = db.session.scalars(select(Integration)).one()
        integration.webhook_previous_secret_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert post(client, path, activity(2)).status_code == 401
    assert post(client, path, activity(3), secret="the-new-secret-after-rotation-123456").status_code == 202


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (b"x" * (300 * 1024), "application/json", 413),
        (json.dumps(activity()).encode(), "text/plain", 415),
        (json.dumps(activity()).encode(), "application/x-www-form-urlencoded", 415),
        (b"{not json", "application/json", 400),
        (b'{"id": NaN}', "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 422),
        (b'"a string"', "application/json", 422),
        (json.dumps(activity(id="abc")).encode(), "application/json", 422),
        (json.dumps({"statusCode": "TRIGGERED"}).encode(), "application/json", 422),
        (json.dumps(activity(deviceId=[1])).encode(), "application/json", 422),
        (json.dumps(activity(activityTime="yesterday")).encode(), "application/json", 422),
        (json.dumps(activity(device="laptop-17")).encode(), "application/json", 422),
    ],
)
def test_bad_bodies_are_rejected_before_storage(app, connected, raw, content_type, status):
    _, _, path = connected
    response = post(app.test_client(), path, None, raw=raw, content_type=content_type)
    assert response.status_code == status
    if status == 422:
        assert "activity" in response.json["error"]
    assert stored() == 0


def test_unicode_and_html_are_stored_verbatim(app, connected):
    _, _, path = connected
    message = "Disk <script>alert(1)</script> voll — 東京"
    assert post(app.test_client(), path, activity(message=message)).status_code == 202
    with system_scope():
        assert db.session.scalars(select(WebhookDelivery.payload)).one()["message"] == message


def test_nul_characters_are_dropped_so_postgres_can_store_the_delivery(app, connected):
    _, _, path = connected
    assert post(app.test_client(), path, activity(message="bad\u0000byte")).status_code == 202
    with system_scope():
        assert db.session.scalars(select(WebhookDelivery.payload)).one()["message"] == "badbyte"


def test_a_surrogate_sent_as_raw_bytes_is_replaced_too(app, connected):
    """Not only ``\\ud800`` escapes: the same surrogate as (invalid) UTF-8 bytes, no escape in sight."""
    _, _, path = connected
    raw = json.dumps(activity(message="bad-byte")).encode().replace(b"-", b"\xed\xa0\x80")
    assert post(app.test_client(), path, None, raw=raw).status_code == 202
    with system_scope():
        message = db.session.scalars(select(WebhookDelivery.payload)).one()["message"]
    assert message.startswith("bad") and message.endswith("byte")
    assert set(message[3:-4]) == {"\ufffd"}  # the surrogate is replaced, storable everywhere


def test_parallel_deliveries_of_one_activity_store_one_row(app, connected):
    _, _, path = connected

    def deliver(_: int) -> int:
        return post(app.test_client(), path, activity(424242)).status_code

    # Six at a time: racing enough to collide on one row, and within the app's pool (5 + 10 overflow),
    # so a loaded machine cannot starve the pool (a request holds one connection at a time).
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(deliver, range(64)))
    assert statuses.count(202) == 1
    assert set(statuses) <= {200, 202}
    assert stored() == 1


def test_a_database_error_logs_no_statement_parameters(app, connected, caplog):
    """The insert's parameters carry the integration's secret columns (ciphertext that decrypts to the
    live webhook secret with the key) and the payload: a failing insert must not print them."""
    tenant, _, path = connected
    with tenant_scope(tenant.id):
        ciphertext = db.session.scalar(
            select(type_coerce(Integration.webhook_secret, Text)).where(Integration.tenant_id == tenant.id)
        )
    db.session.execute(text("DROP TABLE ninjaone_webhook_inbox"))
    db.session.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # let Flask log the error as in production
    with caplog.at_level(logging.DEBUG):
        response = post(app.test_client(), path, activity(message="payload-marker-7731"))
    assert response.status_code == 500
    logged = caplog.text + "".join(str(record.exc_info) for record in caplog.records)
    assert "ninjaone_webhook_inbox" in logged  # the error itself is logged ...
    assert "parameters hidden" in logged
    for secret in (ciphertext, SECRET, "payload-marker-7731"):  # ... never its parameters
        assert secret not in logged


def test_a_pooled_connection_the_database_dropped_costs_no_delivery(app, connected):
    """NinjaOne does not resend after a 500: an idle pooled connection that the server terminated is
    retried once on a new connection instead of failing the delivery (without ``pool_pre_ping``)."""
    url = postgres_url()  # a server that can drop connections (skips without one; CI runs it)
    _, _, path = connected
    client = app.test_client()
    assert post(client, path, activity(1)).status_code == 202  # the pool now holds a live connection
    db.session.remove()
    killer = create_engine(url, isolation_level="AUTOCOMMIT")
    with killer.connect() as connection:
        terminated = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    killer.dispose()
    assert terminated >= 1
    assert [post(client, path, activity(100 + n)).status_code for n in range(3)] == [202, 202, 202]
    assert stored() == 4
