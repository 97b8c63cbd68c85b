"""Where the shared NinjaOne contract lives (``../shared/ninjaone`` beside the checkout).

CI and every developer have it there; ``NINJAONE_SHARED_DIR`` points elsewhere when the checkout
does not sit beside it (e.g. a clone in /tmp).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_NINJAONE = Path(os.environ.get("NINJAONE_SHARED_DIR") or ROOT.parent / "shared") / "ninjaone"
SAMPLES = SHARED_NINJAONE / "samples"

if not (SHARED_NINJAONE / "openapi.json").exists():
    raise RuntimeError(f"NinjaOne contract not found at {SHARED_NINJAONE}: set NINJAONE_SHARED_DIR")
