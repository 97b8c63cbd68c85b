"""Retries, throttling, timeouts, 401 handling and request counting, through the public client."""

from __future__ import annotations

import email.utils
import threading

import pytest
import requests
import responses
import urllib3

from flask_ninjaone.client import ApiError, AuthError, NetworkError, NotFound, RateLimited
from flask_ninjaone.client.transport import never_reached_server, parse_retry_after
from tests.support.mocked_ninjaone import (
    ACCESS_TOKEN,
    API,
    NEW_ACCESS_TOKEN,
    NEW_REFRESH_TOKEN,
    TOKEN_URL,
    bearer_of,
    token_body,
)

DEVICE_URL = f"{API}/device/7"
DEVICE = {"id": 7, "nodeClass": "WINDOWS_SERVER"}
HTML = "<html><body>Too many requests</body></html>"


def refused() -> requests.ConnectionError:
    """What requests raises when the TCP connection is refused: the request never left."""
    reason = urllib3.exceptions.NewConnectionError(None, "Connection refused")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, DEVICE_URL, reason))


def test_every_request_has_the_timeout_and_bearer(rsps, make_client) -> None:
    rsps.get(DEVICE_URL, json=DEVICE)
    client = make_client(timeout=(2.5, 11.0))
    assert client.device(7) == DEVICE
    request = rsps.calls[0].request
    timeout = request.req_kwargs["timeout"]  # per operation: the total deadline is the watchdog's
    assert str(timeout) == "Timeout(connect=2.5, read=11.0, total=None)"
    assert bearer_of(request) == ACCESS_TOKEN
    assert request.headers["Accept"] == "application/json"


def test_429_honours_retry_after_seconds(rsps, client, sleeps) -> None:
    rsps.get(DEVICE_URL, status=429, headers={"Retry-After": "7"})
    rsps.get(DEVICE_URL, json=DEVICE)
    assert client.device(7) == DEVICE
    assert sleeps == [7.0]


def test_429_without_retry_after_backs_off_exponentially(rsps, client, sleeps) -> None:
    rsps.get(DEVICE_URL, status=429)
    rsps.get(DEVICE_URL, status=429)
    rsps.get(DEVICE_URL, status=429)
    rsps.get(DEVICE_URL, json=DEVICE)
    assert client.device(7) == DEVICE
    assert sleeps == [1.0, 2.0, 4.0]  # jitter pinned to its maximum
    assert client.stats["throttled"] == 3


def test_backoff_uses_full_jitter_and_is_capped(rsps, make_client, sleeps) -> None:
    draws = iter([0.5, 0.25, 1.0, 1.0, 0.0])
    client = make_client(max_retries=5, max_sleep=3.0, jitter=lambda: next(draws))
    for _ in range(5):
        rsps.get(DEVICE_URL, status=503)
    rsps.get(DEVICE_URL, json=DEVICE)
    client.device(7)
    assert sleeps == [0.5, 0.5, 3.0, 3.0, 0.0]


def test_retry_after_http_date(rsps, make_client, sleeps) -> None:
    now = 1_900_000_000.0
    client = make_client(clock=lambda: now)
    store_token = client._store.load()
    client._store.save(type(store_token)(ACCESS_TOKEN, None, now + 3600))
    rsps.get(DEVICE_URL, status=429, headers={"Retry-After": email.utils.formatdate(now + 9, usegmt=True)})
    rsps.get(DEVICE_URL, json=DEVICE)
    client.device(7)
    assert sleeps == [9.0]


def test_retry_after_longer_than_max_sleep_gives_up_at_once(rsps, make_client, sleeps) -> None:
    rsps.get(DEVICE_URL, status=429, headers={"Retry-After": "600"})
    with pytest.raises(RateLimited) as info:
        make_client(max_sleep=60).device(7)
    assert info.value.retry_after == 600.0
    assert info.value.status == 429
    assert sleeps == []
    assert len(rsps.calls) == 1


def test_429_exhausted_raises_rate_limited(rsps, client, sleeps) -> None:
    rsps.get(DEVICE_URL, status=429, headers={"Retry-After": "2"})
    with pytest.raises(RateLimited, match="throttling") as info:
        client.device(7)
    assert info.value.retry_after == 2.0
    assert len(rsps.calls) == 4  # first attempt + max_retries=3
    assert sleeps == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("status", [200, 403, 503])
def test_html_throttle_page_is_retried(rsps, client, sleeps, status: int) -> None:
    rsps.get(DEVICE_URL, status=status, body=HTML, content_type="text/html")
    rsps.get(DEVICE_URL, json=DEVICE)
    assert client.device(7) == DEVICE
    assert sleeps == [1.0]


def test_html_throttle_exhausted(rsps, client) -> None:
    rsps.get(DEVICE_URL, status=200, body=HTML, content_type="text/html; charset=UTF-8")
    with pytest.raises(RateLimited, match="HTML page"):
        client.device(7)
    assert len(rsps.calls) == 4


def test_500_burst_recovered(rsps, client, sleeps) -> None:
    for status in (500, 502, 503):
        rsps.get(DEVICE_URL, status=status)
    rsps.get(DEVICE_URL, json=DEVICE)
    assert client.device(7) == DEVICE
    assert sleeps == [1.0, 2.0, 4.0]
    assert client.stats["retries"] == 3
    assert client.stats["throttled"] == 0


def test_5xx_exhausted_raises_api_error_with_ninja_ids(rsps, client) -> None:
    rsps.get(DEVICE_URL, status=500, json={"resultCode": "INTERNAL", "incidentId": "abc-123"})
    with pytest.raises(ApiError) as info:
        client.device(7)
    error = info.value
    assert (error.status, error.result_code, error.incident_id) == (500, "INTERNAL", "abc-123")
    assert "incidentId=abc-123" in str(error)
    assert "GET /v2/device/{id}" in str(error)
    assert len(rsps.calls) == 4


def test_retry_after_on_503_is_honoured(rsps, client, sleeps) -> None:
    rsps.get(DEVICE_URL, status=503, headers={"Retry-After": "3"})
    rsps.get(DEVICE_URL, json=DEVICE)
    client.device(7)
    assert sleeps == [3.0]


def test_post_not_retried_on_500(rsps, client, sleeps) -> None:
    url = f"{API}/alert/50edcf11-de92-4ecb-955b-c8066488b6cc/reset"
    rsps.post(url, status=500)
    with pytest.raises(ApiError):
        client.reset_alert("50edcf11-de92-4ecb-955b-c8066488b6cc")
    assert len(rsps.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize(("headers", "waited"), [({"Retry-After": "2"}, [2.0]), ({}, [1.0])])
def test_post_retried_on_429_which_means_nothing_was_done(rsps, client, sleeps, headers, waited) -> None:
    url = f"{API}/alert/50edcf11-de92-4ecb-955b-c8066488b6cc/reset"
    rsps.post(url, status=429, headers=headers)
    rsps.post(url, status=204)
    client.reset_alert("50edcf11-de92-4ecb-955b-c8066488b6cc")
    assert len(rsps.calls) == 2
    assert sleeps == waited


def test_post_429_with_a_long_retry_after_is_left_to_the_caller(rsps, client, sleeps) -> None:
    url = f"{API}/alert/50edcf11-de92-4ecb-955b-c8066488b6cc/reset"
    rsps.post(url, status=429, headers={"Retry-After": "600"})
    with pytest.raises(RateLimited) as info:
        client.reset_alert("50edcf11-de92-4ecb-955b-c8066488b6cc")
    assert info.value.retry_after == 600.0
    assert len(rsps.calls) == 1 and sleeps == []


def test_post_not_retried_on_an_html_throttle_page(rsps, client) -> None:
    """The page may come from a proxy after the API acted: unlike a 429 it does not say nothing was done."""
    url = f"{API}/alert/50edcf11-de92-4ecb-955b-c8066488b6cc/reset"
    rsps.post(url, status=200, body=HTML, content_type="text/html")
    with pytest.raises(RateLimited):
        client.reset_alert("50edcf11-de92-4ecb-955b-c8066488b6cc")
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("error", [requests.exceptions.ConnectTimeout("connect timeout"), refused()])
def test_post_retried_when_it_never_reached_the_server(rsps, client, sleeps, error: Exception) -> None:
    url = f"{API}/alert/50edcf11-de92-4ecb-955b-c8066488b6cc/reset"
    rsps.post(url, body=error)
    rsps.post(url, status=204)
    client.reset_alert("50edcf11-de92-4ecb-955b-c8066488b6cc")
    assert len(rsps.calls) == 2
    assert sleeps == [1.0]


@pytest.mark.parametrize(
    "error", [requests.exceptions.ReadTimeout("read timeout"), requests.ConnectionError("Connection aborted")]
)
def test_post_not_retried_when_it_may_have_reached_the_server(rsps, client, error: Exception) -> None:
    url = f"{API}/alert/50edcf11-de92-4ecb-955b-c8066488b6cc/reset"
    rsps.post(url, body=error)
    with pytest.raises(NetworkError, match="1 attempt\\)"):
        client.reset_alert("50edcf11-de92-4ecb-955b-c8066488b6cc")
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    "error",
    [requests.exceptions.ReadTimeout("slow"), requests.exceptions.ConnectTimeout("no route"), refused()],
)
def test_get_retried_on_network_errors(rsps, client, sleeps, error: Exception) -> None:
    rsps.get(DEVICE_URL, body=error)
    rsps.get(DEVICE_URL, json=DEVICE)
    assert client.device(7) == DEVICE
    assert sleeps == [1.0]


def test_network_errors_exhausted(rsps, client) -> None:
    rsps.get(DEVICE_URL, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(NetworkError, match="ReadTimeout, 4 attempts"):
        client.device(7)


def test_tls_errors_are_not_retried(rsps, client) -> None:
    rsps.get(DEVICE_URL, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(NetworkError, match="SSLError"):
        client.device(7)
    assert len(rsps.calls) == 1


def test_never_reached_server_classification() -> None:
    assert never_reached_server(requests.exceptions.ConnectTimeout())
    assert never_reached_server(refused())
    assert not never_reached_server(requests.exceptions.ReadTimeout())
    assert not never_reached_server(requests.ConnectionError("Connection aborted"))
    assert not never_reached_server(requests.exceptions.SSLError(refused().args[0]))


def test_401_renews_once_and_replays(rsps, client, store) -> None:
    rsps.get(DEVICE_URL, status=401, json={"error": "not_authenticated", "error_code": 10})
    rsps.get(DEVICE_URL, json=DEVICE)
    rsps.post(TOKEN_URL, json=token_body())
    assert client.device(7) == DEVICE
    api_calls = [c for c in rsps.calls if c.request.url.startswith(API)]
    assert [bearer_of(c.request) for c in api_calls] == [ACCESS_TOKEN, NEW_ACCESS_TOKEN]
    assert store.load().refresh_token == NEW_REFRESH_TOKEN
    assert client.stats["token_renewals"] == 1


def test_401_after_renewal_is_an_auth_error_not_a_loop(rsps, client) -> None:
    rsps.get(DEVICE_URL, status=401, json={"error": "not_authenticated", "error_code": 10})
    rsps.post(TOKEN_URL, json=token_body())
    with pytest.raises(AuthError, match="freshly renewed"):
        client.device(7)
    assert len([c for c in rsps.calls if c.request.url == TOKEN_URL]) == 1
    assert len([c for c in rsps.calls if c.request.url.startswith(API)]) == 2


def test_post_is_replayed_after_401(rsps, client) -> None:
    url = f"{API}/alert/50edcf11-de92-4ecb-955b-c8066488b6cc/reset"
    rsps.post(url, status=401)
    rsps.post(url, status=204)
    rsps.post(TOKEN_URL, json=token_body())
    client.reset_alert("50edcf11-de92-4ecb-955b-c8066488b6cc")
    assert len([c for c in rsps.calls if c.request.url == url]) == 2


def test_errors_carry_result_code_incident_id_and_error_code(rsps, client) -> None:
    rsps.get(
        DEVICE_URL, status=400, json={"resultCode": "BAD_REQUEST", "incidentId": "i-9", "errorMessage": "no"}
    )
    with pytest.raises(ApiError) as info:
        client.device(7)
    assert (info.value.status, info.value.result_code, info.value.incident_id) == (400, "BAD_REQUEST", "i-9")
    assert str(info.value).endswith(": no")
    rsps.replace(responses.GET, DEVICE_URL, status=403, json={"error": "forbidden", "error_code": 42})
    with pytest.raises(ApiError) as info:
        client.device(7)
    assert info.value.error_code == 42


def test_404_is_not_found(rsps, client) -> None:
    rsps.get(DEVICE_URL, status=404, json={"resultCode": "NODE_NOT_FOUND"})
    with pytest.raises(NotFound) as info:
        client.device(7)
    assert info.value.result_code == "NODE_NOT_FOUND"
    assert len(rsps.calls) == 1


def test_redirect_is_not_followed(rsps, client) -> None:
    rsps.get(DEVICE_URL, status=302, headers={"Location": "https://login.example.com/"})
    with pytest.raises(ApiError, match="unexpected redirect"):
        client.device(7)
    assert len(rsps.calls) == 1


def test_stats_count_by_path_template(rsps, client) -> None:
    rsps.get(DEVICE_URL, status=500)
    rsps.get(DEVICE_URL, json=DEVICE)
    rsps.get(f"{API}/device/8", json={"id": 8})
    client.device(7)
    client.device(8)
    stats = client.stats
    assert stats["requests"] == 3
    assert stats["retries"] == 1
    assert stats["by_endpoint"] == {"GET /v2/device/{id}": 3}
    stats["by_endpoint"]["x"] = 1  # a snapshot, not the live counter
    assert "x" not in client.stats["by_endpoint"]


@pytest.mark.parametrize("bad_id", ["7/../../webhook", "7", -1, True, 7.0])
def test_ids_in_paths_must_be_integers(rsps, client, bad_id) -> None:
    with pytest.raises(ValueError):
        client.device(bad_id)
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        ("1.5", 1.5),
        (" 3 ", 3.0),
        ("-3", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Thu, 01 Jan 1970 00:16:50 GMT", 10.0),
        (email.utils.formatdate(900.0, usegmt=True), 0.0),
        ("Thu, 01 Jan 1970 00:16:50 -0000", None),
        (email.utils.formatdate(1000.0 + 30, usegmt=True), 30.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=1000.0) == expected


def test_transport_rejects_negative_retries(make_client) -> None:
    with pytest.raises(ValueError):
        make_client(max_retries=-1)


@pytest.mark.parametrize("option", [{"deadline": 0}, {"budget": -1.0}])
def test_deadline_and_budget_must_be_positive(make_client, option) -> None:
    with pytest.raises(ValueError, match="positive"):
        make_client(**option)


class Clock:
    """A clock the injected sleep moves forward: a budget is spent by waiting, not by the test."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_retry_after_beyond_the_budget_is_handed_to_the_caller_at_once(rsps, make_client) -> None:
    clock = Clock()
    rsps.get(DEVICE_URL, status=429, headers={"Retry-After": "20"})
    client = make_client(max_sleep=60.0, budget=10.0, clock=clock, sleep=clock.sleep)
    with pytest.raises(RateLimited) as info:
        client.device(7)
    assert info.value.retry_after == 20.0  # the caller reschedules for then instead of sleeping
    assert (clock.slept, len(rsps.calls)) == ([], 1)


def test_retries_stop_where_the_budget_ends(rsps, make_client) -> None:
    clock = Clock()
    rsps.get(DEVICE_URL, status=503, headers={"Retry-After": "4"})
    client = make_client(max_retries=5, budget=10.0, clock=clock, sleep=clock.sleep)
    with pytest.raises(ApiError, match="HTTP 503"):
        client.device(7)
    assert clock.slept == [4.0, 4.0]  # a third wait would end past the budget: 8 + 4 > 10
    assert len(rsps.calls) == 3


def test_a_spent_budget_sends_nothing_more(rsps, make_client) -> None:
    clock = Clock()
    rsps.get(DEVICE_URL, json=DEVICE)
    client = make_client(budget=10.0, clock=clock, sleep=clock.sleep)
    assert client.device(7) == DEVICE
    clock.now += 10.0  # the first request took the whole budget
    with pytest.raises(NetworkError, match="10 s allowed for NinjaOne here ran out"):
        client.device(7)
    assert len(rsps.calls) == 1


def test_each_exchange_s_deadline_is_cut_to_what_is_left_of_the_budget(
    rsps, make_client, monkeypatch
) -> None:
    clock = Clock()
    watchdogs: list[float] = []

    class RecordedTimer(threading.Timer):
        def __init__(self, interval: float, function, *args, **kwargs) -> None:
            watchdogs.append(interval)
            super().__init__(interval, function, *args, **kwargs)

    monkeypatch.setattr("flask_ninjaone.client.deadlines.threading.Timer", RecordedTimer)
    rsps.get(DEVICE_URL, json=DEVICE)
    client = make_client(deadline=60.0, budget=10.0, clock=clock, sleep=clock.sleep)
    clock.now += 7.5
    assert client.device(7) == DEVICE
    assert watchdogs == [2.5]  # the exchange's deadline: what is left of the budget
    assert rsps.calls[0].request.req_kwargs["timeout"].connect_timeout == 2.5  # connecting too
