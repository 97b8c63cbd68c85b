"""Webhook deliveries as the webhook tests make them: activities posted to the receiver with the
integration's secret, stored rows, drains, and the environment of a real worker process."""

from __future__ import annotations

import json
import os

from sqlalchemy import func, select, update

from flask_ninjaone import system_scope, tenant_scope
from flask_ninjaone.alerts import rule_store
from flask_ninjaone.models import Alert, Device, Integration, WebhookDelivery
from flask_ninjaone.webhooks import processing
from sample_host.database import db
from sample_host.models import Ticket

SECRET = "test-webhook-secret-value-0123456789"


def receiver_path(tenant_id: str) -> str:
    """Give the tenant's integration the test secret; returns its receiver path."""
    with tenant_scope(tenant_id):
        integration = db.session.scalars(select(Integration)).one()
        integration.webhook_secret = SECRET
        db.session.commit()
        return f"/webhooks/ninjaone/{integration.public_id}"


def activity(activity_id: int = 900001, **fields) -> dict:
    body = {
        "id": activity_id,
        "activityTime": 1742391675.556,
        "deviceId": 1,
        "activityType": "SYSTEM",
        "statusCode": "SOMETHING_UNHANDLED",
        "status": "Something",
        "message": "x",
    }
    body.update(fields)
    return body


def post(client, path, body, *, secret=SECRET, content_type="application/json", raw: bytes | None = None):
    headers = {HEADER: secret} if secret is not None else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post(path, data=data, headers=headers, content_type=content_type)


def stored() -> int:
    db.session.expire_all()
    with system_scope():
        return db.session.execute(select(func.count()).select_from(WebhookDelivery)).scalar()


def _delivery(activity_id: int) -> WebhookDelivery:
    db.session.expire_all()
    with system_scope():
        return db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.activity_id == activity_id)
        ).one()


def _synced_device_id(tenant) -> int:
    with tenant_scope(tenant.id):
        return db.session.scalars(
            select(Device.device_id).where(Device.retired.is_(False)).order_by(Device.device_id)
        ).first()


def _store_pending(make_app, path: str, *bodies: dict) -> list[int]:
    """Deliveries accepted while the queue was unreachable: stored, acknowledged, still pending."""
    down = make_app(NINJAONE_REDIS_URL=REDIS_DOWN)
    with down.app_context():
        for body in bodies:
            assert post(down.test_client(), path, body).status_code == 202
    ids = [_delivery(body["id"]).id for body in bodies]
    assert {_delivery(body["id"]).status for body in bodies} == {"pending"}
    return ids


def _set(delivery_id: int, tenant, **values) -> None:
    with tenant_scope(tenant.id):
        db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values))
        db.session.commit()


def _drain(tenant, **kwargs) -> dict[str, int]:
    with tenant_scope(tenant.id):
        return processing.drain(db.session, **kwargs)


def _alert_delivery(tenant, fake, activity_id: int) -> dict:
    """A TRIGGERED delivery of a new alert on a synced device, with a catch-all rule opening tickets."""
    with tenant_scope(tenant.id):
        rule_store.create_rule(db.session, name="Everything", conditions={}, actions={}, catch_all=True)
        db.session.commit()
    triggered = fake.state.trigger_condition(_synced_device_id(tenant))["activities"][0]
    return {**triggered, "id": activity_id}


def _tickets(tenant, series_uid: str | None = None) -> int:
    """Tickets opened for alerts (of one series, when given). With a real worker the scheduler tick's
    reconciliation may open tickets for the fake's other active alerts too: count the series then."""
    db.session.expire_all()
    alerts = select(func.count()).select_from(Alert).where(Alert.ticket_id.is_not(None))
    tickets = select(func.count()).select_from(Ticket).where(Ticket.tenant_id == int(tenant.id))
    if series_uid is None:
        tickets = tickets.where(Ticket.external_ref.is_not(None))
    else:
        alerts = alerts.where(Alert.series_uid == series_uid)
        tickets = tickets.where(Ticket.external_ref == series_uid)
    with tenant_scope(tenant.id):
        opened = db.session.scalar(alerts)
    external = db.session.scalar(tickets)
    assert opened == external
    return external


def _worker_env(
    database_url: str, redis_url: str, encryption_key: str, fake_url: str, **settings: str
) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "NINJAONE_ALLOWED_BASE_URLS": fake_url,  # the workers' operator lists the test's fake
        "NINJAONE_REDIS_URL": redis_url,
        "NINJAONE_ENCRYPTION_KEYS": encryption_key,
        "SECRET_KEY": "test-secret-key",
        **settings,
    }


HEADER = "X-NinjaOne-Webhook-Secret"


REDIS_DOWN = "redis://127.0.0.1:1/0"
