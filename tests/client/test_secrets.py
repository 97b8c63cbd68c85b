"""No secret or token may appear in an exception (message, repr, chained causes), a repr, or a log line.

Every failure path runs with DEBUG logging captured; the servers below even echo the secrets back in
their error bodies, as some do.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections.abc import Callable

import pytest
import requests
import responses

from flask_ninjaone.client import (
    InMemoryTokenStore,
    NinjaOneClient,
    NinjaOneError,
    TokenSet,
    client_credentials,
    exchange_code,
    refresh,
    revoke,
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
    REVOKE_URL,
    TOKEN_URL,
    Sleeps,
    token_body,
)

CODE = "AUTH-CODE-q7r8s9"
VERIFIER = "PKCE-VERIFIER-t1u2v3w4x5y6z7a8b9c0d1e2f3g4h5i6j7k8l9"
WEBHOOK_SECRET = "WEBHOOK-HEADER-SECRET-m0n1"
SECRETS = (
    CLIENT_SECRET,
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    NEW_ACCESS_TOKEN,
    NEW_REFRESH_TOKEN,
    CODE,
    VERIFIER,
    WEBHOOK_SECRET,
)
DEVICE_URL = f"{API}/device/7"
RESET_URL = f"{API}/alert/50edcf11-de92-4ecb-955b-c8066488b6cc/reset"


def make_client(token: TokenSet | None = None, **kwargs) -> NinjaOneClient:
    token = token or TokenSet(ACCESS_TOKEN, REFRESH_TOKEN, time.time() + 3600, "monitoring")
    return NinjaOneClient(BASE, CLIENT_ID, CLIENT_SECRET, InMemoryTokenStore(token), sleep=Sleeps(), **kwargs)


def expiring() -> TokenSet:
    return TokenSet(ACCESS_TOKEN, REFRESH_TOKEN, time.time() + 5, "monitoring")


# What each call sends; a server that echoes its input can only echo these.
SENT = {
    "exchange": (CLIENT_SECRET, CODE, VERIFIER),
    "client_credentials": (CLIENT_SECRET,),
    "refresh": (CLIENT_SECRET, REFRESH_TOKEN),
    "revoke": (CLIENT_SECRET, REFRESH_TOKEN),
}


def oauth_call(kind: str) -> Callable[[], object]:
    return {
        "exchange": lambda: exchange_code(BASE, CLIENT_ID, CLIENT_SECRET, CODE, "https://psa/cb", VERIFIER),
        "client_credentials": lambda: client_credentials(BASE, CLIENT_ID, CLIENT_SECRET),
        "refresh": lambda: refresh(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN),
        "revoke": lambda: revoke(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN),
    }[kind]


def token_failures(echo: str) -> list[dict]:
    return [
        {"status": 400, "json": {"error": "invalid_grant", "error_description": echo}},
        {"status": 401, "json": {"error": "invalid_client", "error_description": echo}},
        {"status": 400, "json": {"error": "invalid_request", "error_description": echo}},
        {"status": 400, "json": {"error": echo}},
        {"status": 400, "json": {"errorMessage": echo, "error_code": echo}},
        {"status": 404, "json": {"resultCode": "Client app not exist"}},
        {"status": 404, "json": {"resultCode": echo}},
        {"status": 500, "json": {"resultCode": echo, "incidentId": echo}},
        {"status": 429, "body": f"<html>{echo}</html>", "content_type": "text/html"},
        {"status": 200, "body": f"oops {echo}"},
        {"status": 200, "json": {"access_token": 5, "refresh_token": NEW_REFRESH_TOKEN, "scope": echo}},
        {"body": requests.ConnectionError("connection refused")},
    ]


def run_failure(action: Callable[[], object]) -> BaseException:
    with pytest.raises(NinjaOneError) as info:
        action()
    return info.value


def assert_clean(caplog: pytest.LogCaptureFixture, errors: list[BaseException]) -> None:
    texts = [caplog.text]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
    for error in errors:
        texts.append("".join(traceback.format_exception(error)))
        texts.append(repr(error))
        texts.append(repr(vars(error)))
        cause = error.__cause__ or error.__context__
        while cause is not None:
            texts.append(repr(cause))
            texts.append(repr(vars(cause)) if hasattr(cause, "__dict__") else "")
            cause = cause.__cause__ or cause.__context__
    leaked = [(secret, text[:300]) for text in texts for secret in SECRETS if secret in text]
    assert leaked == [], f"secrets leaked: {leaked}"


@pytest.mark.parametrize("kind", ["exchange", "client_credentials", "refresh", "revoke"])
def test_oauth_failures_never_leak(rsps, caplog, kind: str) -> None:
    caplog.set_level(logging.DEBUG)
    errors = []
    url = REVOKE_URL if kind == "revoke" else TOKEN_URL
    failures = token_failures("rejected " + " ".join(SENT[kind]))
    if kind == "revoke":
        failures = [f for f in failures if f.get("status") != 200]  # a 200 is a successful revocation
    for failure in failures:
        rsps.replace(responses.POST, url, **failure) if rsps.registered() else rsps.post(url, **failure)
        errors.append(run_failure(oauth_call(kind)))
    assert len(errors) == len(failures)
    assert_clean(caplog, errors)


def test_client_failure_paths_never_leak(rsps, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    # refresh ahead of expiry rejected -> reconnect required (and logged as a warning)
    echo = f"rejected {CLIENT_SECRET} {REFRESH_TOKEN}"
    rsps.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": echo})
    errors.append(run_failure(lambda: make_client(expiring()).device(7)))

    # 401 -> refresh succeeds -> second 401 whose body echoes the new token
    rsps.replace(responses.POST, TOKEN_URL, json=token_body())
    rsps.get(DEVICE_URL, status=401, json={"error": "not_authenticated", "errorMessage": NEW_ACCESS_TOKEN})
    errors.append(run_failure(lambda: make_client().device(7)))

    # API errors whose body echoes the bearer token, 5xx exhausted, throttling exhausted, network errors
    for failure in (
        {"status": 400, "json": {"resultCode": "BAD", "errorMessage": f"bad token {ACCESS_TOKEN}"}},
        {"status": 404, "json": {"resultCode": "NOT_FOUND", "errorMessage": ACCESS_TOKEN}},
        {"status": 500, "json": {"incidentId": "i", "errorMessage": ACCESS_TOKEN}},
        {"status": 429, "headers": {"Retry-After": "1"}},
        {"status": 200, "body": "<html>slow</html>", "content_type": "text/html"},
        {"status": 200, "body": f"not json {ACCESS_TOKEN}"},
        {"status": 200, "json": [{"id": "x"}]},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": requests.exceptions.SSLError("bad certificate")},
    ):
        rsps.replace(responses.GET, DEVICE_URL, **failure)
        errors.append(run_failure(lambda: make_client().device(7)))

    # POST not retried
    rsps.post(RESET_URL, status=500, json={"errorMessage": ACCESS_TOKEN})
    errors.append(run_failure(lambda: make_client().reset_alert("50edcf11-de92-4ecb-955b-c8066488b6cc")))

    # webhook: the header value is a secret too
    rsps.put(f"{API}/webhook", status=403, json={"resultCode": "FORBIDDEN"})
    errors.append(
        run_failure(
            lambda: make_client().configure_webhook(
                "https://psa.example.com/h", {"CONDITION": ["TRIGGERED"]}, {"X-Secret": WEBHOOK_SECRET}
            )
        )
    )
    with pytest.raises(ValueError) as bad_config:
        make_client().configure_webhook("nope", {"CONDITION": ["TRIGGERED"]}, {"X-Secret": WEBHOOK_SECRET})
    errors.append(bad_config.value)

    # client credentials connection rejected
    rsps.replace(
        responses.POST, TOKEN_URL, status=401, json={"error": "invalid_client", "error_description": echo}
    )
    errors.append(run_failure(lambda: make_client(TokenSet(ACCESS_TOKEN, None, time.time() + 5)).device(7)))

    assert len(errors) == 15
    assert_clean(caplog, errors)


def test_successful_flows_log_nothing_secret(rsps, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    rsps.post(TOKEN_URL, json=token_body())
    rsps.get(DEVICE_URL, status=429)
    rsps.get(DEVICE_URL, json={"id": 7})
    client = make_client(expiring())
    client.device(7)
    exchange_code(BASE, CLIENT_ID, CLIENT_SECRET, CODE, "https://psa/cb", VERIFIER)
    assert any("renewed" in r.getMessage() for r in caplog.records)
    assert any("retry 1/" in r.getMessage() for r in caplog.records)
    assert_clean(caplog, [])


def test_reprs_never_show_secrets() -> None:
    client = make_client()
    token = client._store.load()
    texts = [
        repr(client),
        str(client),
        repr(client._store),
        repr(token),
        str(token),
        json.dumps(client.stats),
    ]
    assert not [secret for secret in SECRETS if any(secret in text for text in texts)]
