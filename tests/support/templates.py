"""Templates compiled once per test process, not once per app.

Nearly every test builds its own host app, and each app's Jinja environment parses and compiles every
template it renders from source again: profiled on ``tests/connection`` (237 tests, one process), Jinja's
``compile`` was 14.6 s of 103 s. A bytecode cache (Jinja's own mechanism, passed through Flask's
``jinja_options``) keeps the compiled code of each template in memory, keyed by template name and a
checksum of its source, so an app renders what it always rendered and an edited template is compiled
again. Environments stay per app (globals, filters, loaders); only the compiled code is shared.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates in a dict: the process's apps share it, nothing touches the disk."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def share_compiled_templates() -> dict[str, object]:
    """Give every Flask app created from now on the process's bytecode cache; returns the previous
    ``Flask.jinja_options`` for :func:`restore_jinja_options`."""
    previous = dict(Flask.jinja_options)
    Flask.jinja_options = {**previous, "bytecode_cache": MemoryBytecodeCache()}
    return previous


def restore_jinja_options(previous: dict[str, object]) -> None:
    Flask.jinja_options = previous
