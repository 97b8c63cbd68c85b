"""Ticket closed by a person → alert reset in NinjaOne; scheduled reconciliation with GET /v2/alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from flask_ninjaone import jobs
from flask_ninjaone.alerts.reconcile import reconcile
from flask_ninjaone.client import RateLimited
from flask_ninjaone.connection.api_client import client_for
from flask_ninjaone.models import AlertStatus
from flask_ninjaone.tasks.alerts import enqueue_reconciliations
from flask_ninjaone.tenancy import system_scope
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from sample_host.models import User
from tests.support.alerts_world import World


def test_closing_the_ticket_resets_the_alert_in_ninjaone(world: World) -> None:
    world.add_rule("Reset on close", catch_all=True, actions={"reset_in_ninjaone_on_close": True})
    result = world.trigger(world.device().device_id)
    uid = result["alert"]["uid"]
    assert uid in world.active_in_ninjaone()
    world.close_as_person(world.alert(uid).ticket_id)
    assert uid not in world.active_in_ninjaone()
    alert = world.alert(uid)
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == "ticket close"
    assert alert.ticket_closed_at is not None
    # NinjaOne then delivers the RESET of our reset: nothing changes, the ticket stays closed.
    reset = world.fake.state.activities_page(10)[1][0]
    assert reset["statusCode"] == "RESET" and reset["seriesUid"] == uid
    world.handle(reset)
    assert world.alert(uid).resolved_by == "ticket close"
    assert world.ticket(alert.ticket_id)["status"] == "closed"


def test_closing_the_ticket_leaves_ninjaone_alone_unless_the_rule_says_so(
    world: World, catch_all: int
) -> None:
    result = world.trigger(world.device().device_id)
    uid = result["alert"]["uid"]
    world.close_as_person(world.alert(uid).ticket_id)
    assert uid in world.active_in_ninjaone()
    alert = world.alert(uid)
    assert alert.status == AlertStatus.ACTIVE and alert.ticket_closed_at is not None


def test_closing_from_the_ticket_page_resets_the_alert(world: World) -> None:
    world.add_rule("Reset on close", catch_all=True, actions={"reset_in_ninjaone_on_close": True})
    uid = world.trigger(world.device().device_id)["alert"]["uid"]
    ticket_id = world.alert(uid).ticket_id
    client = world.app.test_client()
    with world.app.app_context():
        tech_id = db.session.scalar(select(User.id).where(User.email == "tech@acme.test"))
    with client.session_transaction() as session:
        session["user_id"] = tech_id
    response = client.post(f"/tickets/{ticket_id}/close", data={"close-note": "done"})
    assert response.status_code in (302, 303)
    assert world.ticket(ticket_id)["status"] == "closed"
    assert uid not in world.active_in_ninjaone()


def test_reconciliation_creates_missed_alerts_and_resolves_gone_ones(world: World, catch_all: int) -> None:
    device, other = world.device(0), world.device(1)
    delivered = world.trigger(device.device_id)["alert"]["uid"]
    missed = world.fake.state.trigger_condition(other.device_id, severity="CRITICAL")["alert"]["uid"]
    world.fake.state.reset_alert(delivered)  # the RESET delivery is lost
    world.fake.state.reset_counters()
    with world.scope() as session:
        integration = world.integration(session)
        with client_for(integration) as client:
            counts = reconcile(session, integration, client, grace=timedelta(0))
    assert counts == {"remote": 1, "created": 1, "resolved": 1, "resets_sent": 0, "resets_owed": 0}
    assert world.fake.state.request_counts() == {"GET /v2/alerts": 1}
    created = world.alert(missed)
    assert created.status == AlertStatus.ACTIVE and created.ticket_id
    assert world.ticket(created.ticket_id)["priority"] == "urgent"
    gone = world.alert(delivered)
    assert gone.status == AlertStatus.RESOLVED and gone.resolved_by == "reconciliation"
    assert world.ticket(gone.ticket_id)["status"] == "closed"
    # A second run changes nothing; the late delivery of the missed trigger is recognised as known.
    with world.scope() as session:
        integration = world.integration(session)
        with client_for(integration) as client:
            assert reconcile(session, integration, client, grace=timedelta(0)) == {
                "remote": 1,
                "created": 0,
                "resolved": 0,
                "resets_sent": 0,
                "resets_owed": 0,
            }
    trigger = next(
        a
        for a in world.fake.state.activities_page(50)[1]
        if a.get("seriesUid") == missed and a["statusCode"] == "TRIGGERED"
    )
    world.handle(trigger)
    assert world.alert(missed).occurrence_count == 1
    assert len(world.tickets()) == 2


def test_reconciliation_leaves_just_changed_alerts_alone(world: World, catch_all: int) -> None:
    uid = world.trigger(world.device().device_id)["alert"]["uid"]
    world.fake.state.reset_alert(uid)
    with world.scope() as session:
        integration = world.integration(session)
        with client_for(integration) as client:
            counts = reconcile(session, integration, client)  # default grace: it just changed
    assert counts["resolved"] == 0
    assert world.alert(uid).status == AlertStatus.ACTIVE


def test_reconcile_task_and_schedule(world: World, catch_all: int) -> None:
    world.fake.state.trigger_condition(world.device().device_id)
    with world.app.app_context():
        handle = jobs.enqueue(
            "alerts.reconcile", tenant_id=world.tenant_id, integration_id=world.integration_id
        )
        assert handle.inline and handle.result["created"] == 1
        with system_scope():
            at_quarter = datetime(2025, 1, 1, 10, 15, tzinfo=UTC)
            assert enqueue_reconciliations(db.session, at_quarter) == [world.integration_id]
            assert enqueue_reconciliations(db.session, at_quarter + timedelta(minutes=7)) == []
        db.session.remove()


def test_a_throttled_reconciliation_gives_up_instead_of_sleeping_in_the_worker(world: World) -> None:
    """It shares the urgent queue with every tenant's deliveries: a long Retry-After is not slept out."""
    world.fake.state.faults.inject(Fault("/v2/alerts", "rate_limit", retry_after=20, times=5))
    asked = world.fake.state.request_counts().get("GET /v2/alerts", 0)
    with world.app.app_context(), pytest.raises(RateLimited) as info:
        jobs.enqueue("alerts.reconcile", tenant_id=world.tenant_id, integration_id=world.integration_id)
    assert info.value.retry_after == 20.0
    assert world.fake.state.request_counts()["GET /v2/alerts"] == asked + 1  # once, not six times
