"""Is the database at all Alembic heads, with the extension's branch at its head and its tables present?"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from ..migrations_support import MIGRATIONS_DIR
from ..models import metadata
from ..state import get_state
from .results import Check, fail, ok, short_error

NAME = "database"
UPGRADE = "Run `flask db upgrade heads` (plural: the extension's branch is a head of its own)"


def check_database(app: Flask) -> Check:
    """Every head the code knows is applied (the extension's branch included), and every table exists.

    A deploy script running ``flask db upgrade`` (singular) fails once there are two heads, or an
    upgraded package ships a revision nobody applied: both show up as a missing head here, before the
    first request fails with "no such table / column".
    """
    ours = _our_scripts()
    full = _host_scripts(app) or ours
    version_table = _version_table(app)
    try:
        with get_state(app).db.engine.connect() as conn:
            current = MigrationContext.configure(
                conn, opts={"version_table": version_table}
            ).get_current_heads()
            tables = set(inspect(conn).get_table_names())
    except SQLAlchemyError as exc:
        return fail(NAME, f"cannot read the database ({short_error(exc)})", "Check SQLALCHEMY_DATABASE_URI")
    known = {script.revision for script in full.walk_revisions()}
    unknown = [rev for rev in current if rev not in known]
    if unknown and full is not ours:
        return fail(
            NAME,
            f"the database is at revision(s) no installed migration knows: {', '.join(unknown)}",
            "Deploy the code (and flask-ninjaone version) that wrote them, or downgrade the database with "
            "that code first",
        )
    applied = _applied(full, [rev for rev in current if rev in known])
    our_head = ours.get_current_head()
    missing_tables = sorted(set(metadata.tables) - tables)
    if our_head not in applied:
        our_current = sorted(applied & {script.revision for script in ours.walk_revisions()})
        if our_current:
            found = f"the ninjaone branch is at {our_current[-1]}, below its head {our_head}"
        elif missing_tables:
            found = f"the ninjaone branch is not applied (head {our_head}); its tables are missing"
        else:
            return fail(
                NAME,
                "the ninjaone tables exist but Alembic never recorded the ninjaone branch "
                "(created with create_all?)",
                f"If they match this version, run `flask db stamp {our_head}`; else recreate them "
                "with `flask db upgrade heads`",
            )
        return fail(NAME, found, UPGRADE)
    behind = [head for head in full.get_heads() if head not in applied]
    if behind:
        return fail(
            NAME,
            f"the ninjaone branch is at its head, but other head(s) are not applied: {', '.join(behind)}",
            UPGRADE,
        )
    if missing_tables:
        return fail(
            NAME,
            f"at head {our_head}, but {len(missing_tables)} table(s) are missing",
            "A table was dropped by hand: `flask db downgrade ninjaone@base` then `flask db upgrade heads` "
            "recreates them (and drops the extension's data)",
            *missing_tables,
        )
    return ok(NAME, f"at all heads (ninjaone at {our_head}); {len(metadata.tables)} tables present")


def _our_scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(Path(MIGRATIONS_DIR).parent))
    return ScriptDirectory.from_config(config)


def _host_scripts(app: Flask) -> ScriptDirectory | None:
    """The host's revisions and ours (through Flask-Migrate, which the extension adds ours to), or
    ``None`` when the host has no Flask-Migrate or no migrations directory yet: then only ours count."""
    migrate = app.extensions.get("migrate")
    if migrate is None or not Path(migrate.directory).is_dir():
        return None
    return ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))


def _version_table(app: Flask) -> str:
    migrate = app.extensions.get("migrate")
    kwargs = migrate.configure_args if migrate is not None else {}
    return str(kwargs.get("version_table", "alembic_version"))


def _applied(scripts: ScriptDirectory, heads: Iterable[str]) -> set[str]:
    """Every revision at or below ``heads``: a host revision that depends on ours, or a merge, can be
    the only head recorded while ours is applied beneath it."""
    heads = tuple(heads)
    if not heads:
        return set()
    return {script.revision for script in scripts.iterate_revisions(heads, "base")}
