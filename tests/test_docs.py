"""Docs that are generated must not drift from the code."""

from pathlib import Path

from flask_ninjaone.config import reference_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_configuration_reference_is_current():
    assert (ROOT / "docs" / "configuration.md").read_text() == reference_markdown(), (
        "regenerate with: flask --app sample_host ninjaone config-reference > docs/configuration.md"
    )


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [line for line in quickstart.splitlines() if line.startswith("python3 ")]
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text()


def test_every_host_adapter_method_is_documented():
    import inspect

    from flask_ninjaone import HostAdapter

    guide = (ROOT / "docs" / "host-integration.md").read_text()
    methods = [
        name for name, _ in inspect.getmembers(HostAdapter, inspect.isfunction) if not name.startswith("_")
    ]
    assert methods
    assert [m for m in methods if f"`{m}(" not in guide] == []
