"""The one canonical-JSON digest behind every fingerprint a sync compares.

Stored fingerprints (``content_hash``, ``payload_hash``) are only comparable if every writer
serialises the same way: sorted keys, no whitespace, ASCII escapes (so the bytes do not depend on
the encoder's Unicode handling).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Callable
from typing import Any


def json_digest(value: Any, *, default: Callable[[Any], Any] | None = None) -> str:
    """SHA-256 (hex) of ``value``'s canonical JSON; ``default`` encodes what JSON cannot."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=default)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def package_version() -> str:
    """This package's installed version, part of fingerprints so an upgrade rewrites once."""
    try:
        return importlib.metadata.version("flask-ninjaone")
    except importlib.metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
        return "source"
