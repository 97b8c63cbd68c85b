"""The extension's per-app state and its accessor: a leaf every layer may import.

``get_state`` used to live in the composition root (``extension.py``), which imports the blueprints,
the CLI and through them nearly every module; so every module that needed the app's session, host
adapter or key ring imported the root back, and the whole package was one import cycle. The state
now sits here, below everything; ``extension.py`` only builds it and stores it in
``app.extensions["ninjaone"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.fernet import MultiFernet
from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy

from .config import ConfigError
from .host import HostAdapter

if TYPE_CHECKING:
    from .extension import NinjaOne


@dataclass
class NinjaOneState:
    """Everything the extension keeps per app, in ``app.extensions["ninjaone"]``."""

    extension: NinjaOne
    host: HostAdapter
    db: SQLAlchemy
    #: ``None`` when ``NINJAONE_ENCRYPTION_KEYS`` is missing or malformed (``key_error`` says how).
    fernet: MultiFernet | None
    key_error: ConfigError | None = None


def get_state(app: Flask | None = None) -> NinjaOneState:
    """The extension's state of ``app`` (default: the current app)."""
    app = app or current_app
    try:
        return app.extensions["ninjaone"]
    except KeyError:
        raise RuntimeError(
            "flask-ninjaone is not initialised on this app: call NinjaOne(app, host=...)"
        ) from None
