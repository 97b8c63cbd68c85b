"""Seeding the fake NinjaOne's fleet: seconds for 10,000 devices.

Goal: under 20 s on the 2-core CI machine (tests seed fleets of up to 2,500 devices per test; the
simulator seeds 10,000). A speed goal, so it lives here rather than as a timed assert in the suite.
"""

from __future__ import annotations

import time

from flask_ninjaone.testing.fake_ninjaone import FakeState, seed_fleet

GOAL_SECONDS = 20.0
DEVICES = 10_000


def main() -> None:
    state = FakeState()
    started = time.perf_counter()
    seed_fleet(state, devices=DEVICES, seed=0)
    elapsed = time.perf_counter() - started
    verdict = "within" if elapsed < GOAL_SECONDS else "OVER"
    print(f"seed_fleet(devices={DEVICES:,}): {elapsed:.2f} s ({verdict} the {GOAL_SECONDS:.0f} s goal)")


if __name__ == "__main__":
    main()
