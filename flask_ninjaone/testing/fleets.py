"""Fake NinjaOne servers kept for a whole test session, one per fleet, reset before each test.

A test used to start its own fake and seed its fleet; for most tests that cost more than the test.
``FakePool.fake(fleet)`` starts a server the first time a fleet is asked for, saves the seeded state as
its baseline, and on every later call resets it to that baseline (``FakeNinjaOne.reset``: every store,
injected faults and tokens included), so each test still finds a fake as if just started, on the same
URL for the whole session (which is what lets a database snapshot that names the URL be restored).
"""

from __future__ import annotations

from dataclasses import dataclass

from .fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet


@dataclass(frozen=True)
class Fleet:
    """What a fake NinjaOne holds when a test gets it (``seed_fleet``'s arguments), and how it delivers
    webhooks: ``synchronous_webhooks`` POSTs them before the triggering call returns."""

    devices: int = 40
    organizations: int = 3
    seed: int = 1
    organization_names: tuple[str, ...] = ()
    synchronous_webhooks: bool = False


class FakePool:
    """The session's fake servers, by fleet."""

    def __init__(self) -> None:
        self._fakes: dict[Fleet, FakeNinjaOne] = {}

    def fake(self, fleet: Fleet) -> FakeNinjaOne:
        """The fleet's server, reset to its seeded baseline (started and seeded on first use, or again
        if a test stopped it)."""
        server = self._fakes.get(fleet)
        if server is not None and server.running:
            server.reset()
            return server
        state = FakeState()
        seed_fleet(state, devices=fleet.devices, organizations=fleet.organizations, seed=fleet.seed,
                   organization_names=fleet.organization_names)  # fmt: skip
        state.webhooks.synchronous = fleet.synchronous_webhooks
        server = self._fakes[fleet] = FakeNinjaOne(state).start()
        server.save_baseline()
        return server

    def close(self) -> None:
        for server in self._fakes.values():
            server.stop()
        self._fakes.clear()
