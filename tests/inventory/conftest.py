from __future__ import annotations

import pytest

from .support import connect_and_sync, running_fake


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch):
    """The seed hashes six demo passwords with scrypt (1.2 s); these tests log in through the session."""
    from werkzeug.security import generate_password_hash

    import sample_host.models

    monkeypatch.setattr(
        sample_host.models, "generate_password_hash", lambda pw: generate_password_hash(pw, "pbkdf2:sha256:1")
    )


@pytest.fixture
def fake():
    with running_fake() as server:
        yield server


@pytest.fixture
def acme(app, fake):
    """acme connected to the fake, organizations mapped, one full sync (which refreshes inventory)."""
    return connect_and_sync(app, fake)
