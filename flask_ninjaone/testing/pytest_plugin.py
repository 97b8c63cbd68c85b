"""pytest plugin (entry point ``pytest11``) with fixtures for hosts testing their integration.

Host maintainers get these fixtures by installing flask-ninjaone; nothing to import. They are
prefixed ``ninjaone_`` so they never collide with a host's own fixtures. ``docs/fake-ninjaone.md``
shows them in use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from cryptography.fernet import Fernet

from ..tenancy import tenant_scope
from .connect import ConnectedTenant, connect_tenant
from .fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet
from .relay import WebhookRelay


@pytest.fixture
def ninjaone_encryption_key() -> str:
    """A fresh Fernet key for ``NINJAONE_ENCRYPTION_KEYS`` in a test app."""
    return Fernet.generate_key().decode()


@pytest.fixture
def ninjaone_tenant() -> Iterator[Callable[[str], AbstractContextManager[str]]]:
    """``with ninjaone_tenant("42"): ...`` binds a tenant for code the test runs outside requests."""
    yield tenant_scope


@pytest.fixture
def ninjaone_fake() -> Iterator[FakeNinjaOne]:
    """A fake NinjaOne on an ephemeral port with a small seeded fleet (``.url``, ``.state``).

    40 devices in 3 organizations. The demo API client is registered: client id ``demo-client-id``,
    secret ``demo-client-secret``. Drive it with ``ninjaone_fake.state`` (Python) or its ``/_fake/``
    control API (HTTP).
    """
    state = FakeState()
    seed_fleet(state, devices=40, organizations=3, seed=1)
    with FakeNinjaOne(state) as fake:
        yield fake


@pytest.fixture
def ninjaone_connect(ninjaone_fake: FakeNinjaOne) -> Callable[..., ConnectedTenant]:
    """``ninjaone_connect("acme")`` connects a host tenant (id or slug) to ``ninjaone_fake``.

    No OAuth dance: the client-credentials grant of the fake's demo API client, through the same
    service as ``flask ninjaone connect``. Then every organization is mapped (missing host clients are
    created through your adapter) and a full sync runs, unless ``map_organizations=False`` /
    ``sync=False``. Call it inside an app context; returns a ``ConnectedTenant`` (``tenant``,
    ``integration_id``, ``webhook_state``, ``receiver_path``, ``mapped_organizations``, ``sync``).
    """

    def connect(tenant_ref: str, **options: Any) -> ConnectedTenant:
        return connect_tenant(ninjaone_fake.url, tenant_ref, **options)

    return connect


@pytest.fixture
def ninjaone_webhooks(ninjaone_fake: FakeNinjaOne) -> WebhookRelay:
    """``ninjaone_webhooks.deliver(client)`` posts what ``ninjaone_fake`` would have sent your app.

    From the moment it is requested, the fake keeps its webhook deliveries instead of POSTing them
    (a Flask test client has no address). ``deliver`` replays them into the test client with the
    integration's secret header and returns the responses; ``discard()`` drops them.
    """
    return WebhookRelay(ninjaone_fake.state)
