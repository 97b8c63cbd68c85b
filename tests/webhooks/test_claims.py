"""A delivery's claim is a short lease: renewed while its attempt works, taken over once it lapses,
and an attempt that lost its claim can no longer write the delivery's outcome."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.exc import OperationalError

from flask_ninjaone import signals, tenant_scope
from flask_ninjaone.models import WebhookDelivery
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.webhooks import processing
from sample_host.database import db
from tests.support.services import postgres_url
from tests.support.webhook_deliveries import (
    _alert_delivery,
    _delivery,
    _store_pending,
    _tickets,
)


def _drain_in_thread(app, tenant) -> dict[str, int]:
    """A second drain, in a thread of its own (its own session), as another worker would run it."""
    outcome: dict[str, dict[str, int]] = {}

    def work() -> None:
        with app.app_context(), tenant_scope(tenant.id):
            outcome["drain"] = processing.drain(db.session)
            db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=120)
    return outcome["drain"]


def test_an_attempt_that_lost_its_claim_cannot_overwrite_the_outcome(app, make_app, connected, fake):
    tenant, _, path = connected
    body = _alert_delivery(tenant, fake, 7001)
    [delivery_id] = _store_pending(make_app, path, body)
    taken_over: list[dict[str, int]] = []

    def stall_then_fail(_sender, **_kwargs) -> None:
        # The first attempt committed the ticket, then stalled past its claim: another drain took over.
        if taken_over:
            return
        db.session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(next_attempt_at=utcnow())
        )
        db.session.commit()
        taken_over.append(_drain_in_thread(app, tenant))
        raise RuntimeError("the stalled attempt fails late")

    signals.alert_received.connect(stall_then_fail)
    try:
        with tenant_scope(tenant.id):
            processing.drain(db.session)
    finally:
        signals.alert_received.disconnect(stall_then_fail)
    assert taken_over == [{"done": 1}]  # the alert was already applied: nothing new happened
    row = _delivery(7001)
    assert (row.status, row.attempts, row.error) == ("done", 2, None)  # the late failure was dropped
    assert _tickets(tenant) == 1


def test_a_step_longer_than_the_lease_keeps_its_claim(app, make_app, connected, fake):
    tenant, _, path = connected
    app.config["NINJAONE_DELIVERY_LEASE_SECONDS"] = 1
    body = _alert_delivery(tenant, fake, 7002)
    _store_pending(make_app, path, body)
    meanwhile: list[dict[str, int]] = []

    def slow_step(_sender, **_kwargs) -> None:
        if not meanwhile:
            time.sleep(2.5)  # longer than two leases: only renewals keep the claim
            meanwhile.append(_drain_in_thread(app, tenant))

    signals.alert_received.connect(slow_step)
    try:
        with tenant_scope(tenant.id):
            assert processing.drain(db.session) == {"done": 1}
    finally:
        signals.alert_received.disconnect(slow_step)
    assert meanwhile == [{}]  # another drain found the delivery still claimed
    row = _delivery(7002)
    assert (row.status, row.attempts) == ("done", 1)
    assert _tickets(tenant) == 1


def test_a_killed_database_connection_mid_delivery_is_taken_over_after_the_lease(
    app, make_app, connected, fake, capsys
):
    url = postgres_url()
    tenant, _, path = connected
    app.config["NINJAONE_DELIVERY_LEASE_SECONDS"] = 2
    body = _alert_delivery(tenant, fake, 7003)
    _store_pending(make_app, path, body)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    killed: list[float] = []

    def kill_connection(_sender, **_kwargs) -> None:
        # The ticket is committed; the delivery's outcome is not written yet.
        if killed:
            return
        pid = db.session.connection().connection.dbapi_connection.info.backend_pid
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killed.append(time.monotonic())

    signals.alert_received.connect(kill_connection)
    try:
        with tenant_scope(tenant.id), pytest.raises(OperationalError):
            processing.drain(db.session)
    finally:
        signals.alert_received.disconnect(kill_connection)
        admin.dispose()
    db.session.remove()
    assert _delivery(7003).status == "processing"
    deadline = time.monotonic() + 60
    while _delivery(7003).status == "processing" and time.monotonic() < deadline:
        with tenant_scope(tenant.id):
            processing.drain(db.session)
        time.sleep(0.1)
    takeover = time.monotonic() - killed[0]
    row = _delivery(7003)
    assert (row.status, row.attempts) == ("done", 2)
    assert _tickets(tenant) == 1
    with capsys.disabled():
        print(f"\n[killed connection] taken over and done {takeover:.1f} s after the kill (lease 2 s)")
