"""The architecture checks .ci/run runs: the import contracts cover every module, and
tools/import_cycles.py finds cycles, lazy imports included."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "import_cycles.py"
PACKAGE = ROOT / "flask_ninjaone"
#: What a view may not do with the request's session: read, write, or end its transaction.
SESSION_METHODS = frozenset(
    {"add", "add_all", "begin", "begin_nested", "commit", "delete", "execute", "expunge", "flush", "get",
     "merge", "query", "refresh", "rollback", "scalar", "scalars"}
)  # fmt: skip
#: Calls that build or run a query (``get_scoped`` reads a row by id).
QUERY_CALLS = frozenset({"select", "insert", "update", "delete", "func", "text", "get_scoped"})


def top_level_modules() -> set[str]:
    """The package's modules and subpackages, but the test kit and the Alembic scripts."""
    names = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    names |= {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    return names - {"testing", "migrations"}


def contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {contract["name"]: contract for contract in config["contracts"]}


def test_every_module_has_a_layer_and_is_kept_from_the_test_kit():
    """A new module outside the contracts would be checked by neither: each must be placed."""
    by_name = contracts()
    layers = by_name["Layers: a module imports only from layers below its own"]["layers"]
    layered = {name for layer in layers for name in re.split(r"[|:]", layer)}
    assert top_level_modules() == {name.strip() for name in layered}
    production = by_name["Production code does not import the test kit"]["source_modules"]
    assert {name.removeprefix("flask_ninjaone.") for name in production} == top_level_modules()


def run(package: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), str(package), *options], capture_output=True, text=True, check=False
    )


def make_package(root: Path, files: dict[str, str]) -> Path:
    package = root / "pkg"
    for name, source in {"__init__.py": "", **files}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return package


def test_a_cycle_through_a_function_level_import_fails(tmp_path):
    package = make_package(
        tmp_path,
        {
            "low.py": "def helper():\n    from .high import VALUE\n    return VALUE\n",
            "high.py": "from .low import helper\nVALUE = 1\n",
        },
    )
    result = run(package, "--list-lazy")
    assert result.returncode == 1
    assert "cycle of 2 modules: pkg.high, pkg.low" in result.stdout
    assert "lazy import: pkg.low:2 -> pkg.high" in result.stdout


def test_type_checking_imports_and_one_way_imports_pass(tmp_path):
    package = make_package(
        tmp_path,
        {
            "low.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .high import VALUE\n",
            "high.py": "from . import low\nVALUE = 1\n",
        },
    )
    result = run(package)
    assert result.returncode == 0, result.stdout
    assert "0 import cycle(s); 0 function-level import statement(s)" in result.stdout


def test_a_package_importing_its_submodules_is_no_cycle_unless_one_imports_it_back(tmp_path):
    package = make_package(
        tmp_path,
        {
            "sub/__init__.py": "from .views import page\nNAME = 'sub'\n",
            "sub/views.py": "from . import helpers\ndef page():\n    return helpers.x\n",
            "sub/helpers.py": "x = 1\n",
        },
    )
    assert run(package).returncode == 0
    (package / "sub" / "helpers.py").write_text("def name():\n    from . import NAME\n    return NAME\n")
    (package / "sub" / "views.py").write_text("from . import helpers\ndef page():\n    return helpers\n")
    result = run(package)
    assert result.returncode == 1
    assert "pkg.sub, pkg.sub.helpers, pkg.sub.views" in result.stdout


def test_flask_ninjaone_has_no_import_cycle():
    result = run(ROOT / "flask_ninjaone")
    assert result.returncode == 0, result.stdout


def _is_model(node: ast.expr) -> bool:
    """Whether ``node`` names a class (``Device``, ``models.Device``): ``Model.query`` is the ORM's,
    ``parts.query`` a URL's."""
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return name[:1].isupper()


def database_access(source: str) -> list[str]:
    """Where ``source`` touches the database itself: a method of the session (named ``db.session``, or a
    name or helper function bound to it), a query built or run, or ``Model.query``."""
    tree = ast.parse(source)
    bound: set[str] = set()

    def is_session(node: ast.expr) -> bool:
        if "db.session" in ast.unparse(node):
            return True
        if isinstance(node, ast.Call):
            node = node.func
        return isinstance(node, ast.Name) and node.id in bound

    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
            isinstance(inner, ast.Return) and inner.value is not None and is_session(inner.value)
            for inner in ast.walk(node)
        ):
            bound.add(node.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and is_session(node.value):
            bound |= {target.id for target in node.targets if isinstance(target, ast.Name)}

    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call | ast.Attribute):
            continue
        if isinstance(node, ast.Attribute) and node.attr == "query" and _is_model(node.value):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SESSION_METHODS and is_session(node.func.value):
                found.append(f"{node.lineno}: {ast.unparse(node.func)}()")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in QUERY_CALLS:
            found.append(f"{node.lineno}: {node.func.id}()")
    return sorted(found, key=lambda where: int(where.split(":")[0]))


def test_views_and_commands_reach_the_database_only_through_the_domain():
    """A view or command parses and validates, calls the domain, then flashes, redirects, renders or
    prints; queries, writes, commits and rollbacks live in the domain packages (docs/architecture.md,
    "Checks"). Passing the session to a domain function is allowed: it is the unit of work's handle."""
    offenders = {}
    for path in sorted([*(PACKAGE / "blueprints").glob("*.py"), *(PACKAGE / "cli").glob("*.py")]):
        name = str(path.relative_to(ROOT))
        found = database_access(path.read_text(encoding="utf-8"))  # no exceptions (the last left in 16)
        if found:
            offenders[name] = found
    assert offenders == {}


def test_the_database_access_check_sees_each_form():
    source = (
        "from flask import session as flask_session\n"
        "def _session():\n    return get_state().db.session\n"
        "def view():\n"
        "    session = _session()\n"
        "    session.scalars(select(Device))\n"
        "    _session().commit()\n"
        "    get_state().db.session.rollback()\n"
        "    row = get_scoped(session, Alert, 1)\n"
        "    Device.query.all()\n"
        "    flask_session.get('key')\n"
        "    domain.function(session, 1)\n"
    )
    assert database_access(source) == [
        "6: session.scalars()", "6: select()", "7: _session().commit()",
        "8: get_state().db.session.rollback()", "9: get_scoped()", "10: Device.query",
    ]  # fmt: skip


def imports_of_other_test_modules(tests_root: Path) -> list[str]:
    """``file: module`` for each import, in a module under ``tests_root``, of another module under it
    that is not part of its ``support`` package.

    Helpers shared by tests live in ``tests/support/``; fixtures come from conftest.py by injection.
    Importing from a test module (or a conftest, which pytest may load under another name) ties tests
    together: moving or deleting one test breaks another, and a helper hides where nobody looks for it.
    """
    package = tests_root.name
    found = []
    for path in sorted(tests_root.rglob("*.py")):
        parts = list(path.relative_to(tests_root.parent).with_suffix("").parts)
        here = parts[:-1] if parts[-1] != "__init__" else parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                targets = [module] if node.module else [f"{module}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                inside = target == package or target.startswith(package + ".")
                if inside and not (target + ".").startswith(f"{package}.support."):
                    found.append(f"{path.relative_to(tests_root.parent)}: {target}")
    return found


def test_tests_import_shared_code_only_from_tests_support():
    assert imports_of_other_test_modules(ROOT / "tests") == []


def test_the_import_check_finds_imports_of_test_modules_and_conftests(tmp_path):
    root = tmp_path / "tests"
    files = {
        "__init__.py": "",
        "support/__init__.py": "",
        "support/world.py": "from tests.support import shared\n",
        "support/shared.py": "",
        "a/__init__.py": "",
        "a/conftest.py": "from ..support.world import x\n",
        "a/test_one.py": "from .conftest import helper\nfrom tests.b.test_two import other\n",
        "a/test_ok.py": "from tests.support.world import x\nfrom ..support import shared\n",
        "b/__init__.py": "",
        "b/test_two.py": "import tests.a.test_one\nfrom . import test_three\n",
    }
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    assert imports_of_other_test_modules(root) == [
        "tests/a/test_one.py: tests.a.conftest",
        "tests/a/test_one.py: tests.b.test_two",
        "tests/b/test_two.py: tests.a.test_one",
        "tests/b/test_two.py: tests.b.test_three",
    ]
