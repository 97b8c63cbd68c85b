"""The actions.send job: a retried job acts once, a throttled action is swept and sent later, a lost
job is picked up by the scheduler tick, and a reboot reported before 'sent' is still confirmed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from flask_ninjaone.actions import inputs
from flask_ninjaone.actions.send import OUTCOME_WAIT, send_action, sweep
from flask_ninjaone.actions.start import start_action
from flask_ninjaone.host import UserRef
from flask_ninjaone.models import ActionState, Device, DeviceAction
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.tenancy import system_scope
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db

ADA = UserRef(id="1", name="Ada Park")
REBOOTS = "POST /v2/device/{id}/reboot/{mode}"


def online_agent(acme) -> Device:
    return db.session.scalars(
        select(Device).where(Device.agent_status == "online", Device.node_class == "WINDOWS_WORKSTATION")
    ).first()


def test_a_retried_job_acts_once(acme):
    with acme.scope():
        started = start_action(db.session, online_agent(acme), inputs.reboot("NORMAL"), key="k1", user=ADA)
        assert started.action.state == ActionState.SENT
        assert send_action(db.session, started.action.id) == ActionState.SENT  # the job again: nothing sent
        again = start_action(db.session, online_agent(acme), inputs.reboot("NORMAL"), key="k1", user=ADA)
        assert not again.created and again.action.id == started.action.id
    assert acme.fake.state.request_counts()[REBOOTS] == 1


def test_throttled_action_waits_then_the_tick_sends_it(acme):
    with acme.scope():
        device = online_agent(acme)
        path = f"/v2/device/{device.device_id}/reboot/NORMAL"
        acme.fake.state.faults.inject(Fault(path=path, kind="rate_limit", method="POST", retry_after=120))
        action = start_action(db.session, device, inputs.reboot("NORMAL"), key="k2", user=ADA).action
        assert (action.state, action.attempts) == (ActionState.QUEUED, 1)
        assert action.next_attempt_at > utcnow() + timedelta(seconds=100)
        action_id = action.id
    with system_scope():
        assert sweep(db.session) == 0  # not due yet
        # swept by a tick whose clock runs ahead: the job's claim still waits for the row's time
        assert sweep(db.session, utcnow() + timedelta(minutes=3)) == 1
    assert acme.fake.state.request_counts()[REBOOTS] == 1
    with acme.scope():
        db.session.execute(update(DeviceAction).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    with system_scope():
        assert sweep(db.session) == 1
    with acme.scope():
        action = db.session.get(DeviceAction, action_id)
        db.session.refresh(action)
        assert (action.state, action.attempts, action.api_calls) == (ActionState.SENT, 2, 2)


def test_reboot_reported_before_sent_is_confirmed_by_the_job(acme, relay):
    with acme.scope():
        device = online_agent(acme)
        acme.fake.state.webhooks.synchronous = True
        action = start_action(db.session, device, inputs.reboot("FORCED"), key="k3", user=ADA).action
        assert action.state == ActionState.SENT  # the delivery is captured, not yet received
        action.state = ActionState.QUEUED  # replay the send as if the delivery had come in first
        action.next_attempt_at = None
        db.session.commit()
    client = acme.app.test_client()
    assert [response.status_code for response in relay.deliver(client)] == [202]
    acme.fake.state.device_actions.complete_reboots = False  # the resend must not produce a new report
    with acme.scope():
        assert send_action(db.session, action.id) == ActionState.CONFIRMED
        row = db.session.get(DeviceAction, action.id)
        assert row.result.startswith("Rebooted; back online at")


def test_a_reboot_never_reported_fails_after_the_wait_and_is_not_resent(acme):
    """Webhook off or the report lost: the tick gives a sent reboot up after OUTCOME_WAIT, with why."""
    acme.fake.state.device_actions.complete_reboots = False  # NinjaOne never reports this reboot
    with acme.scope():
        action = start_action(
            db.session, online_agent(acme), inputs.reboot("NORMAL"), key="k9", user=ADA
        ).action
        assert action.state == ActionState.SENT
        action_id = action.id
    with system_scope():
        assert sweep(db.session) == 0  # within the wait: nothing to do
    with acme.scope():
        waited = utcnow() - OUTCOME_WAIT - timedelta(minutes=1)
        db.session.execute(update(DeviceAction).where(DeviceAction.id == action_id).values(sent_at=waited))
        db.session.commit()
    with system_scope():
        assert sweep(db.session) == 1
    with acme.scope():
        row = db.session.get(DeviceAction, action_id)
        db.session.refresh(row)
        assert row.state == ActionState.FAILED and row.finished_at is not None
        assert "reported no outcome within 6 hours" in row.result
        assert send_action(db.session, action_id) == ActionState.FAILED  # a late job changes nothing
    with system_scope():
        assert sweep(db.session) == 0
    assert acme.fake.state.request_counts()[REBOOTS] == 1
