from __future__ import annotations

import threading
import time

from flask_ninjaone.client import InMemoryTokenStore, TokenSet, TokenStore
from tests.support.mocked_ninjaone import ACCESS_TOKEN, REFRESH_TOKEN, token_set


def test_repr_and_str_redact_both_tokens() -> None:
    token = token_set()
    for text in (repr(token), str(token), f"{token}", repr([token]), repr({"t": token})):
        assert ACCESS_TOKEN not in text
        assert REFRESH_TOKEN not in text
        assert "***" in text
    assert "refresh_token=None" in repr(token_set(refresh=None))


def test_expires_within() -> None:
    token = TokenSet("a", "r", expires_at=1000.0)
    assert token.expires_within(60, now=950.0)
    assert token.expires_within(60, now=940.0)
    assert not token.expires_within(60, now=939.0)
    assert token.expires_within(0, now=1000.0)


def test_dict_round_trip() -> None:
    token = token_set()
    assert TokenSet.from_dict(token.to_dict()) == token
    minimal = TokenSet.from_dict({"access_token": "a", "expires_at": "12.5"})
    assert minimal == TokenSet("a", None, 12.5, "", "Bearer")


def test_in_memory_store_implements_protocol_and_flags() -> None:
    store = InMemoryTokenStore()
    assert isinstance(store, TokenStore)
    assert store.load() is None
    store.mark_reconnect_required("refresh token rejected")
    assert store.reconnect_required
    assert store.reconnect_reasons == ["refresh token rejected"]
    token = token_set()
    store.save(token)
    assert store.load() is token
    assert not store.reconnect_required  # a new pair means someone reconnected
    assert ACCESS_TOKEN not in repr(store)


def test_in_memory_refresh_lock_is_exclusive() -> None:
    store = InMemoryTokenStore()
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def holder() -> None:
        with store.refresh_lock():
            order.append("first in")
            inside.set()
            release.wait(2)
            order.append("first out")

    def waiter() -> None:
        with store.refresh_lock():
            order.append("second in")

    first = threading.Thread(target=holder)
    first.start()
    inside.wait(2)
    second = threading.Thread(target=waiter)
    second.start()
    time.sleep(0.05)
    assert order == ["first in"]
    release.set()
    first.join(2)
    second.join(2)
    assert order == ["first in", "first out", "second in"]
