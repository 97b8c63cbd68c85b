"""pytest plugin (entry point ``pytest11``) with fixtures for hosts testing their integration.

Host maintainers get these fixtures by installing flask-ninjaone; nothing to import. They are
prefixed ``ninjaone_`` so they never collide with a host's own fixtures. ``docs/fake-ninjaone.md``
shows them in use.

The fake NinjaOne is one server per fleet for the whole session, reset before each test
(``fleets.py``), and ``ninjaone_worlds`` builds an expensive world once and restores it per test
(``world.py``): a suite pays for a server, a fleet and a connected tenant once, not per test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from cryptography.fernet import Fernet

from ..tenancy import tenant_scope
from .connect import ConnectedTenant, connect_tenant
from .fake_ninjaone import FakeNinjaOne
from .fleets import FakePool, Fleet
from .relay import WebhookRelay
from .world import Worlds


@pytest.fixture(scope="session")
def ninjaone_encryption_key() -> str:
    """A Fernet key for ``NINJAONE_ENCRYPTION_KEYS`` in a test app, the same for the whole session: a
    world restored by ``ninjaone_worlds`` holds secrets encrypted with it."""
    return Fernet.generate_key().decode()


@pytest.fixture
def ninjaone_tenant() -> Iterator[Callable[[str], AbstractContextManager[str]]]:
    """``with ninjaone_tenant("42"): ...`` binds a tenant for code the test runs outside requests."""
    yield tenant_scope


@pytest.fixture
def ninjaone_fleet() -> Fleet:
    """The fleet ``ninjaone_fake`` holds: 40 devices in 3 organizations. Override this fixture (in a
    conftest.py, or per test module) to return another ``Fleet(devices=..., organizations=..., seed=...)``."""
    return Fleet()


@pytest.fixture(scope="session")
def ninjaone_fakes() -> Iterator[FakePool]:
    """The session's fake NinjaOne servers, one per fleet (``ninjaone_fakes.fake(Fleet(...))``)."""
    pool = FakePool()
    yield pool
    pool.close()


@pytest.fixture
def ninjaone_fake(ninjaone_fakes: FakePool, ninjaone_fleet: Fleet) -> FakeNinjaOne:
    """A fake NinjaOne on an ephemeral port holding ``ninjaone_fleet`` (``.url``, ``.state``).

    One server per fleet serves the whole session; each test gets it reset to the freshly seeded fleet
    (every store: devices, alerts, activities, tokens, webhook configurations and deliveries, injected
    faults, counters). The demo API client is registered: client id ``demo-client-id``, secret
    ``demo-client-secret``. Drive it with ``ninjaone_fake.state`` (Python) or its ``/_fake/`` control
    API (HTTP).
    """
    return ninjaone_fakes.fake(ninjaone_fleet)


@pytest.fixture(scope="session")
def ninjaone_worlds(tmp_path_factory: pytest.TempPathFactory) -> Worlds:
    """Worlds built once per session and restored per test: ``ninjaone_worlds.restore_or_build(name,
    engine, build, metadatas=[...], fakes=[ninjaone_fake])`` (see ``docs/fake-ninjaone.md``)."""
    return Worlds(tmp_path_factory.mktemp("ninjaone-worlds"))


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
