"""Fast password hashing: the suite seeds the sample host hundreds of times and tests the extension,
not the sample host's choice of password hash (sign-in still checks the password against its hash)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

import sample_host.models


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    """The seed hashes six demo passwords with scrypt (1.2 s a seed); one pbkdf2 round instead.
    Autouse for the whole suite through ``tests/conftest.py``."""
    monkeypatch.setattr(
        sample_host.models, "generate_password_hash", lambda pw: generate_password_hash(pw, "pbkdf2:sha256:1")
    )
