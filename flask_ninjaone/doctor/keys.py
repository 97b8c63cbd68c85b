"""Are the encryption keys valid, and do the stored secrets decrypt with them?"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from sqlalchemy import Text, inspect, select, type_coerce
from sqlalchemy.exc import SQLAlchemyError

from ..config import ConfigError, setting
from ..crypto import fernet_for, parse_keys
from ..key_rotation import encrypted_columns
from ..models import Base
from ..state import get_state
from .results import Check, fail, ok, short_error, warn

NAME = "encryption_keys"
#: Secrets read per encrypted column: the newest rows, where a key removed too early shows first.
SAMPLE_PER_COLUMN = 5
RESTORE = (
    "Put the removed key back into NINJAONE_ENCRYPTION_KEYS (after the newest), run "
    "`flask ninjaone rotate-keys`, then drop the old key"
)


def check_encryption_keys(app: Flask) -> Check:
    """The key ring builds, and a sample of stored secrets decrypts with it.

    A valid key that is not the one the secrets were written with is the failure that hurts most
    (every token refresh and webhook fails), and only reading stored secrets reveals it. Secrets
    readable only with an older key are a warning: fine now, lost once that key is dropped.
    """
    try:
        ring = fernet_for(app)
    except ConfigError as exc:
        return fail(NAME, str(exc), "Generate a key with `flask ninjaone generate-key` and set it")
    keys = parse_keys(setting("NINJAONE_ENCRYPTION_KEYS", app))
    newest = Fernet(keys[0])
    try:
        tokens = _sample(app)
    except SQLAlchemyError as exc:
        return warn(
            NAME,
            f"{len(keys)} key(s) valid; stored secrets not sampled ({short_error(exc)})",
            "Fix the database check first",
        )
    unreadable, older = [], []
    for where, token in tokens:
        try:
            newest.decrypt(token.encode())
        except InvalidToken:
            try:
                ring.decrypt(token.encode())
                older.append(where)
            except InvalidToken:
                unreadable.append(where)
    sampled = f"{len(keys)} key(s) valid; {len(tokens)} sampled secret(s)"
    if unreadable:
        return fail(
            NAME,
            f"{sampled}: {len(unreadable)} do not decrypt with any configured key",
            RESTORE,
            *_counted(unreadable),
        )
    if older:
        return warn(
            NAME,
            f"{sampled}: {len(older)} only decrypt with an older key",
            "Run `flask ninjaone rotate-keys` before removing the older key",
            *_counted(older),
        )
    return ok(
        NAME,
        f"{sampled} decrypt with the newest key"
        if tokens
        else f"{len(keys)} key(s) valid; no stored secrets yet",
    )


def _sample(app: Flask) -> list[tuple[str, str]]:
    """(``table.column``, raw token) of the newest stored secrets, read as stored (no decryption).

    Read on a plain connection: no tenant scope applies, no ORM object is built, nothing is written.
    """
    engine = get_state(app).db.engine
    tokens: list[tuple[str, str]] = []
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        for table_name, column_name in encrypted_columns():
            if table_name not in present:
                continue  # the database check reports missing tables
            table = Base.metadata.tables[table_name]
            column = table.c[column_name]
            rows = conn.execute(
                select(type_coerce(column, Text))
                .where(column.is_not(None))
                .order_by(table.c.id.desc())
                .limit(SAMPLE_PER_COLUMN)
            ).scalars()
            tokens.extend((f"{table_name}.{column_name}", token) for token in rows)
    return tokens


def _counted(places: list[str]) -> tuple[str, ...]:
    return tuple(f"{place}: {places.count(place)}" for place in dict.fromkeys(places))
