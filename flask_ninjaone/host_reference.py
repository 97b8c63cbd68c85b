"""The host adapter reference (``docs/host-adapter.md``), generated from the code it documents.

A hand-written reference of the seam drifted from ``host.py`` as methods were added; generating it
from the docstrings, signatures, dataclass fields, signal docs and the extension's templates means
the code is the one place to change, and ``tests/test_docs.py`` fails when the file is stale
(regenerate with ``flask ninjaone adapter-reference > docs/host-adapter.md``).
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from . import host, signals
from .alerts.resets import ticket_closed
from .inventory.field_writes import asset_attributes_changed
from .tenancy import tenant_scope

TEMPLATES = Path(__file__).parent / "templates"
#: What each block of the host's base template is for, as the extension's pages use it. A page
#: filling a block not listed here fails the generator, so the contract below cannot go stale.
BLOCKS = {
    "title": "The page title (plain text); put it in your `<title>`.",
    "head": "Extra `<head>` content: the extension's stylesheet and script. Pages call `{{ super() }}`, "
    "so keep your own head content in this block if you have any.",
    "content": "The page body, inside your layout's main area.",
}
_EXTENDS_BASE = "{% extends ninjaone_base_template %}"
_BLOCK = re.compile(r"{%-?\s*block\s+(\w+)")
_ROLE = re.compile(r":\w+:`~?\.?([\w.]+)`")
_GROUP = re.compile(r"^\s*# --- (.+?) -+$")
_DEF = re.compile(r"^\s*def (\w+)\(")
_ATTRIBUTE_DOC = re.compile(r"^\s*#: ?(.*)$")
_ATTRIBUTE = re.compile(r"^\s*(\w+): [^=]+=")
_TRAILING_COMMENT = re.compile(r"^\s*(\w+)\b[^#]*#\s*(.+)$")

SIGNAL_EXAMPLE = """\
```python
from flask_ninjaone.signals import alert_received


@alert_received.connect_via(app)
def page_on_call(sender, *, tenant_id, new, ticket_id, **extra):
    if new and ticket_id is None:
        ...  # an alert no rule turned into a ticket
```
"""
SHIM_EXAMPLE = """\
The template must render `content` somewhere visible and `head` inside `<head>`; a block your
layout lacks is simply not shown. If your layout names its blocks differently, point
`base_template` at a five-line shim that maps ours onto yours:

```jinja
{# templates/ninjaone_shim.html, with HostAdapter.base_template = "ninjaone_shim.html" #}
{% extends "layout.html" %}
{% block page_title %}{% block title %}{% endblock %}{% endblock %}
{% block extra_css %}{% block head %}{% endblock %}{% endblock %}
{% block main %}{% block content %}{% endblock %}{% endblock %}
```

Each of your blocks now holds one of ours, which the extension's pages fill.
`tests/support/second_host/templates/ninjaone_shim.html` is this shim in use.
"""
#: The dataclasses and enums crossing the seam, in the order a host meets them.
SEAM_TYPES: tuple[type, ...] = (
    host.TenantRef,
    host.UserRef,
    host.Permission,
    host.ClientRef,
    host.SiteRef,
    host.AdoptionKeys,
    host.AssetMatch,
    host.AssetRecord,
    host.AssetType,
    host.Volume,
    host.TicketDraft,
    host.TicketState,
    host.FieldChoice,
    host.HostPages,
    host.AssetAttribute,
    host.AttributeUpdate,
    host.LogonUser,
    host.ContactRef,
)
#: What the host calls in the extension (the other direction of the seam).
HOST_CALLS: tuple[Callable[..., object], ...] = (ticket_closed, asset_attributes_changed, tenant_scope)


def _markdown(docstring: str | None) -> str:
    """A docstring as Markdown: reST roles and double backticks become code spans."""
    text = inspect.cleandoc(docstring or "")
    return _ROLE.sub(r"``\1``", text).replace("``", "`")


def _signature(function: Callable[..., object]) -> str:
    """``name(arg: type, ...) -> type`` without ``self`` (annotations are strings: no quotes)."""
    signature = inspect.signature(function)
    params = []
    for param in signature.parameters.values():
        if param.name == "self":
            continue
        text = (
            param.name if param.annotation is inspect.Parameter.empty else f"{param.name}: {param.annotation}"
        )
        if param.default is not inspect.Parameter.empty:
            text += f" = {param.default!r}"
        params.append(text)
    returns = signature.return_annotation
    suffix = "" if returns is inspect.Signature.empty else f" -> {returns}"
    return f"{function.__name__}({', '.join(params)}){suffix}"


def _adapter_members() -> Iterator[tuple[str, str]]:
    """``(group, name)`` of every public method of :class:`HostAdapter`, in source order."""
    group = ""
    for line in inspect.getsource(host.HostAdapter).splitlines():
        if match := _GROUP.match(line):
            group = match[1]
        elif (match := _DEF.match(line)) and not match[1].startswith("_"):
            yield group, match[1]


def _attribute_docs(cls: type) -> dict[str, str]:
    """``#:`` comments above class attributes (Sphinx's convention), by attribute name."""
    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls).splitlines():
        if match := _ATTRIBUTE_DOC.match(line):
            pending.append(match[1])
        elif pending and (match := _ATTRIBUTE.match(line)):
            docs[match[1]] = " ".join(pending)
            pending = []
        else:
            pending = []
    return docs


def _trailing_comments(cls: type) -> dict[str, str]:
    """``name ...  # comment`` lines of a class body: the notes on dataclass fields and enum members,
    escaped for a Markdown table cell."""
    lines = inspect.getsource(cls).splitlines()[1:]
    return {
        match[1]: match[2].replace("|", "\\|") for line in lines if (match := _TRAILING_COMMENT.match(line))
    }


def _adapter_section() -> list[str]:
    adapter = host.HostAdapter
    lines = ["## `HostAdapter`", "", _markdown(adapter.__doc__), ""]
    lines += [
        "Subclass it (`from flask_ninjaone import HostAdapter`) and pass an instance to "
        "`NinjaOne(app, host=...)`. *Required* methods are abstract: the class cannot be instantiated "
        "without them. *Optional* ones have the default their docstring names.",
        "",
    ]
    for name, doc in _attribute_docs(adapter).items():
        lines += [
            f"### Attribute `{name}`",
            "",
            f"Default: `{getattr(adapter, name)!r}`. {_markdown(doc)}",
            "",
        ]
    current = None
    for group, name in _adapter_members():
        if group != current:
            lines += [f"### {group[0].upper()}{group[1:]}", ""]
            current = group
        function = getattr(adapter, name)
        kind = "required" if name in adapter.__abstractmethods__ else "optional"
        lines += [f"#### `{name}` ({kind})", "", "```python", _signature(function), "```", ""]
        lines += [_markdown(function.__doc__), ""]
    return lines


def _type_section(cls: type) -> list[str]:
    notes = _trailing_comments(cls)
    lines = [f"### `{cls.__name__}`", "", _markdown(cls.__doc__), ""]
    if issubclass(cls, enum.Enum):
        lines += ["| Member | Value | Meaning |", "|---|---|---|"]
        lines += [f"| `{member.name}` | `{member.value}` | {notes.get(member.name, '')} |" for member in cls]
        return [*lines, ""]
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__}: the reference documents enums and dataclasses only")
    lines += ["| Field | Type | Default | Notes |", "|---|---|---|---|"]
    for field in dataclasses.fields(cls):
        if field.default is not dataclasses.MISSING:
            default = f"`{field.default!r}`"
        elif field.default_factory is not dataclasses.MISSING:
            default = f"`{field.default_factory()!r}`"
        else:
            default = "*(required)*"
        kind = str(field.type).replace("|", "\\|")
        lines.append(f"| `{field.name}` | `{kind}` | {default} | {notes.get(field.name, '')} |")
    return [*lines, ""]


def _host_calls_section() -> list[str]:
    lines = ["## Calls from the host into the extension", ""]
    for function in HOST_CALLS:
        lines += [f"### `{function.__name__}`", "", "```python", _signature(function), "```", ""]
        lines += [f"`from flask_ninjaone import {function.__name__}`. {_markdown(function.__doc__)}", ""]
    return lines


def _signals_section() -> list[str]:
    lines = ["## Signals", "", _markdown(signals.__doc__), ""]
    lines += ["| Signal (`flask_ninjaone.signals.…`) | Name | Arguments and timing |", "|---|---|---|"]
    by_object = {id(value): name for name, value in vars(signals).items() if not name.startswith("_")}
    for signal in signals.ALL:
        doc = _markdown(signal.__doc__).replace("|", "\\|")
        lines.append(f"| `{by_object[id(signal)]}` | `{signal.name}` | {doc} |")
    return [*lines, "", SIGNAL_EXAMPLE]


def page_blocks() -> dict[str, set[str]]:
    """Blocks filled by each extension page that extends the host's base template, by template path."""
    used: dict[str, set[str]] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        if _EXTENDS_BASE in text:
            used[str(path.relative_to(TEMPLATES))] = set(_BLOCK.findall(text))
    return used


def _blocks_section() -> list[str]:
    pages = page_blocks()
    used = set().union(*pages.values())
    if unknown := used - set(BLOCKS):
        raise ValueError(f"extension pages fill blocks {sorted(unknown)} that BLOCKS does not document")
    lines = [
        "## The base template's block contract",
        "",
        f"The extension's {len(pages)} full pages extend the template named by `HostAdapter.base_template` "
        "(in templates: `{% extends ninjaone_base_template %}`) and fill these blocks:",
        "",
        "| Block | Filled by | What goes there |",
        "|---|---|---|",
    ]
    for block, meaning in BLOCKS.items():
        count = sum(block in blocks for blocks in pages.values())
        lines.append(f"| `{block}` | {count} of {len(pages)} pages | {meaning} |")
    return [*lines, "", SHIM_EXAMPLE]


def reference_markdown() -> str:
    """The whole reference; ``docs/host-adapter.md`` must equal it (``tests/test_docs.py``)."""
    lines = [
        "# Host adapter reference",
        "",
        "Generated from `flask_ninjaone/host.py`, `signals.py` and the extension's templates by "
        "`flask ninjaone adapter-reference`; do not edit by hand. The "
        "[host integration guide](host-integration.md) explains how to wire it all in.",
        "",
        _markdown(host.__doc__),
        "",
    ]
    lines += _adapter_section()
    lines += ["## Types crossing the seam", ""]
    for cls in SEAM_TYPES:
        lines += _type_section(cls)
    lines += _host_calls_section()
    lines += _signals_section()
    lines += _blocks_section()
    return "\n".join(lines).rstrip("\n") + "\n"
