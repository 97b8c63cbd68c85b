from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from flask_ninjaone.client import (
    DEFAULT_SCOPES,
    ApiError,
    AuthError,
    InvalidResponse,
    NetworkError,
    RateLimited,
    ReconnectRequired,
    build_authorization_url,
    client_credentials,
    exchange_code,
    fetch_server_metadata,
    refresh,
    revoke,
    s256_code_challenge,
)
from tests.support.mocked_ninjaone import (
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    NEW_ACCESS_TOKEN,
    NEW_REFRESH_TOKEN,
    REFRESH_TOKEN,
    REVOKE_URL,
    TOKEN_URL,
    form_of,
    sample,
    token_body,
)

REDIRECT = "https://psa.example.com/integrations/ninjaone/callback"


def test_s256_matches_rfc7636_appendix_b() -> None:
    assert s256_code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_authorization_url_has_pkce_state_and_scopes() -> None:
    url, verifier = build_authorization_url(BASE, CLIENT_ID, REDIRECT, DEFAULT_SCOPES, "state-xyz")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/ws/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "monitoring management control offline_access",
        "state": "state-xyz",
        "code_challenge": s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    assert build_authorization_url(BASE, CLIENT_ID, REDIRECT, ["monitoring"], "s")[1] != verifier


def test_authorization_url_works_for_local_fake_over_http() -> None:
    url, _ = build_authorization_url("http://127.0.0.1:5001", CLIENT_ID, REDIRECT, ["monitoring"], "s")
    assert url.startswith("http://127.0.0.1:5001/ws/oauth/authorize?")


@pytest.mark.parametrize(
    ("scopes", "state"), [(["monitoring"], ""), ([], "s"), ("monitoring", "s"), (["two words"], "s")]
)
def test_authorization_url_rejects_bad_input(scopes: object, state: str) -> None:
    with pytest.raises(ValueError):
        build_authorization_url(BASE, CLIENT_ID, REDIRECT, scopes, state)  # type: ignore[arg-type]


def test_exchange_code_posts_client_secret_post_form(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, json=token_body())
    before = time.time()
    token = exchange_code(
        BASE, CLIENT_ID, CLIENT_SECRET, "the-code", REDIRECT, "the-verifier", timeout=(1, 2)
    )
    assert token.access_token == NEW_ACCESS_TOKEN
    assert token.refresh_token == NEW_REFRESH_TOKEN
    assert before + 3600 <= token.expires_at <= time.time() + 3600
    assert token.scope == "monitoring"
    request = rsps.calls[0].request
    assert form_of(request) == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": REDIRECT,
        "code_verifier": "the-verifier",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert "Authorization" not in request.headers  # client_secret_post, not basic
    assert rsps.calls[0].request.req_kwargs["timeout"] == (1, 2)


def test_exchange_code_invalid_grant(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    with pytest.raises(AuthError, match="authorization code") as info:
        exchange_code(BASE, CLIENT_ID, CLIENT_SECRET, "code", REDIRECT, "verifier")
    assert not isinstance(info.value, ReconnectRequired)


def test_client_credentials(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, json=token_body(refresh=None) | {"scope": None})
    token = client_credentials(BASE, CLIENT_ID, CLIENT_SECRET, clock=lambda: 1000.0)
    assert token.refresh_token is None
    assert token.expires_at == 4600.0
    assert token.scope == "monitoring management control"
    assert form_of(rsps.calls[0].request) == {
        "grant_type": "client_credentials",
        "scope": "monitoring management control",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


def test_missing_expires_in_assumes_an_hour(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, json={"access_token": "a"})
    token = client_credentials(BASE, CLIENT_ID, CLIENT_SECRET, ["monitoring"], clock=lambda: 0.0)
    assert token.expires_at == 3600.0
    assert token.token_type == "Bearer"


def test_refresh_returns_rotated_pair(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, json=token_body())
    token = refresh(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
    assert (token.access_token, token.refresh_token) == (NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN)
    assert form_of(rsps.calls[0].request) == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


def test_refresh_without_new_refresh_token_keeps_old(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, json=token_body(refresh=None))
    assert refresh(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN).refresh_token == REFRESH_TOKEN


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": "invalid_grant"}),
        (400, {"error": "invalid_token"}),
        (401, {"error": "invalid_token", "error_description": "expired"}),
        (400, {"resultCode": "SOMETHING"}),
        (401, None),
    ],
)
def test_refresh_rejected_means_reconnect(rsps: responses.RequestsMock, status: int, body: object) -> None:
    rsps.post(TOKEN_URL, status=status, json=body)
    with pytest.raises(ReconnectRequired, match="Reconnect"):
        refresh(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)


def test_client_app_not_exist_is_a_wrong_region_error(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, status=404, json={"resultCode": "Client app not exist"})
    with pytest.raises(AuthError) as info:
        client_credentials(BASE, CLIENT_ID, CLIENT_SECRET)
    message = str(info.value)
    assert "does not know this client id" in message
    assert "region" in message
    assert "eu.ninjarmm.com" in message


def test_plain_404_points_at_the_url(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, status=404, body="nope")
    with pytest.raises(AuthError, match="no NinjaOne OAuth endpoint"):
        client_credentials(BASE, CLIENT_ID, CLIENT_SECRET)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: client_credentials(BASE, CLIENT_ID, CLIENT_SECRET), AuthError),
        (lambda: exchange_code(BASE, CLIENT_ID, CLIENT_SECRET, "c", REDIRECT, "v"), AuthError),
        (lambda: refresh(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN), ReconnectRequired),
    ],
)
def test_invalid_client(rsps: responses.RequestsMock, call, expected: type) -> None:
    rsps.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(expected, match="client id or secret") as info:
        call()
    assert type(info.value) is expected


def test_other_token_errors(rsps: responses.RequestsMock) -> None:
    rsps.post(
        TOKEN_URL, status=400, json={"error": "invalid_scope", "error_description": "scope control denied"}
    )
    with pytest.raises(AuthError, match=r"invalid_scope\): scope control denied"):
        client_credentials(BASE, CLIENT_ID, CLIENT_SECRET)


def test_token_endpoint_5xx_is_transient_not_reconnect(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, status=503, json={"resultCode": "ERR", "incidentId": "inc-1"})
    with pytest.raises(ApiError) as info:
        refresh(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
    assert not isinstance(info.value, AuthError)
    assert (info.value.status, info.value.incident_id) == (503, "inc-1")


@pytest.mark.parametrize(
    ("status", "headers", "content_type"),
    [(429, {"Retry-After": "12"}, "application/json"), (200, {}, "text/html; charset=utf-8")],
)
def test_token_endpoint_throttled(
    rsps: responses.RequestsMock, status: int, headers: dict, content_type: str
) -> None:
    rsps.post(
        TOKEN_URL, status=status, body="<html>slow down</html>", headers=headers, content_type=content_type
    )
    with pytest.raises(RateLimited) as info:
        refresh(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
    assert info.value.retry_after == (12.0 if headers else None)


@pytest.mark.parametrize(
    "body", ["not json", '{"token_type": "bearer"}', '{"access_token": 5}', '["a"]'], ids=str
)
def test_bad_token_answer(rsps: responses.RequestsMock, body: str) -> None:
    rsps.post(TOKEN_URL, body=body, content_type="application/json")
    with pytest.raises(InvalidResponse):
        refresh(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)


@pytest.mark.parametrize("exc", [requests.ConnectionError("refused"), requests.ReadTimeout("slow")])
def test_network_errors_are_typed_and_not_retried(rsps: responses.RequestsMock, exc: Exception) -> None:
    rsps.post(TOKEN_URL, body=exc)
    with pytest.raises(NetworkError, match="token endpoint at eu.ninjarmm.com"):
        refresh(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
    assert len(rsps.calls) == 1  # a refresh that reached the server may have rotated the token


def test_uses_given_session(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, json=token_body())
    with requests.Session() as session:
        session.headers["X-Probe"] = "1"
        client_credentials(BASE, CLIENT_ID, CLIENT_SECRET, session=session)
    assert rsps.calls[0].request.headers["X-Probe"] == "1"


def test_revoke(rsps: responses.RequestsMock) -> None:
    rsps.post(REVOKE_URL, status=200)
    revoke(BASE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, token_type_hint="refresh_token")
    assert form_of(rsps.calls[0].request) == {
        "token": REFRESH_TOKEN,
        "token_type_hint": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


def test_revoke_errors(rsps: responses.RequestsMock) -> None:
    rsps.post(REVOKE_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(AuthError, match="client id or secret"):
        revoke(BASE, CLIENT_ID, CLIENT_SECRET, "tok")


def test_server_metadata(rsps: responses.RequestsMock) -> None:
    url = f"{BASE}/.well-known/oauth-authorization-server"
    rsps.get(url, json=sample("oauth-authorization-server-metadata.json"))
    metadata = fetch_server_metadata(BASE)
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    rsps.replace(responses.GET, url, status=404, body="<html></html>", content_type="text/html")
    with pytest.raises(ApiError, match="is this a NinjaOne instance"):
        fetch_server_metadata(BASE)
    rsps.replace(responses.GET, url, json={"issuer": 5})
    with pytest.raises(InvalidResponse):
        fetch_server_metadata(BASE)
    rsps.replace(responses.GET, url, body=requests.ConnectionError("down"))
    with pytest.raises(NetworkError):
        fetch_server_metadata(BASE)
