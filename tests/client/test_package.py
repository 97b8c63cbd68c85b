"""Package boundaries: the client stays free of Flask and databases, and exports what it documents."""

from __future__ import annotations

import ast
from pathlib import Path

import flask_ninjaone.client as client_package
from flask_ninjaone.client.errors import redact

CLIENT_DIR = Path(client_package.__file__).parent
FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_wtf", "sqlalchemy", "alembic", "redis", "rq")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_flask_or_database_imports() -> None:
    files = sorted(CLIENT_DIR.rglob("*.py"))
    assert len(files) >= 10
    offenders = {
        f"{path.relative_to(CLIENT_DIR)}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN or name.startswith("flask_ninjaone")
    }
    assert offenders == set()


def test_public_names_resolve() -> None:
    for name in client_package.__all__:
        assert getattr(client_package, name) is not None


def test_redact_ignores_values_too_short_to_be_credentials() -> None:
    assert redact("invalid_client abcdefgh1", ["c", "", None, "abcdefgh1"]) == "invalid_client ***"
    assert redact(None, ["abcdefgh1"]) is None
