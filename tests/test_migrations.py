"""Migrations: shipped in the wheel, picked up by the host's Flask-Migrate, reversible, and in
agreement with the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, Table, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from flask_ninjaone.models import metadata
from tests.support.services import postgres_url, reset_postgres

ROOT = Path(__file__).resolve().parents[1]
OUR_TABLES = set(metadata.tables)
WINDOWS = "ninjaone_maintenance_windows"


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    """Build the wheel and install it (without deps) into a directory outside the source tree."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", out, ROOT],
        check=True,
        capture_output=True,
    )
    wheel = next(out.glob("flask_ninjaone-*.whl"))
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", target, wheel],
        check=True,
        capture_output=True,
    )
    assert (target / "flask_ninjaone" / "migrations" / "versions" / "0001_ninjaone_initial.py").exists()
    assert (target / "flask_ninjaone" / "templates" / "ninjaone" / "settings.html").exists()
    assert (target / "flask_ninjaone" / "py.typed").exists()  # PEP 561: hosts' type checkers read our hints
    return target


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'host.db'}"
    url = postgres_url()
    reset_postgres(url)
    return url


def _flask(
    args: list[str], *, site: Path, workdir: Path, database_url: str, key: str, **env_vars: str
) -> str:
    """Run ``python -m <args>`` (default: the flask CLI) as the throwaway host, from the wheel."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(workdir)]),
        "DATABASE_URL": database_url,
        "NINJAONE_ENCRYPTION_KEYS": key,
        "MIGRATIONS_DIR": str(workdir / "migrations"),
        "FLASK_APP": "throwaway_host:create_app",
        **env_vars,
    }
    command = args if args[0] == "-c" else ["-m", "flask", *args]
    result = subprocess.run([sys.executable, *command], cwd=workdir, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_host_upgrade_and_downgrade_from_installed_wheel(
    installed_wheel, any_database, tmp_path, encryption_key
):
    workdir = tmp_path / "host"
    workdir.mkdir()
    shutil.copy(ROOT / "tests" / "support" / "throwaway_host.py", workdir / "throwaway_host.py")
    run = lambda *args: _flask(  # noqa: E731
        list(args), site=installed_wheel, workdir=workdir, database_url=any_database, key=encryption_key
    )
    origin = run("-c", "import flask_ninjaone; print(flask_ninjaone.__file__)")
    assert str(installed_wheel) in origin, "the test must run the installed wheel, not the source tree"

    run("db", "init")
    run("db", "upgrade", "heads")  # the host has no revision yet: only ours apply
    assert _tables(any_database) >= OUR_TABLES

    # A host with no revisions yet starts its own branch (documented in docs/host-integration.md).
    host_versions = workdir / "migrations" / "versions"
    run("db", "migrate", "-m", "host widgets", "--head", "base", "--branch-label", "host",
        "--version-path", str(host_versions))  # fmt: skip
    host_revision = next(host_versions.glob("*.py")).read_text()
    assert "widgets" in host_revision and "ninjaone_" not in host_revision
    run("db", "upgrade", "heads")
    assert OUR_TABLES | {"widgets"} <= _tables(any_database)
    # With both branches applied, the host's autogenerate sees nothing to do: our tables are ignored.
    assert "No changes in schema detected" in run("db", "migrate", "-m", "noop", "--head", "host@head")
    shipped = sorted(
        p.name for p in (installed_wheel / "flask_ninjaone" / "migrations" / "versions").glob("*.py")
    )
    assert shipped == sorted(
        p.name for p in (ROOT / "flask_ninjaone" / "migrations" / "versions").glob("*.py")
    )

    # Undoing the host's last revision moves only the host's branch (the documented recipe).
    run("db", "downgrade", "host@-1")
    assert "widgets" not in _tables(any_database) and _tables(any_database) >= OUR_TABLES
    run("db", "upgrade", "heads")
    run("db", "downgrade", "ninjaone@base")
    remaining = _tables(any_database)
    assert not (OUR_TABLES & remaining)
    assert "widgets" in remaining


def test_migrate_initialised_after_the_extension_still_gets_our_revisions(
    installed_wheel, tmp_path, encryption_key
):
    """Init order must not matter: with ``Migrate`` initialised after ``NinjaOne`` our revisions used
    to be missing, and ``flask db upgrade heads`` created no ``ninjaone_*`` table."""
    workdir = tmp_path / "host"
    workdir.mkdir()
    shutil.copy(ROOT / "tests" / "support" / "throwaway_host.py", workdir / "throwaway_host.py")
    database = f"sqlite:///{tmp_path / 'host.db'}"
    for args in (["db", "init"], ["db", "upgrade", "heads"]):
        _flask(args, site=installed_wheel, workdir=workdir, database_url=database, key=encryption_key,
               INIT_ORDER="ninjaone-first")  # fmt: skip
    assert _tables(database) >= OUR_TABLES


def _created_on(obj, dialect: str) -> bool:
    """Whether ``create_all`` makes ``obj`` on this dialect: a ``ddl_if(dialect=...)`` index (the
    PostgreSQL-only prefix-search index) is not expected elsewhere, and its migration skips it too."""
    condition = getattr(obj, "_ddl_if", None)
    return condition is None or condition.dialect is None or condition.dialect == dialect


def _host_at(revision: str, site: Path, database_url: str, tmp_path: Path, key: str) -> dict[str, Any]:
    """A throwaway host from the wheel whose database is migrated up to ``revision``: the arguments of
    :func:`_flask` for it."""
    workdir = tmp_path / "host"
    workdir.mkdir()
    shutil.copy(ROOT / "tests" / "support" / "throwaway_host.py", workdir / "throwaway_host.py")
    args: dict[str, Any] = {"site": site, "workdir": workdir, "database_url": database_url, "key": key}
    _flask(["db", "init"], **args)
    _flask(["db", "upgrade", revision], **args)
    return args


def test_models_and_migrations_agree(installed_wheel, any_database, tmp_path, encryption_key):
    _host_at("heads", installed_wheel, any_database, tmp_path, encryption_key)

    engine = create_engine(any_database)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, *rest: (
                    (type_ != "table" or name in OUR_TABLES) and _created_on(obj, engine.dialect.name)
                ),
            },
        )
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def test_revision_ids_fit_alembic_version_column():
    """``alembic_version.version_num`` is VARCHAR(32): SQLite never complains, PostgreSQL refuses."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "flask_ninjaone" / "migrations"))
    revisions = [script.revision for script in ScriptDirectory.from_config(config).walk_revisions()]
    assert len(revisions) >= 3
    assert [r for r in revisions if len(r) > 32] == []


def _seed_instances(conn: Connection, tables: MetaData, now: datetime) -> dict[str, int]:
    """Two tenants' instances and organizations, as the scope migrations (0019, 0021) meet them: t1 has
    a retired instance (``old``, organization 2) and two live ones (``first``: organization 1;
    ``second``: organizations 1 and 2), t2 only a retired one (``gone``). Returns their ids by name."""
    integrations = tables.tables["ninjaone_integrations"]
    mappings = tables.tables["ninjaone_organization_mappings"]
    ids: dict[str, int] = {}
    for name, tenant, retired in (("old", "t1", now), ("first", "t1", None), ("second", "t1", None),
                                  ("gone", "t2", now)):  # fmt: skip
        ids[name] = conn.execute(integrations.insert().values(
            tenant_id=tenant, public_id=f"pub-{name}", name=name, base_url=f"https://{name}.invalid",
            auth_mode="client_credentials", status="connected", webhook_state="off", auto_sync=True,
            sync_interval_minutes=60, inventory_interval_minutes=360, sync_pending_devices=False,
            created_at=now, updated_at=now, retired_at=retired,
        )).inserted_primary_key[0]  # fmt: skip
    for instance, organization in (("old", 2), ("first", 1), ("second", 1), ("second", 2)):
        conn.execute(mappings.insert().values(
            tenant_id="t1", integration_id=ids[instance], organization_id=organization,
            name=f"Org {organization}", locations=[], state="mapped", auto_sync=True, device_count=0,
            updated_at=now,
        ))  # fmt: skip
    return ids


def _seed_rules_before_0019(url: str) -> dict[str, int]:
    """Two tenants' instances, organizations and rules as they stood before 0019: t1 has a retired
    instance and two live ones (the younger knows organization 2, both know 1), t2 only a retired one.
    Returns the ids by name (instances ``old``/``first``/``second``/``gone``, rules by name)."""
    engine = create_engine(url)
    tables = MetaData()
    names = ("ninjaone_integrations", "ninjaone_organization_mappings", "ninjaone_alert_rules")
    tables.reflect(engine, only=names)
    rules = tables.tables["ninjaone_alert_rules"]
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            ids = _seed_instances(conn, tables, now)
            for position, (name, tenant, conditions) in enumerate((
                ("org 1", "t1", {"organization_ids": [1]}),
                ("org 2", "t1", {"organization_ids": [2]}),
                ("org 3", "t1", {"organization_ids": [3]}),
                ("role", "t1", {"role_ids": [7]}),
                ("severity", "t1", {"severities": ["CRITICAL"], "organization_ids": []}),
                ("disconnected", "t2", {"organization_ids": [1]}),
            )):  # fmt: skip
                ids[name] = conn.execute(rules.insert().values(
                    tenant_id=tenant, position=position, name=name, active=True, catch_all=False,
                    conditions=conditions, actions={}, created_at=now, updated_at=now,
                )).inserted_primary_key[0]  # fmt: skip
    finally:
        engine.dispose()
    return ids


def _scopes(url: str, table: str) -> dict[str, Any]:
    """Row name → instance scope of the rules or windows ``table`` (``None`` once the column is gone)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            columns = {column["name"] for column in inspect(conn).get_columns(table)}
            scope = "integration_id" if "integration_id" in columns else "NULL"
            return {name: value for name, value in conn.execute(text(f"SELECT name, {scope} FROM {table}"))}
    finally:
        engine.dispose()


def test_0019_scopes_existing_rules_naming_organizations_or_roles_and_downgrades(
    installed_wheel, any_database, tmp_path, encryption_key
):
    args = _host_at("0018_search_software_names", installed_wheel, any_database, tmp_path, encryption_key)
    ids = _seed_rules_before_0019(any_database)

    _flask(["db", "upgrade", "0019_rules_instance_scope"], **args)
    scoped = _scopes(any_database, "ninjaone_alert_rules")
    assert scoped == {
        "org 1": ids["first"],  # the oldest live instance that knows organization 1
        "org 2": ids["second"],  # the first knows no organization 2 (the retired one never counts)
        "org 3": ids["first"],  # no live instance knows it: the oldest live one
        "role": ids["first"],
        "severity": None,  # no instance-specific id: it still applies to every instance
        "disconnected": None,  # t2 has no live instance to scope to
    }

    _flask(["db", "downgrade", "0018_search_software_names"], **args)
    assert _scopes(any_database, "ninjaone_alert_rules") == dict.fromkeys(scoped)


def _seed_windows_before_0021(url: str) -> dict[str, int]:
    """Two tenants' instances, organizations, devices and maintenance windows as they stood before 0021:
    t1 has a retired instance (``old``: organization 2, device 30) and two live ones (``first``:
    organization 1, device 10 and a retired device 20; ``second``: organizations 1 and 2, devices 10
    and 20), t2 only a retired one. Returns the instances' ids by name."""
    engine = create_engine(url)
    tables = MetaData()
    names = ("ninjaone_integrations", "ninjaone_organization_mappings", "ninjaone_devices",
             "ninjaone_maintenance_windows")  # fmt: skip
    tables.reflect(engine, only=names)
    devices, windows = tables.tables["ninjaone_devices"], tables.tables["ninjaone_maintenance_windows"]
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            ids = _seed_instances(conn, tables, now)
            for instance, device, retired in (("old", 30, False), ("first", 10, False), ("first", 20, True),
                                              ("second", 10, False), ("second", 20, False)):  # fmt: skip
                conn.execute(devices.insert().values(
                    tenant_id="t1", integration_id=ids[instance], device_id=device, name=f"PC {device}",
                    agent_status="online", hardware={}, active_alerts=0, retired=retired, synced_at=now,
                ))  # fmt: skip
            for name, tenant, organization, device in (
                ("everything", "t1", None, None), ("org 1", "t1", 1, None), ("org 2", "t1", 2, None),
                ("org 9", "t1", 9, None), ("device 10", "t1", None, 10), ("device 20", "t1", None, 20),
                ("device 30", "t1", None, 30), ("org 1 device 20", "t1", 1, 20),
                ("disconnected", "t2", None, 10),
            ):  # fmt: skip
                conn.execute(windows.insert().values(
                    tenant_id=tenant, name=name, organization_id=organization, device_id=device,
                    recurrence="daily", weekdays=[], start_time="02:00", duration_minutes=60, timezone="UTC",
                    active=True, ninjaone_maintenance=False, created_at=now,
                ))  # fmt: skip
    finally:
        engine.dispose()
    return ids


def test_0021_scopes_existing_windows_naming_organizations_or_devices_and_downgrades(
    installed_wheel, any_database, tmp_path, encryption_key
):
    args = _host_at("0019_rules_instance_scope", installed_wheel, any_database, tmp_path, encryption_key)
    ids = _seed_windows_before_0021(any_database)

    _flask(["db", "upgrade", "0021_windows_instance_scope"], **args)
    scoped = _scopes(any_database, WINDOWS)
    assert scoped == {
        "everything": None,  # names no id: it still covers every instance
        "org 1": ids["first"],  # the oldest live instance that knows organization 1
        "org 2": ids["second"],  # the first knows no organization 2 (the retired one never counts)
        "org 9": ids["first"],  # no live instance knows it: the oldest live one
        "device 10": ids["first"],
        "device 20": ids["second"],  # the first's device 20 is retired
        "device 30": ids["first"],  # only the retired instance has it
        "org 1 device 20": ids["second"],  # knowing both
        "disconnected": None,  # t2 has no live instance to scope to
    }

    _flask(["db", "downgrade", "0019_rules_instance_scope"], **args)
    assert _scopes(any_database, WINDOWS) == dict.fromkeys(scoped)


def test_0017_names_existing_instances_whose_derived_names_clash(
    installed_wheel, any_database, tmp_path, encryption_key
):
    """0017 names every existing integration from its region or host; two rows of one tenant that would
    get the same name (a retired one among them) get ``-2``, ``-3`` in id order, another tenant keeps the
    plain name, and the names are then unique per tenant."""
    workdir = tmp_path / "host"
    workdir.mkdir()
    shutil.copy(ROOT / "tests" / "support" / "throwaway_host.py", workdir / "throwaway_host.py")
    args = {"site": installed_wheel, "workdir": workdir, "database_url": any_database, "key": encryption_key}
    _flask(["db", "init"], **args)
    _flask(["db", "upgrade", "0016_warranty_billing"], **args)
    long_host = "n" * 70 + ".example.com"
    rows = [  # (tenant, region, base_url, retired)
        ("t1", "eu", "https://eu.ninjarmm.com", False),
        ("t1", None, "http://eu", False),  # its host is "eu": the region's name
        ("t1", "eu", "https://old-eu.example.com", True),  # retired, same region: a third "eu"
        ("t2", "eu", "https://eu.ninjarmm.com", False),  # another tenant: its own "eu"
        ("t1", None, f"https://{long_host}/a", False),
        ("t1", None, f"https://{long_host}/b", False),  # the same 64-character name, cut for "-2"
    ]
    engine = create_engine(any_database)
    table = Table("ninjaone_integrations", MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        for index, (tenant, region, base_url, retired) in enumerate(rows, start=1):
            conn.execute(
                table.insert().values(
                    id=index, tenant_id=tenant, public_id=f"public-{index}", region=region, base_url=base_url,
                    auth_mode="authorization_code", status="disconnected", webhook_state="off",
                    auto_sync=True, sync_interval_minutes=60, inventory_interval_minutes=360,
                    sync_pending_devices=False,
                    created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1),
                    retired_at=datetime(2026, 2, 1) if retired else None,
                )
            )  # fmt: skip
    _flask(["db", "upgrade", "0017_instances_names"], **args)
    with engine.connect() as conn:
        names = dict(conn.execute(text("SELECT id, name FROM ninjaone_integrations ORDER BY id")).all())
    long_name = long_host[:64]
    assert names == {1: "eu", 2: "eu-2", 3: "eu-3", 4: "eu", 5: long_name, 6: long_name[:62] + "-2"}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE ninjaone_integrations SET name = 'eu' WHERE id = 2"))
    _flask(["db", "downgrade", "0016_warranty_billing"], **args)  # and back: the names are derived again
    _flask(["db", "upgrade", "0017_instances_names"], **args)
    with engine.connect() as conn:
        again = dict(conn.execute(text("SELECT id, name FROM ninjaone_integrations ORDER BY id")).all())
    engine.dispose()
    assert again == names
