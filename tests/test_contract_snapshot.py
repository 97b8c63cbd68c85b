"""The contract snapshot in tests/contract/ninjaone equals ../shared/ninjaone, file for file."""

from __future__ import annotations

import pytest

from tests.support.shared import ORIGINAL, SHARED_NINJAONE

SNAPSHOT_FILES = sorted(p.relative_to(SHARED_NINJAONE) for p in SHARED_NINJAONE.rglob("*") if p.is_file())


def test_the_snapshot_holds_the_spec_the_enums_and_samples() -> None:
    names = {str(path) for path in SNAPSHOT_FILES}
    assert {"openapi.json", "enums.json", "samples/SOURCES.md"} <= names
    assert len([name for name in names if name.startswith("samples/") and name.endswith(".json")]) >= 9


def test_the_snapshot_equals_the_shared_original() -> None:
    if not ORIGINAL.is_dir():
        pytest.skip(f"no {ORIGINAL} beside this checkout to compare with")
    original = sorted(
        p.relative_to(ORIGINAL)
        for p in ORIGINAL.rglob("*")
        if p.is_file() and p.suffix == ".json" or p.name == "SOURCES.md"
    )
    assert original == SNAPSHOT_FILES
    for relative in original:
        assert (ORIGINAL / relative).read_bytes() == (SHARED_NINJAONE / relative).read_bytes(), relative
