"""Fail when the modules of a package import each other in a cycle, counting every import.

A function-level ("lazy") import is still a dependency: it only moves the failure from import time to
the first call, so it can hide a cycle (flask_ninjaone was once one cycle of 25 modules behind ~40 of
them). This check therefore reads each module's source and counts imports wherever they are, except
in ``if TYPE_CHECKING:`` blocks, which never run.

An edge goes to the module an import names: ``from pkg import name`` depends on ``pkg.name`` when that
is a module, else on ``pkg`` (its ``__init__``). The parent packages Python initialises on the way are
not counted, so a package ``__init__`` that imports its own submodules is no cycle. Alembic revision
scripts (``migrations/``) are loaded by path, never imported, and are skipped.

    python tools/import_cycles.py [PACKAGE_DIR] [--list-lazy]

prints each cycle (its modules) and the number of function-level imports (``--list-lazy`` lists
them), and exits 1 if there is any cycle. ``.ci/run`` runs it over ``flask_ninjaone``.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SKIPPED_DIRS = {"migrations", "__pycache__"}


@dataclass(frozen=True)
class Import:
    """One import statement of a module: where, what it depends on, and whether it runs lazily."""

    module: str
    line: int
    target: str
    lazy: bool


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name → file, for every module of ``package`` (outside the skipped folders)."""
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent)
        if SKIPPED_DIRS & set(relative.parts[:-1]):
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(
    nodes: list[ast.AST] | list[ast.stmt], lazy: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import in ``nodes`` with whether it sits in a function; ``TYPE_CHECKING`` bodies skipped."""
    for node in nodes:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _statements(node.orelse, lazy)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, lazy
            continue
        inner = lazy or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _statements(list(ast.iter_child_nodes(node)), inner)


def imports_of(name: str, path: Path, modules: set[str]) -> list[Import]:
    """The imports of module ``name`` that land on a module of the package."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []
    for statement, lazy in _statements(ast.parse(path.read_text(encoding="utf-8"), str(path)).body):
        if isinstance(statement, ast.Import):
            targets = [alias.name for alias in statement.names]
        else:
            base = statement.module or ""
            if statement.level:
                anchor = package.split(".")[: len(package.split(".")) - (statement.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in statement.names]
            targets = [target if target in modules else base for target in targets]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.append(Import(name, statement.lineno, target, lazy))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected sets of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def check(package: Path) -> tuple[list[list[str]], list[Import]]:
    """The cycles among ``package``'s modules and its function-level imports."""
    files = module_files(package)
    modules = set(files)
    every = [found for name, path in files.items() for found in imports_of(name, path, modules)]
    graph: dict[str, set[str]] = {name: set() for name in files}
    for found in every:
        graph[found.module].add(found.target)
    return cycles(graph), [found for found in every if found.lazy]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", default="flask_ninjaone", type=Path)
    parser.add_argument("--list-lazy", action="store_true", help="list the function-level imports")
    args = parser.parse_args(argv)
    found, lazy = check(args.package.resolve())
    for component in found:
        print(f"cycle of {len(component)} modules: {', '.join(component)}")
    statements: dict[tuple[str, int], list[str]] = {}
    for item in lazy:
        statements.setdefault((item.module, item.line), []).append(item.target)
    if args.list_lazy:
        for (module, line), targets in statements.items():
            print(f"lazy import: {module}:{line} -> {', '.join(sorted(set(targets)))}")
    print(f"{len(found)} import cycle(s); {len(statements)} function-level import statement(s), all counted")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
