"""pytest plugin (entry point ``pytest11``) with fixtures for hosts testing their integration.

Host maintainers get these fixtures by installing flask-ninjaone; nothing to import. They are
prefixed ``ninjaone_`` so they never collide with a host's own fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
from cryptography.fernet import Fernet

from ..tenancy import tenant_scope


@pytest.fixture
def ninjaone_encryption_key() -> str:
    """A fresh Fernet key for ``NINJAONE_ENCRYPTION_KEYS`` in a test app."""
    return Fernet.generate_key().decode()


@pytest.fixture
def ninjaone_tenant() -> Iterator[Callable[[str], AbstractContextManager[str]]]:
    """``with ninjaone_tenant("42"): ...`` binds a tenant for code the test runs outside requests."""
    yield tenant_scope


@pytest.fixture
def ninjaone_fake():
    """A fake NinjaOne on an ephemeral port with a small seeded fleet (``.url``, ``.state``).

    The demo API client is registered: client id ``demo-client-id``, secret ``demo-client-secret``.
    Drive it with ``ninjaone_fake.state`` (Python) or its ``/_fake/`` control API (HTTP).
    """
    from .fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet

    state = FakeState()
    seed_fleet(state, devices=40, organizations=3, seed=1)
    with FakeNinjaOne(state) as fake:
        yield fake
