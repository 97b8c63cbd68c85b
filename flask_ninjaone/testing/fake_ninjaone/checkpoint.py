"""A fake's whole state, kept and put back: what lets one server serve a whole test session.

Starting a server and seeding a fleet per test costs more than the test; resetting a running server
is cheap, but only safe if the reset is complete. So a checkpoint does not list what to keep: it copies
every attribute of the state and of each store it composes (OAuth, webhooks, faults, device actions,
custom fields),
leaving out only the machinery named in ``_MACHINERY`` (the shared lock, the webhook sender's threads
and the links between stores). A field added to a store later is therefore kept and restored without
anyone remembering to add it here; ``tests/fake/test_checkpoint.py`` checks that nothing escapes.

Open query cursors are the one store a checkpoint empties instead of copying: they hold live
generators, and a checkpoint is taken between tests, when no client is paging.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import FakeState

#: Attributes that are machinery, not data: the lock, the links between stores, the sender's threads.
_MACHINERY = frozenset({"lock", "oauth", "webhooks", "faults", "cursors", "device_actions", "custom_fields",
                        "_state", "_seed", "_executor", "_pending", "_cursors"})  # fmt: skip


def stores(state: FakeState) -> dict[str, Any]:
    """The state and every store it composes, by name."""
    return {
        "state": state,
        "oauth": state.oauth,
        "webhooks": state.webhooks,
        "faults": state.faults,
        "cursors": state.cursors,
        "device_actions": state.device_actions,
        "custom_fields": state.custom_fields,
    }


def data_of(store: Any) -> dict[str, Any]:
    """A store's data attributes (everything but its machinery), not copied."""
    return {name: value for name, value in vars(store).items() if name not in _MACHINERY}


@dataclass(frozen=True)
class FakeCheckpoint:
    """Deep copies of every store's data; restoring copies them again, so one checkpoint serves many."""

    data: dict[str, dict[str, Any]]


def take(state: FakeState) -> FakeCheckpoint:
    with state.lock:
        return FakeCheckpoint({name: copy.deepcopy(data_of(store)) for name, store in stores(state).items()})


def restore(state: FakeState, checkpoint: FakeCheckpoint) -> None:
    """Put every store back as it was; deliveries still being sent are waited for first, so none of
    them lands in the restored log."""
    state.webhooks.wait_for_deliveries()
    with state.lock:
        for name, store in stores(state).items():
            for attribute in [key for key in data_of(store) if key not in checkpoint.data[name]]:
                delattr(store, attribute)  # set after the checkpoint (a test's own attribute)
            for attribute, value in copy.deepcopy(checkpoint.data[name]).items():
                setattr(store, attribute, value)
        state.cursors._cursors.clear()
