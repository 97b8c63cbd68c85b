"""Fast password hashing for tests that seed the sample host but do not test hashing."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    """The seed hashes six demo passwords with scrypt (1.2 s a seed). Import this fixture into a
    folder's conftest whose tests log in through the session rather than test hashing."""
    from werkzeug.security import generate_password_hash

    import sample_host.models

    monkeypatch.setattr(
        sample_host.models, "generate_password_hash", lambda pw: generate_password_hash(pw, "pbkdf2:sha256:1")
    )
