"""A fake restored to a checkpoint holds exactly what it held then: every store, whatever was done since.

One server serves a whole session (``ninjaone_fake``), so an incomplete reset would leak one test's
world into the next. The comparison is over every data attribute of every store (``checkpoint.data_of``),
so a store field added later is covered without changing this test.
"""

from __future__ import annotations

import copy

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet
from flask_ninjaone.testing.fake_ninjaone.checkpoint import data_of, stores
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from flask_ninjaone.testing.fake_ninjaone.webhooks import WebhookConfig
from flask_ninjaone.testing.fleets import FakePool, Fleet


def contents(state: FakeState) -> dict[str, dict[str, object]]:
    """A deep copy of every store's data, to compare with later."""
    return copy.deepcopy({name: data_of(store) for name, store in stores(state).items()})


def change_everything(fake: FakeNinjaOne, api) -> None:
    """Touch every store, through Python and over HTTP (counters, cursors, tokens)."""
    state = fake.state
    device = state.devices_page(None, 1)[0]
    organization = state.organizations_page(None, 1)[0]
    state.create_device(organization["id"])
    state.update_device(device["id"], {"displayName": "renamed"})
    state.trigger_condition(device["id"], condition="disk")
    state.add_location(organization["id"], "New site")
    state.add_organization("New organization")
    state.set_device_inventory(device["id"], {"antivirus": []})
    state.faults.inject(Fault("/v2/devices", "server_error", times=5))
    state.oauth.register_client("other-client", "secret", ["http://localhost/cb"])
    state.oauth.issue_access_token()
    state.oauth.access_token_lifetime = 5
    state.oauth.deny_consent = True
    state.webhooks.configure("demo-client-id", WebhookConfig.from_json({"url": "http://127.0.0.1:9/x"}))
    state.webhooks.capture = True
    state.webhooks.synchronous = False
    state.device_actions.complete_reboots = False
    state.device_actions.script_results[1] = (3, "failed")
    state.custom_fields.remove("rackUnits")
    state.custom_fields.set_logon(device["id"], "CORP\\someone", 1_700_000_000)
    state.seed = 99
    state.surprise = "an attribute a test set"  # type: ignore[attr-defined]
    api.get("/v2/organizations")
    api.get("/v2/queries/software", pageSize=1)


def test_restore_brings_back_every_store_and_clears_what_came_after(fake, api):
    before = contents(fake.state)
    saved = fake.state.checkpoint()
    change_everything(fake, api)
    assert contents(fake.state) != before
    assert fake.state.faults.pending() and fake.state.request_counts()

    fake.state.restore(saved)

    assert contents(fake.state) == before
    assert not hasattr(fake.state, "surprise")
    assert fake.state.faults.pending() == [] and fake.state.request_counts() == {}
    assert fake.state.cursors._cursors == {}
    assert api.get("/v2/organizations").status_code == 200  # faults gone, the server still serves


def test_a_checkpoint_serves_many_restores(fake, api):
    saved = fake.state.checkpoint()
    before = contents(fake.state)
    for _ in range(2):
        change_everything(fake, api)
        fake.state.restore(saved)
        assert contents(fake.state) == before


def names(state: FakeState) -> list[tuple[int, str, object]]:
    """The fleet's devices by id, uid and name (their times follow the moment of seeding)."""
    return [(d["id"], d["uid"], d.get("systemName", "")) for d in state.devices_page(None, 10**6)]


def test_the_pool_gives_each_test_the_freshly_seeded_fleet():
    pool = FakePool()
    fleet = Fleet(devices=12, organizations=2, seed=5)
    try:
        first = pool.fake(fleet)
        fresh = FakeState()
        seed_fleet(fresh, devices=12, organizations=2, seed=5)
        first.state.faults.inject(Fault("/v2/devices", "server_error"))
        first.state.create_device(first.state.organizations_page(None, 1)[0]["id"])
        again = pool.fake(fleet)
        assert again is first and again.url == first.url
        assert again.state.faults.pending() == []
        assert names(again.state) == names(fresh)
        assert pool.fake(Fleet(devices=3)) is not first
        first.stop()  # a test may stop its fake: the next one gets a new server
        assert pool.fake(fleet).running
    finally:
        pool.close()


def test_reset_without_a_baseline_is_refused():
    with FakeNinjaOne() as server, pytest.raises(RuntimeError, match="save_baseline"):
        server.reset()
