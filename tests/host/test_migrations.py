"""The real Alembic path: ``flask db upgrade heads`` builds everything, and the host's revision
matches its models exactly (so nobody's next autogenerate starts with surprise changes)."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from flask_ninjaone import include_object
from sample_host import MIGRATIONS_DIR
from sample_host.database import db
from tests.support.host_app import build_app


def test_upgrade_heads_creates_host_and_extension_tables_matching_the_models(tmp_path: Path) -> None:
    app = build_app(tmp_path / "migrated.db")
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        tables = set(inspect(db.engine).get_table_names())
        assert {table.name for table in db.metadata.sorted_tables} <= tables
        assert any(name.startswith("ninjaone_") for name in tables), "the extension's branch did not run"

        configure_args = app.extensions["migrate"].configure_args
        assert configure_args["include_object"] is include_object
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=dict(configure_args))
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()


def test_host_revisions_live_on_their_own_labelled_base(tmp_path: Path) -> None:
    app = build_app(tmp_path / "unused.db")
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
    scripts = ScriptDirectory.from_config(config)
    host_base = [
        rev for rev in scripts.get_bases() if "sample_host" in (scripts.get_revision(rev).branch_labels)
    ]
    assert len(host_base) == 1
    for revision in scripts.walk_revisions(head="sample_host@head"):
        assert revision.path.startswith(str(MIGRATIONS_DIR))
