"""Flapping: a condition that keeps triggering and resetting becomes one ticket, not one per cycle.

A *cycle* is one trigger of a problem (device + condition) after it had reset. Cycles are counted in a
window that starts at the first one and lasts ``minutes``; more than ``limit`` cycles inside it means
the problem is flapping. A cycle arriving after the window ended starts a new window (count 1), so a
problem stops counting as flapping once it has been quiet for ``minutes``.

The counters live on the alert rows (``cycle_count``, ``cycle_window_start``, ``flapping``): a new
series carries its predecessor's counters forward. A fixed window (rather than a sliding one) is what
two columns can hold; it can only under-count by the cycles that straddle a window boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_LIMIT = 3
DEFAULT_MINUTES = 60


@dataclass(frozen=True)
class CycleCount:
    """Counters after one more cycle."""

    count: int
    window_start: datetime
    flapping: bool
    #: True exactly when this cycle made the problem flap (the moment to add the one note).
    started_flapping: bool


def count_cycle(
    previous_count: int,
    previous_window_start: datetime | None,
    at: datetime,
    *,
    limit: int = DEFAULT_LIMIT,
    minutes: int = DEFAULT_MINUTES,
    was_flapping: bool = False,
) -> CycleCount:
    """Add the cycle that happened at ``at`` to the counters of the problem's previous cycle."""
    if limit < 1 or minutes < 1:
        raise ValueError("limit and minutes must be at least 1")
    if (
        previous_window_start is None
        or previous_count < 1
        or at < previous_window_start
        or at - previous_window_start > timedelta(minutes=minutes)
    ):
        count, start = 1, at
    else:
        count, start = previous_count + 1, previous_window_start
    flapping = count > limit
    return CycleCount(
        count=count, window_start=start, flapping=flapping, started_flapping=flapping and not was_flapping
    )
