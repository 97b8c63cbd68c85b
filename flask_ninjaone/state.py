"""The extension's per-app state and its accessor: a leaf every layer may import.

``get_state`` used to live in the composition root (``extension.py``), which imports the blueprints,
the CLI and through them nearly every module; so every module that needed the app's session, host
adapter or key ring imported the root back, and the whole package was one import cycle. The state
now sits here, below everything; ``extension.py`` only builds it and stores it in
``app.extensions["ninjaone"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from cryptography.fernet import MultiFernet
from flask import Flask, current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .config import ConfigError
from .host import HostAdapter

if TYPE_CHECKING:
    from .extension import NinjaOne


class Database(Protocol):
    """What the extension uses of the host's Flask-SQLAlchemy object: its session and engine.

    ``SQLAlchemy.session`` is a ``scoped_session``, a proxy that forwards every ``Session`` method to
    the current app context's session; it shares no base class with ``Session``, so its declared type
    would make every function taking a ``Session`` refuse it. It is handed on as the proxy (code
    holding it across contexts, such as a heartbeat thread, must keep following the context), and
    typed by the interface it offers.
    """

    @property
    def session(self) -> Session: ...

    @property
    def engine(self) -> Engine: ...


@dataclass
class NinjaOneState:
    """Everything the extension keeps per app, in ``app.extensions["ninjaone"]``."""

    extension: NinjaOne
    host: HostAdapter
    db: Database
    #: ``None`` when ``NINJAONE_ENCRYPTION_KEYS`` is missing or malformed (``key_error`` says how).
    fernet: MultiFernet | None
    key_error: ConfigError | None = None


def current_app_object() -> Flask:
    """The app behind ``current_app``, for a thread, a signal or a job that outlives the context."""
    return current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy typed as Flask


def get_state(app: Flask | None = None) -> NinjaOneState:
    """The extension's state of ``app`` (default: the current app)."""
    app = app or current_app
    try:
        return app.extensions["ninjaone"]
    except KeyError:
        raise RuntimeError(
            "flask-ninjaone is not initialised on this app: call NinjaOne(app, host=...)"
        ) from None
