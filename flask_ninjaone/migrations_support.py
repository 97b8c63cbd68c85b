"""Help the host's Alembic live beside ours: keep its autogenerate away from our tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TABLE_PREFIX = "ninjaone_"
#: The extension's Alembic revisions (branch ``ninjaone``), added to the host's version locations.
MIGRATIONS_DIR = Path(__file__).parent / "migrations" / "versions"


def is_ninjaone_table(name: str | None) -> bool:
    """Whether a table (or an index/constraint's table) belongs to the extension."""
    return name is not None and name.startswith(TABLE_PREFIX)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic ``include_object`` hook for the HOST's migrations: skip the extension's tables.

    Without it, the host's autogenerate sees our tables in the database but not in the host's
    metadata and proposes to drop them. Pass it as ``Migrate(app, db, include_object=include_object)``.
    """
    if type_ == "table":
        return not is_ninjaone_table(name)
    table = getattr(obj, "table", None)
    return not is_ninjaone_table(getattr(table, "name", None))
