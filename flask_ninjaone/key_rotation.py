"""Re-encrypt every stored secret under the newest Fernet key (``flask ninjaone rotate-keys``)."""

from __future__ import annotations

from sqlalchemy import Text, select, type_coerce, update
from sqlalchemy.orm import Session

from .crypto import EncryptedText, fernet_for
from .models import Base


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every encrypted column, found from the models so none can be forgotten."""
    return [
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def rotate_all(session: Session) -> int:
    """Rotate every non-null secret in one transaction; returns how many values were rewritten.

    Works on the raw tokens (no decrypt/encrypt round trip through the column type) with
    :meth:`MultiFernet.rotate`, which keeps the original timestamp and fails if any token is
    unreadable, so a missing old key aborts the whole rotation instead of half of it.
    """
    fernet = fernet_for()
    rewritten = 0
    for table_name, column_name in encrypted_columns():
        table = Base.metadata.tables[table_name]
        raw = type_coerce(table.c[column_name], Text)
        rows = session.execute(select(table.c.id, raw).where(table.c[column_name].is_not(None))).all()
        for row_id, token in rows:
            rotated = fernet.rotate(token.encode()).decode()
            session.execute(
                update(table).where(table.c.id == row_id).values({column_name: type_coerce(rotated, Text)})
            )
            rewritten += 1
    session.commit()
    return rewritten
