"""A reset in NinjaOne after a ticket close is owed until NinjaOne confirms it: retried by the client on
a short 429, rescheduled (never slept) on a long one, shown on the alert pages and in the CLI, sent by
the scheduler tick and by the reconciliation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from sqlalchemy import select, update

from flask_ninjaone import jobs, owed_writes
from flask_ninjaone.alerts.reconcile import reconcile
from flask_ninjaone.alerts.resets import reset_on_ticket_close
from flask_ninjaone.connection.api_client import client_for
from flask_ninjaone.models import AlertStatus, OwedKind, OwedWrite
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.tenancy import system_scope, tenant_scope
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from sample_host.models import Ticket, User
from tests.support.alerts_world import World

PREFIX = "/integrations/ninjaone"
RESET_POST = "POST /v2/alert/{uid}/reset"


@pytest.fixture
def resetting(world: World) -> int:
    """A catch-all rule that resets the alert in NinjaOne when a person closes its ticket."""
    return world.add_rule("Reset on close", catch_all=True, actions={"reset_in_ninjaone_on_close": True})


def _throttle_reset(world: World, uid: str, *, retry_after: int | None) -> None:
    fault = Fault(path=f"/v2/alert/{uid}/reset", kind="rate_limit", method="POST", retry_after=retry_after)
    world.fake.state.faults.inject(fault)


def _owed(world: World) -> list[OwedWrite]:
    with world.scope() as session:
        rows = list(session.scalars(select(OwedWrite).order_by(OwedWrite.id)))
        session.expunge_all()
        return rows


def _time_passes(world: World) -> None:
    """Every owed write's wait is over (what the clock would do; tests never sleep)."""
    with world.scope() as session:
        session.execute(update(OwedWrite).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session.commit()


def _tick(world: World) -> list[str]:
    """The scheduler tick's part for owed writes (jobs run inline: no Redis in these tests)."""
    with world.app.app_context(), system_scope():
        try:
            return owed_writes.sweep(db.session)
        finally:
            db.session.remove()


def _owed_after_a_long_retry_after(world: World) -> str:
    uid = world.trigger(world.device().device_id)["alert"]["uid"]
    _throttle_reset(world, uid, retry_after=600)
    world.fake.state.reset_counters()
    world.close_as_person(world.alert(uid).ticket_id)
    return uid


def test_a_reset_that_meets_one_429_is_retried_and_done(world: World, resetting: int) -> None:
    uid = world.trigger(world.device().device_id)["alert"]["uid"]
    _throttle_reset(world, uid, retry_after=None)
    world.fake.state.reset_counters()
    world.close_as_person(world.alert(uid).ticket_id)
    assert world.fake.state.request_counts()[RESET_POST] == 2
    assert uid not in world.active_in_ninjaone()
    alert = world.alert(uid)
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == "ticket close"
    assert _owed(world) == []


def test_a_reset_told_to_come_back_later_is_owed_until_ninjaone_confirms(
    world: World, resetting: int
) -> None:
    uid = _owed_after_a_long_retry_after(world)
    # One request, then the worker moved on: a 10-minute Retry-After is rescheduled, not slept.
    assert world.fake.state.request_counts()[RESET_POST] == 1
    assert uid in world.active_in_ninjaone()
    alert = world.alert(uid)
    assert alert.status == AlertStatus.ACTIVE and alert.ticket_closed_at is not None
    (owed,) = _owed(world)
    assert (owed.kind, owed.target, owed.integration_id) == (OwedKind.ALERT_RESET, uid, world.integration_id)
    assert owed.attempts == 1 and "429" in owed.last_error
    assert owed.next_attempt_at >= utcnow() + timedelta(seconds=590)

    assert _tick(world) == []  # not due yet: nothing is sent
    assert world.fake.state.request_counts()[RESET_POST] == 1

    _time_passes(world)
    assert _tick(world) == [world.tenant_id]
    assert world.fake.state.request_counts()[RESET_POST] == 2
    assert uid not in world.active_in_ninjaone()
    alert = world.alert(uid)
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == "ticket close"
    assert world.ticket(alert.ticket_id)["status"] == "closed"
    assert _owed(world) == []


def test_a_reset_that_keeps_failing_backs_off_and_stays_owed(world: World, resetting: int) -> None:
    uid = world.trigger(world.device().device_id)["alert"]["uid"]
    world.app.config["NINJAONE_HTTP_MAX_RETRIES"] = 0
    fault = Fault(path=f"/v2/alert/{uid}/reset", kind="server_error", method="POST", times=2)
    world.fake.state.faults.inject(fault)
    world.close_as_person(world.alert(uid).ticket_id)
    (first,) = _owed(world)
    assert first.attempts == 1 and "HTTP 500" in first.last_error
    _time_passes(world)
    before = utcnow()
    _tick(world)
    (second,) = _owed(world)
    assert second.attempts == 2
    waited = second.next_attempt_at - before
    assert (
        timedelta(seconds=owed_writes.RETRY_INTERVALS[1] - 5)
        <= waited
        <= timedelta(seconds=owed_writes.RETRY_INTERVALS[1] + 60)
    )
    assert world.alert(uid).status == AlertStatus.ACTIVE
    _time_passes(world)
    _tick(world)
    assert _owed(world) == [] and uid not in world.active_in_ninjaone()


def _tech(world: World) -> FlaskClient:
    client = world.app.test_client()
    with world.app.app_context():
        tech_id = db.session.scalar(select(User.id).where(User.email == "tech@acme.test"))
        db.session.remove()
    with client.session_transaction() as session:
        session["user_id"] = tech_id
    return client


def test_an_owed_reset_is_shown_on_the_alert_pages_and_in_the_cli(world: World, resetting: int) -> None:
    uid = _owed_after_a_long_retry_after(world)
    alert = world.alert(uid)
    client = _tech(world)
    detail = client.get(f"{PREFIX}/alerts/{alert.id}").get_data(as_text=True)
    assert "Reset in NinjaOne" in detail and "data-owed-reset" in detail
    assert "NinjaOne has not confirmed the reset yet" in detail and "Attempt 1 failed" in detail
    listing = client.get(f"{PREFIX}/alerts/?status=all").get_data(as_text=True)
    row = listing[listing.index(f'data-alert="{alert.id}"') :]
    assert "reset owed to NinjaOne" in row[: row.index("</tr>")]

    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["ninjaone", "alerts", "--tenant", "acme", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = [item for item in json.loads(result.output) if item["series_uid"] == uid]
    assert row["id"] == alert.id and row["status"] == "active"
    assert row["owed_reset"]["attempts"] == 1 and "429" in row["owed_reset"]["last_error"]
    table = runner.invoke(args=["ninjaone", "alerts", "--tenant", "acme"]).output
    assert "RESET OWED" in table.splitlines()[0]
    assert any(uid in line and "yes, 1 attempt(s)" in line for line in table.splitlines())

    _time_passes(world)
    _tick(world)
    result = runner.invoke(args=["ninjaone", "alerts", "--tenant", "acme", "--json"])
    (row,) = [item for item in json.loads(result.output) if item["series_uid"] == uid]
    assert row["owed_reset"] is None and row["status"] == "resolved"
    assert "data-owed-reset" not in client.get(f"{PREFIX}/alerts/{alert.id}").get_data(as_text=True)


def _reconcile(world: World) -> dict[str, int]:
    with world.scope() as session:
        integration = world.integration(session)
        with client_for(integration) as client:
            return reconcile(session, integration, client, grace=timedelta(0))


def test_the_reconciliation_sends_an_owed_reset(world: World, resetting: int) -> None:
    uid = _owed_after_a_long_retry_after(world)
    assert _reconcile(world)["resets_owed"] == 0  # not due yet: NinjaOne's Retry-After is honoured
    assert world.fake.state.request_counts()[RESET_POST] == 1
    assert uid in world.active_in_ninjaone() and world.alert(uid).status == AlertStatus.ACTIVE
    _time_passes(world)
    counts = _reconcile(world)
    assert counts["resets_sent"] == 1 and counts["resets_owed"] == 0 and counts["resolved"] == 0
    assert uid not in world.active_in_ninjaone()
    assert world.alert(uid).resolved_by == "ticket close"
    assert _owed(world) == []


def test_an_owed_reset_ninjaone_no_longer_lists_is_done_without_a_call(world: World, resetting: int) -> None:
    uid = _owed_after_a_long_retry_after(world)
    world.fake.state.reset_alert(uid)  # someone reset it in NinjaOne; the RESET delivery was lost
    world.fake.state.reset_counters()
    counts = _reconcile(world)
    assert counts["resets_sent"] == 1 and counts["resolved"] == 0
    assert world.fake.state.request_counts() == {"GET /v2/alerts": 1}
    assert world.alert(uid).resolved_by == "ticket close" and _owed(world) == []


def test_the_reconciliation_repairs_a_reset_that_was_lost_before_it_was_owed(
    world: World, resetting: int
) -> None:
    """The state the issue found: active on both sides, the ticket closed, nothing owed."""
    uid = _owed_after_a_long_retry_after(world)
    with world.scope() as session:
        owed_writes.forget(session, world.integration_id, OwedKind.ALERT_RESET)
        session.commit()
    assert _owed(world) == [] and uid in world.active_in_ninjaone()
    counts = _reconcile(world)
    assert counts["resets_sent"] == 1
    assert uid not in world.active_in_ninjaone()
    assert world.alert(uid).resolved_by == "ticket close"


def test_alerts_reconcile_cli_prints_what_it_repaired(world: World, resetting: int) -> None:
    uid = _owed_after_a_long_retry_after(world)
    _time_passes(world)
    missed = world.fake.state.trigger_condition(world.device(1).device_id)["alert"]["uid"]
    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["ninjaone", "alerts", "reconcile", "--tenant", "acme"])
    assert result.exit_code == 0, result.output
    assert "1 missed alert(s) recorded" in result.output and "1 owed reset(s) confirmed" in result.output
    assert uid not in world.active_in_ninjaone() and world.alert(missed).status == AlertStatus.ACTIVE
    again = runner.invoke(args=["ninjaone", "alerts", "reconcile", "--tenant", "acme", "--json"])
    assert json.loads(again.output) == {
        "remote": 1,
        "created": 0,
        "resolved": 0,
        "resets_sent": 0,
        "resets_owed": 0,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "nope"], "no tenant with id or slug 'nope'"),
        (["--tenant", "globex"], "globex is not connected to NinjaOne"),
        ([], "Missing option '--tenant'"),
    ],
)
def test_alerts_reconcile_cli_errors_are_one_line(world: World, args: list[str], message: str) -> None:
    result = world.app.test_cli_runner().invoke(args=["ninjaone", "alerts", "reconcile", *args])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_alerts_reconcile_cli_when_ninjaone_throttles(world: World) -> None:
    world.fake.state.faults.inject(Fault(path="/v2/alerts", kind="rate_limit", retry_after=600))
    result = world.app.test_cli_runner().invoke(args=["ninjaone", "alerts", "reconcile", "--tenant", "acme"])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: the reconciliation of acme failed:") and "throttling" in line


def test_with_redis_a_long_retry_after_queues_one_delayed_send_for_that_instant(
    world: World, resetting: int, make_world_app, redis_service: str
) -> None:
    uid = world.trigger(world.device().device_id)["alert"]["uid"]
    ticket_id = world.alert(uid).ticket_id
    with world.app.app_context():  # closed in the host without announcing it: the job is run below
        db.session.get(Ticket, int(ticket_id)).status = "closed"
        db.session.commit()
        db.session.remove()
    _throttle_reset(world, uid, retry_after=600)
    queued = make_world_app(NINJAONE_REDIS_URL=redis_service)
    with queued.app_context(), tenant_scope(world.tenant_id):
        assert reset_on_ticket_close(db.session, ticket_id) == {"alerts": 1, "reset": 0, "owed": 1}
        db.session.remove()
    (owed,) = _owed(world)
    scheduled = Queue("ninjaone", connection=Redis.from_url(redis_service)).scheduled_job_registry
    second = int(owed.next_attempt_at.timestamp()) + 1
    assert scheduled.get_job_ids() == [jobs.job_id("writes.send", world.tenant_id, f"at-{second}")]
    assert int(scheduled.get_scheduled_time(scheduled.get_job_ids()[0]).timestamp()) == second


def test_the_reconciliation_repairs_a_close_whose_reset_job_never_ran(world: World, resetting: int) -> None:
    """E.g. Redis was down when the host announced the close: the job was never queued."""
    uid = world.trigger(world.device().device_id)["alert"]["uid"]
    ticket_id = world.alert(uid).ticket_id
    with world.app.app_context():  # closed in the host; the announcement is lost
        db.session.get(Ticket, int(ticket_id)).status = "closed"
        db.session.commit()
        db.session.remove()
    assert world.alert(uid).ticket_closed_at is None and uid in world.active_in_ninjaone()
    counts = _reconcile(world)
    assert counts["resets_sent"] == 1 and counts["resets_owed"] == 0
    assert uid not in world.active_in_ninjaone()
    alert = world.alert(uid)
    assert alert.resolved_by == "ticket close" and alert.ticket_closed_at is not None


def test_the_reconciliation_leaves_alerts_of_open_tickets_alone(world: World, resetting: int) -> None:
    uid = world.trigger(world.device().device_id)["alert"]["uid"]
    assert _reconcile(world)["resets_sent"] == 0
    assert uid in world.active_in_ninjaone() and world.alert(uid).status == AlertStatus.ACTIVE
