"""Docs that are generated must not drift from the code."""

import inspect
import re
from pathlib import Path

from blinker import NamedSignal

from flask_ninjaone import HostAdapter, host, signals
from flask_ninjaone.config import reference_markdown
from flask_ninjaone.host_reference import BLOCKS, page_blocks
from flask_ninjaone.host_reference import reference_markdown as adapter_reference
from flask_ninjaone.testing import pytest_plugin
from flask_ninjaone.testing.fake_ninjaone import FakeState, create_fake_app

ROOT = Path(__file__).resolve().parents[1]


def test_configuration_reference_is_current():
    assert (ROOT / "docs" / "configuration.md").read_text() == reference_markdown(), (
        "regenerate with: flask --app sample_host ninjaone config-reference > docs/configuration.md"
    )


def test_host_adapter_reference_is_current():
    assert (ROOT / "docs" / "host-adapter.md").read_text() == adapter_reference(), (
        "regenerate with: flask --app sample_host ninjaone adapter-reference > docs/host-adapter.md"
    )


def test_adapter_reference_command_prints_the_reference(app):
    result = app.test_cli_runner().invoke(args=["ninjaone", "adapter-reference"])
    assert result.exit_code == 0
    assert result.output == adapter_reference()


def test_adapter_reference_covers_every_method_type_signal_and_block():
    reference = (ROOT / "docs" / "host-adapter.md").read_text()
    methods = [name for name, _ in inspect.getmembers(HostAdapter, inspect.isfunction) if name[0] != "_"]
    assert [m for m in methods if f"#### `{m}` (" not in reference] == []
    seam_types = [
        name for name, value in vars(host).items()
        if isinstance(value, type) and value.__module__ == host.__name__ and value is not HostAdapter
    ]  # fmt: skip
    assert len(seam_types) >= 12
    assert [t for t in seam_types if f"### `{t}`" not in reference] == []
    signal_names = [s.name for s in vars(signals).values() if isinstance(s, NamedSignal)]
    assert len(signal_names) == 10
    assert [s for s in signal_names if f"`{s}`" not in reference] == []
    used = set().union(*page_blocks().values())
    assert used == set(BLOCKS) == {"title", "head", "content"}
    assert all(f"| `{block}` |" in reference for block in BLOCKS)


def test_fake_ninjaone_guide_covers_every_control_route_and_plugin_fixture():
    guide = (ROOT / "docs" / "fake-ninjaone.md").read_text()
    documented = {
        re.sub(r"<[^>]+>", "<>", route)
        for route in re.findall(r"`((?:GET|POST|PUT|PATCH|DELETE) /_fake/[^`]*)`", guide)
    }
    routes = {
        f"{method} {re.sub(r'<[^>]+>', '<>', rule.rule)}"
        for rule in create_fake_app(FakeState()).url_map.iter_rules()
        if rule.rule.startswith("/_fake/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(routes) >= 23
    assert sorted(routes - documented) == []
    fixtures = [name for name in vars(pytest_plugin) if name.startswith("ninjaone_")]
    assert len(fixtures) == 8
    assert [name for name in fixtures if f"| `{name}` |" not in guide] == []


def test_readme_links_every_guide():
    readme = (ROOT / "README.md").read_text()
    docs = sorted(path.name for path in (ROOT / "docs").glob("*.md"))
    assert [name for name in docs if f"](docs/{name})" not in readme] == []


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [line for line in quickstart.splitlines() if line.startswith("python3 ")]
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text()


def test_every_host_adapter_method_is_documented():
    guide = (ROOT / "docs" / "host-integration.md").read_text()
    methods = [
        name for name, _ in inspect.getmembers(HostAdapter, inspect.isfunction) if not name.startswith("_")
    ]
    assert methods
    assert [m for m in methods if f"`{m}(" not in guide] == []
