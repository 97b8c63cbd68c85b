"""One tenant's slow or throttling NinjaOne must not stall the others (issue 14 item 2).

acme and globex each have their own NinjaOne (two fakes). acme's throttles (429, Retry-After 20) or
trickles its answer (12 bytes every 2 s, which no per-read timeout ever trips); globex's alert,
delivered meanwhile, must get its ticket while acme's delivery is still waiting — with one worker.
Before, the worker slept out acme's Retry-After five times over (100 s) or read the trickle to its
end, and globex's alert waited behind it.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from flask_ninjaone import tenant_scope
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from flask_ninjaone.webhooks import inbox
from sample_host.database import db
from tests.support.webhook_deliveries import (
    _alert_delivery,
    _delivery,
    _drain,
    _set,
    _store_pending,
    _synced_device_id,
    _tickets,
    _worker_env,
    activity,
    post,
    receiver_path,
)
from tests.support.workers import start_worker, wait_for
from tests.support.world import connect_tenant

#: How long the real-worker test waits for globex's ticket: far beyond what it takes now (about a
#: second) and far below what acme's misbehaving NinjaOne held the worker for before (100 s or more).
WAIT_FOR_GLOBEX = float(os.environ.get("TEST_STALL_WAIT_SECONDS", "60"))
#: How many of acme's reads NinjaOne throttles (5 is the issue's measurement: 100 s before).
THROTTLES = int(os.environ.get("TEST_STALL_THROTTLES", "1"))


@pytest.fixture
def globex_fake():
    state = FakeState()
    seed_fleet(state, devices=10, organizations=1, seed=5)
    with FakeNinjaOne(state) as server:
        yield server


@pytest.fixture
def two_tenants(app, connected, globex_fake):
    """((acme, its receiver path), (globex, its receiver path)), each synced from its own fake."""
    acme, _, acme_path = connected
    globex, integration_id = connect_tenant(globex_fake, "globex")
    globex_path = receiver_path(globex.id)
    with tenant_scope(globex.id):
        assert run_sync(integration_id).state == "succeeded"
    db.session.remove()
    return (acme, acme_path), (globex, globex_path)


def _misbehave(fake, device_id: int, how: str) -> None:
    """acme's NinjaOne answers the device's next read with a 429 (Retry-After 20), or trickles it."""
    if how == "throttle":
        fault = Fault(f"/v2/device/{device_id}", "rate_limit", retry_after=20, times=THROTTLES)
    else:  # ~2 kB at 12 bytes every 2 s: five minutes, and never 30 s without a byte
        fault = Fault(f"/v2/device/{device_id}", "trickle", seconds=2.0, chunk_bytes=12)
    fake.state.faults.inject(fault)


def _node_updated(activity_id: int, device_id: int) -> dict:
    return activity(activity_id, activityType="SYSTEM", statusCode="NODE_UPDATED", deviceId=device_id)


def test_a_throttled_delivery_waits_on_its_row_for_retry_after_without_spending_an_attempt(
    app, make_app, connected, fake
):
    tenant, _, path = connected
    device_id = _synced_device_id(tenant)
    _misbehave(fake, device_id, "throttle")
    [delivery_id] = _store_pending(make_app, path, _node_updated(8001, device_id))
    before = utcnow()
    assert _drain(tenant) == {"pending": 1}  # the drain moved on: nothing slept out the 20 s
    row = _delivery(8001)
    assert (row.status, row.attempts) == ("pending", 0)  # NinjaOne's throttle is not the delivery's fault
    assert "throttling" in row.error
    assert before + timedelta(seconds=19) <= row.next_attempt_at <= utcnow() + timedelta(seconds=21)
    assert fake.state.request_counts()["GET /v2/device/{id}"] == 1  # asked once, not five times
    assert _drain(tenant) == {}  # not due before NinjaOne's Retry-After
    _set(delivery_id, tenant, next_attempt_at=utcnow())  # NinjaOne's 20 s are over
    assert _drain(tenant) == {"done": 1}
    row = _delivery(8001)
    assert (row.status, row.attempts, row.error) == ("done", 1, None)


def test_a_trickling_ninjaone_costs_a_delivery_attempt_one_drain_budget(app, make_app, connected, fake):
    tenant, _, path = connected
    # 4 s: the trickle takes minutes, so only the budget ends it; yet what comes before the device read
    # (a token renewal, committed) fits even on a loaded machine (1.5 s ran out there before the read).
    app.config["NINJAONE_DRAIN_BUDGET_SECONDS"] = 4.0
    device_id = _synced_device_id(tenant)
    _misbehave(fake, device_id, "trickle")
    _store_pending(make_app, path, _node_updated(8002, device_id))
    assert _drain(tenant) == {"pending": 1}
    row = _delivery(8002)
    assert (row.status, row.attempts) == ("pending", 1)  # a slow server is a failed attempt, with backoff
    assert "did not finish answering" in row.error and row.duration_ms < 10_000


def test_a_drain_past_its_time_budget_hands_over_to_a_new_drain(app, make_app, connected, fake, monkeypatch):
    tenant, _, path = connected
    app.config["NINJAONE_DRAIN_BUDGET_SECONDS"] = 1.5
    device_id = _synced_device_id(tenant)
    _misbehave(fake, device_id, "trickle")
    _store_pending(make_app, path, _node_updated(8003, device_id),
                   *(activity(8004 + n, statusCode="SOMETHING_NEW") for n in range(3)))  # fmt: skip
    rung: list[tuple[str, bool]] = []
    monkeypatch.setattr(inbox, "ring", lambda tenant_id, force=False: rung.append((tenant_id, force)) or True)
    assert _drain(tenant) == {"pending": 1}  # the slow delivery spent the budget
    assert rung == [(tenant.id, True)]  # the rest goes to a new drain at the back of the queue
    assert {_delivery(8004 + n).status for n in range(3)} == {"pending"}
    rung.clear()
    assert _drain(tenant) == {"ignored": 3}
    assert rung == []


@pytest.mark.parametrize("how", ["throttle", "trickle"])
def test_one_worker_serves_globex_while_acme_s_ninjaone_misbehaves(
    how,
    make_app,
    two_tenants,
    fake,
    globex_fake,
    redis_service,
    database_url,
    encryption_key,
    workers,
    capsys,
):
    (acme, acme_path), (globex, globex_path) = two_tenants
    acme_device = _synced_device_id(acme)
    globex_alert = _alert_delivery(globex, globex_fake, 8101)
    _misbehave(fake, acme_device, how)
    both_fakes = f"{fake.url},{globex_fake.url}"  # the worker's operator lists both tenants' instances
    workers.append(start_worker(_worker_env(database_url, redis_service, encryption_key, both_fakes)))
    receiving = make_app(NINJAONE_REDIS_URL=redis_service)
    client = receiving.test_client()
    with receiving.app_context():
        assert post(client, acme_path, _node_updated(8100, acme_device)).status_code == 202
        wait_for(lambda: fake.state.request_counts().get("GET /v2/device/{id}"), timeout=60,
                 what="the worker to be reading acme's device from acme's NinjaOne")  # fmt: skip
        assert post(client, globex_path, globex_alert).status_code == 202
    wait_for(lambda: _delivery(8101).status == "done", timeout=WAIT_FOR_GLOBEX, what="globex's alert")
    assert _tickets(globex, globex_alert["seriesUid"]) == 1
    assert _delivery(8100).status != "done"  # acme's delivery is still waiting on its NinjaOne
    latency = _delivery(8101).processed_at - _delivery(8101).received_at
    wait_for(lambda: _delivery(8100).status == "done", timeout=30 + 25 * THROTTLES,
             what="acme's delivery to go through")  # fmt: skip
    with capsys.disabled():
        print(f"\n[{how}] globex's alert processed {latency.total_seconds():.1f} s after it arrived, "
              f"while acme's NinjaOne misbehaved (one worker)")  # fmt: skip
