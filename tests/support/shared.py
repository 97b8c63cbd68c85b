"""The NinjaOne contract the tests check against: the snapshot in ``tests/contract/ninjaone``.

It mirrors ``../shared/ninjaone`` (see ``tests/contract/README.md``) so a clone with nothing beside
it can run its tests; ``tests/test_contract_snapshot.py`` keeps the two equal where both exist.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_NINJAONE = ROOT / "tests" / "contract" / "ninjaone"
SAMPLES = SHARED_NINJAONE / "samples"
#: Where the original lives beside a developer's or CI's checkout.
ORIGINAL = ROOT.parent / "shared" / "ninjaone"
