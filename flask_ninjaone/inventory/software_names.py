"""The list of software names the fleet search matches first (``ninjaone_software_names``).

The list must hold every (name key, publisher) pair of ``ninjaone_software``: a missing pair hides
its rows from the search. The inventory writer, the one place that inserts and deletes software
rows, calls :func:`add_names` with the rows it inserts and :func:`drop_unused` with the pairs of
the rows it deleted (updates keep a row's name and publisher). A pair that is left over costs the
search one empty index probe; a missing one would lose results, so adding never depends on a read.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, exists, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..bulk import analyze_after_bulk_load
from ..models import Software, SoftwareName
from ..models.base import table_of

Pair = tuple[str, str]


def add_names(session: Session, tenant_id: str, integration_id: int, pairs: Iterable[Pair]) -> None:
    """Record the pairs of newly inserted software rows; pairs already listed are left as they are
    (``ON CONFLICT DO NOTHING``: two writers adding the same new name both succeed)."""
    rows = [
        {
            "tenant_id": tenant_id,
            "integration_id": integration_id,
            "name_key": name_key,
            "publisher": publisher,
        }
        for name_key, publisher in sorted(set(pairs))
    ]
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(SoftwareName).on_conflict_do_nothing(), rows)
    analyze_after_bulk_load(session, table_of(SoftwareName), len(rows))  # as the software rows are


def drop_unused(session: Session, integration_id: int, pairs: Iterable[Pair]) -> None:
    """Forget the given pairs that no software row of the integration has any more."""
    wanted = sorted(set(pairs))
    if not wanted:
        return
    still_used = exists().where(
        Software.tenant_id == SoftwareName.tenant_id,
        Software.integration_id == SoftwareName.integration_id,
        Software.name_key == SoftwareName.name_key,
        Software.publisher == SoftwareName.publisher,
    )
    session.execute(
        delete(SoftwareName).where(
            SoftwareName.integration_id == integration_id,
            tuple_(SoftwareName.name_key, SoftwareName.publisher).in_(wanted),
            ~still_used,
        )
    )
