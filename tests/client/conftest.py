"""Shared fixtures: a mocked NinjaOne (``responses``), a token store, and a client that never sleeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from flask_ninjaone.client import InMemoryTokenStore, NinjaOneClient
from tests.support.mocked_ninjaone import (
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    Sleeps,
    token_set,
)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def store() -> InMemoryTokenStore:
    return InMemoryTokenStore(token_set())


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(store: InMemoryTokenStore, sleeps: Sleeps) -> Callable[..., NinjaOneClient]:
    def make(**kwargs: Any) -> NinjaOneClient:
        options: dict[str, Any] = {"sleep": sleeps, "jitter": lambda: 1.0, "max_retries": 3}
        options.update(kwargs)
        token_store = options.pop("token_store", store)
        return NinjaOneClient(BASE, CLIENT_ID, CLIENT_SECRET, token_store, **options)

    return make


@pytest.fixture
def client(make_client: Callable[..., NinjaOneClient]) -> NinjaOneClient:
    return make_client()
