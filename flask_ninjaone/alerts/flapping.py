"""Flapping: a condition that keeps triggering and resetting becomes one ticket, not one per cycle.

A *cycle* is one trigger of a problem (device + condition) after it had reset. The problem is flapping
when the ``minutes`` before its newest cycle (that cycle included) hold more than ``limit`` cycles —
a window that slides with every cycle. A fixed window (counting from the first cycle, starting over
when it ends) missed bursts that straddle its edge: 5 cycles in 63 minutes never flapped against
"more than 3 in 60" and opened 5 tickets. A problem stops counting as flapping once a cycle arrives
with no more than ``limit`` cycles in the ``minutes`` before it.

To decide that, only the ``limit + 1`` newest cycle times are needed: the window ending at the newest
cycle holds more than ``limit`` cycles exactly when the oldest of those ``limit + 1`` lies inside it.
They live on the alert row (``cycle_times``, ISO 8601 UTC strings, oldest first); a new series of the
same problem carries its predecessor's times forward.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_LIMIT = 3
DEFAULT_MINUTES = 60


@dataclass(frozen=True)
class CycleCount:
    """The problem's state after one more cycle."""

    #: The newest ``limit + 1`` cycle times, oldest first (what the alert row stores).
    times: tuple[datetime, ...]
    #: Cycles within ``minutes`` before the newest one, that one included (for the flapping note).
    count: int
    flapping: bool
    #: True exactly when this cycle made the problem flap (the moment to add the one note).
    started_flapping: bool


def count_cycle(
    previous_times: Iterable[datetime],
    at: datetime,
    *,
    limit: int = DEFAULT_LIMIT,
    minutes: int = DEFAULT_MINUTES,
    was_flapping: bool = False,
) -> CycleCount:
    """Add the cycle that happened at ``at`` to the problem's earlier cycle times.

    A cycle delivered late (older than one already counted) takes its place in time order; the
    verdict is always about the window ending at the newest cycle known.
    """
    if limit < 1 or minutes < 1:
        raise ValueError("limit and minutes must be at least 1")
    times = tuple(sorted([*previous_times, at])[-(limit + 1) :])
    newest = times[-1]
    count = sum(1 for time in times if newest - time <= timedelta(minutes=minutes))
    flapping = count > limit
    return CycleCount(
        times=times, count=count, flapping=flapping, started_flapping=flapping and not was_flapping
    )


def dump_times(times: Sequence[datetime]) -> list[str]:
    """Cycle times as the JSON column stores them."""
    return [time.astimezone(UTC).isoformat() for time in times]


def load_times(stored: object) -> list[datetime]:
    """Cycle times read back from the JSON column; anything unreadable is dropped (it only counts)."""
    if not isinstance(stored, list):
        return []
    times = []
    for value in stored:
        if isinstance(value, str):
            try:
                time = datetime.fromisoformat(value)
            except ValueError:
                continue
            times.append(time if time.tzinfo is not None else time.replace(tzinfo=UTC))
    return times
