"""A fake NinjaOne (Public API v2 + OAuth) for tests and demos, faithful to the real paging, errors and traps.

See ``server.py`` to embed it, ``control.py`` for the ``/_fake/`` control API and ``generator.py`` for
the seeded fleet.
"""

from .app import create_fake_app
from .generator import seed_fleet
from .server import FakeNinjaOne, run_simulator
from .state import FakeState

__all__ = ["FakeNinjaOne", "FakeState", "create_fake_app", "run_simulator", "seed_fleet"]
