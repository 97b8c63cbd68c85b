"""Token renewal: ahead of expiry, after a 401, rotation, rejection, and concurrency across workers."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager

import pytest
import requests
import responses

from flask_ninjaone.client import (
    InMemoryTokenStore,
    NetworkError,
    NinjaOneClient,
    NotConnected,
    ReconnectRequired,
    TokenSet,
)
from tests.support.mocked_ninjaone import (
    ACCESS_TOKEN,
    API,
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    NEW_ACCESS_TOKEN,
    NEW_REFRESH_TOKEN,
    REFRESH_TOKEN,
    TOKEN_URL,
    Sleeps,
    bearer_of,
    form_of,
    token_body,
    token_set,
)

DEVICE_URL = f"{API}/device/7"


def token_calls(rsps: responses.RequestsMock) -> list:
    return [c for c in rsps.calls if c.request.url == TOKEN_URL]


def api_calls(rsps: responses.RequestsMock) -> list:
    return [c for c in rsps.calls if c.request.url.startswith(API)]


def test_fresh_token_is_used_without_refresh(rsps, client) -> None:
    rsps.get(DEVICE_URL, json={"id": 7})
    client.device(7)
    client.device(7)
    assert token_calls(rsps) == []
    assert client.stats["token_renewals"] == 0


def test_refresh_ahead_of_expiry_and_rotated_pair_saved(rsps, make_client, store) -> None:
    store.save(token_set(expires_in=30))  # inside the 60 s leeway
    rsps.post(TOKEN_URL, json=token_body())
    rsps.get(DEVICE_URL, json={"id": 7})
    make_client().device(7)
    assert [c.request.url for c in rsps.calls] == [TOKEN_URL, DEVICE_URL]
    assert form_of(rsps.calls[0].request)["refresh_token"] == REFRESH_TOKEN
    assert bearer_of(rsps.calls[1].request) == NEW_ACCESS_TOKEN
    saved = store.load()
    assert (saved.access_token, saved.refresh_token) == (NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN)
    assert saved.expires_at > time.time() + 3000


def test_token_outside_leeway_is_not_refreshed(rsps, make_client, store) -> None:
    store.save(token_set(expires_in=120))
    rsps.get(DEVICE_URL, json={"id": 7})
    make_client().device(7)
    assert token_calls(rsps) == []


def test_invalid_grant_marks_reconnect_once_and_never_loops(rsps, make_client, store) -> None:
    store.save(token_set(expires_in=10))
    rsps.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "token revoked"})
    client = make_client()
    with pytest.raises(ReconnectRequired, match="Reconnect"):
        client.device(7)
    with pytest.raises(ReconnectRequired):
        client.device(7)  # the same rejected refresh token is not sent again
    assert len(token_calls(rsps)) == 1
    assert len(store.reconnect_reasons) == 1
    assert "refresh token" in store.reconnect_reasons[0]
    assert api_calls(rsps) == []
    assert store.load().refresh_token == REFRESH_TOKEN  # nothing half-written


def test_401_then_rejected_refresh(rsps, client, store) -> None:
    rsps.get(DEVICE_URL, status=401, json={"error": "not_authenticated", "error_code": 10})
    rsps.post(TOKEN_URL, status=401, json={"error": "invalid_token"})
    with pytest.raises(ReconnectRequired):
        client.device(7)
    assert len(api_calls(rsps)) == 1
    assert len(token_calls(rsps)) == 1
    assert store.reconnect_required


def test_reconnect_after_rejection_works_again(rsps, make_client, store) -> None:
    store.save(token_set(expires_in=10))
    rsps.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    client = make_client()
    with pytest.raises(ReconnectRequired):
        client.device(7)
    store.save(token_set(access="RECONNECTED-ACCESS", refresh="RECONNECTED-REFRESH"))  # a human reconnected
    rsps.get(DEVICE_URL, json={"id": 7})
    client.device(7)
    assert bearer_of(api_calls(rsps)[-1].request) == "RECONNECTED-ACCESS"
    assert not store.reconnect_required


def test_network_error_during_refresh_is_not_a_reconnect(rsps, make_client, store) -> None:
    store.save(token_set(expires_in=10))
    rsps.post(TOKEN_URL, body=requests.ConnectionError("down"))
    with pytest.raises(NetworkError):
        make_client().device(7)
    assert not store.reconnect_required


def test_client_credentials_connection_renews_with_client_credentials(rsps, make_client, store) -> None:
    store.save(TokenSet("CC-ACCESS", None, time.time() + 5, "monitoring management", "Bearer"))
    rsps.post(TOKEN_URL, json=token_body(refresh=None))
    rsps.get(DEVICE_URL, json={"id": 7})
    make_client().device(7)
    form = form_of(token_calls(rsps)[0].request)
    assert form["grant_type"] == "client_credentials"
    assert form["scope"] == "monitoring management"  # the scope the connection was granted
    assert store.load().access_token == NEW_ACCESS_TOKEN
    assert store.load().refresh_token is None


def test_client_credentials_rejected_marks_reconnect(rsps, make_client, store) -> None:
    store.save(TokenSet("CC-ACCESS", None, time.time() + 5, "", "Bearer"))
    rsps.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(ReconnectRequired, match="client id or secret"):
        make_client(scopes=["monitoring", "offline_access"]).device(7)
    assert form_of(token_calls(rsps)[0].request)["scope"] == "monitoring"
    assert len(store.reconnect_reasons) == 1


def test_wrong_region_on_renewal_is_reported(rsps, make_client, store) -> None:
    store.save(token_set(expires_in=10))
    rsps.post(TOKEN_URL, status=404, json={"resultCode": "Client app not exist"})
    with pytest.raises(ReconnectRequired, match="another instance"):
        make_client().device(7)
    assert store.reconnect_required


def test_not_connected(rsps, make_client) -> None:
    with pytest.raises(NotConnected):
        make_client(token_store=InMemoryTokenStore()).device(7)
    assert len(rsps.calls) == 0


def test_token_renewed_by_another_worker_is_picked_up_after_401(rsps, client, store) -> None:
    rsps.get(DEVICE_URL, json={"id": 7})
    client.device(7)  # caches the current token
    store.save(token_set(access="OTHER-WORKER-ACCESS", refresh="OTHER-WORKER-REFRESH"))
    rsps.replace(responses.GET, DEVICE_URL, status=401)
    rsps.add(responses.GET, DEVICE_URL, json={"id": 7})
    client.device(7)
    assert [bearer_of(c.request) for c in api_calls(rsps)] == [
        ACCESS_TOKEN,
        ACCESS_TOKEN,
        "OTHER-WORKER-ACCESS",
    ]
    assert token_calls(rsps) == []


class ObservedStore(InMemoryTokenStore):
    """Signals when a worker starts waiting for the refresh lock."""

    def __init__(self, token: TokenSet) -> None:
        super().__init__(token)
        self.waiting = threading.Event()

    @contextmanager
    def refresh_lock(self):
        self.waiting.set()
        with super().refresh_lock():
            yield


def test_worker_waiting_for_the_lock_uses_the_token_saved_meanwhile(rsps) -> None:
    store = ObservedStore(token_set(expires_in=10))
    rsps.get(DEVICE_URL, json={"id": 7})
    client = NinjaOneClient(BASE, CLIENT_ID, CLIENT_SECRET, store, sleep=Sleeps())
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client.device(7)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with InMemoryTokenStore.refresh_lock(store):  # another worker is refreshing right now
        worker = threading.Thread(target=work)
        worker.start()
        assert store.waiting.wait(2)
        store.save(token_set(access="SAVED-BY-OTHER", refresh="ROTATED-BY-OTHER"))
    worker.join(5)
    assert errors == []
    assert token_calls(rsps) == []
    assert [bearer_of(c.request) for c in api_calls(rsps)] == ["SAVED-BY-OTHER"]


def test_concurrent_workers_refresh_once(rsps) -> None:
    store = InMemoryTokenStore(token_set(expires_in=10))
    refreshes: list[str] = []

    def token_endpoint(request):
        refreshes.append(form_of(request)["refresh_token"])
        time.sleep(0.05)  # keep the lock held while the other worker arrives
        rotated = f"ROTATED-{len(refreshes)}"
        return 200, {}, json.dumps(token_body(access=f"ACCESS-{len(refreshes)}", refresh=rotated))

    rsps.add_callback(responses.POST, TOKEN_URL, callback=token_endpoint)
    rsps.get(DEVICE_URL, json={"id": 7})
    workers = [NinjaOneClient(BASE, CLIENT_ID, CLIENT_SECRET, store, sleep=Sleeps()) for _ in range(4)]
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def work(client: NinjaOneClient) -> None:
        barrier.wait(2)
        try:
            client.device(7)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(client,)) for client in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert errors == []
    assert refreshes == [REFRESH_TOKEN]  # one refresh; the old refresh token was used exactly once
    assert {bearer_of(c.request) for c in api_calls(rsps)} == {"ACCESS-1"}
    assert store.load().refresh_token == "ROTATED-1"
