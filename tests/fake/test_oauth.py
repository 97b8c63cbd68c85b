"""OAuth of the fake: authorize -> code -> token with PKCE, rotation, client auth, bearer and scope errors."""

from __future__ import annotations

import base64
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from tests.support.fake_api import Api

CLIENT_ID = "demo-client-id"
SECRET = "demo-client-secret"
REDIRECT_URI = "http://127.0.0.1:5000/integrations/ninjaone/oauth/callback"
NOT_AUTHENTICATED = {"error": "not_authenticated", "error_code": 10}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(control: Api, challenge: str | None, **overrides: str) -> requests.Response:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "st-123",
        "scope": "monitoring management offline_access",
    }
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return control.get("/ws/oauth/authorize", **(params | overrides))


def redirect_params(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))


def token(control: Api, **form: str) -> requests.Response:
    return control.request(
        "POST", "/ws/oauth/token", data={"client_id": CLIENT_ID, "client_secret": SECRET} | form
    )


def code_for(control: Api, challenge: str | None = None, **overrides: str) -> str:
    return redirect_params(authorize(control, challenge, **overrides))["code"]


def test_authorization_code_flow_with_pkce(control: Api) -> None:
    verifier, challenge = pkce()
    response = authorize(control, challenge)
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    params = redirect_params(response)
    assert params["state"] == "st-123"
    issued = token(
        control,
        grant_type="authorization_code",
        code=params["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
    assert issued.status_code == 200
    body = issued.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == {"monitoring", "management", "offline_access"}
    assert issued.headers["Cache-Control"] == "no-store"
    bearer = Api(control.base, body["access_token"])
    assert bearer.get("/v2/devices", pageSize=1).status_code == 200
    bearer.close()


def test_code_is_single_use(control: Api) -> None:
    verifier, challenge = pkce()
    code = code_for(control, challenge)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    assert token(control, **form).status_code == 200
    again = token(control, **form)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_wrong_or_missing_verifier_is_rejected_and_burns_the_code(control: Api) -> None:
    verifier, challenge = pkce()
    code = code_for(control, challenge)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    wrong = token(control, **form, code_verifier=pkce()[0])
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    assert token(control, **form, code_verifier=verifier).status_code == 400
    missing = token(
        control, grant_type="authorization_code", code=code_for(control, challenge), redirect_uri=REDIRECT_URI
    )
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_grant")


def test_code_is_bound_to_redirect_uri_and_client(control: Api, fake: FakeNinjaOne) -> None:
    code = code_for(control)
    other_uri = token(control, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI + "x")
    assert other_uri.status_code == 400
    fake.state.oauth.register_client("other-app", "other-secret", ["http://127.0.0.1*"])
    code = code_for(control)
    stolen = control.request(
        "POST",
        "/ws/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": "other-app",
            "client_secret": "other-secret",
        },
    )
    assert (stolen.status_code, stolen.json()["error"]) == (400, "invalid_grant")


def test_client_secret_basic_is_url_decoded(control: Api, fake: FakeNinjaOne) -> None:
    fake.state.oauth.register_client("basic app", "s3c:r/t+%", ["http://localhost*"])
    response = control.request(
        "POST",
        "/ws/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("basic+app", "s3c%3Ar%2Ft%2B%25"),
    )
    assert response.status_code == 200, response.text
    wrong = control.request(
        "POST", "/ws/oauth/token", data={"grant_type": "client_credentials"}, auth=("basic+app", "nope")
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")


def test_refresh_tokens_rotate_and_the_old_one_dies(control: Api) -> None:
    first = token(
        control, grant_type="authorization_code", code=code_for(control), redirect_uri=REDIRECT_URI
    ).json()
    second = token(control, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    reused = token(control, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    assert (
        token(control, grant_type="refresh_token", refresh_token=rotated["refresh_token"]).status_code == 200
    )


def test_two_workers_refreshing_at_once_leave_exactly_one_winner(control: Api) -> None:
    refresh = token(
        control, grant_type="authorization_code", code=code_for(control), redirect_uri=REDIRECT_URI
    ).json()["refresh_token"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = sorted(
            pool.map(
                lambda _: (
                    requests.post(
                        control.base + "/ws/oauth/token",
                        data={
                            "grant_type": "refresh_token",
                            "refresh_token": refresh,
                            "client_id": CLIENT_ID,
                            "client_secret": SECRET,
                        },
                        timeout=10,
                    ).status_code
                ),
                range(2),
            )
        )
    assert codes == [200, 400]


def test_no_refresh_token_without_offline_access(control: Api) -> None:
    code = code_for(control, scope="monitoring")
    body = token(control, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI).json()
    assert "refresh_token" not in body
    assert body["scope"] == "monitoring"


def test_client_credentials_never_returns_a_refresh_token(control: Api) -> None:
    body = token(control, grant_type="client_credentials", scope="monitoring offline_access").json()
    assert "refresh_token" not in body
    assert body["scope"] == "monitoring"
    everything = token(control, grant_type="client_credentials").json()
    assert set(everything["scope"].split()) == {"monitoring", "management", "control"}


def test_unknown_client_is_the_real_404(control: Api) -> None:
    at_token = control.request(
        "POST",
        "/ws/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "nope", "client_secret": "x"},
    )
    assert (at_token.status_code, at_token.json()) == (404, {"resultCode": "Client app not exist"})
    at_authorize = authorize(control, None, client_id="nope")
    assert (at_authorize.status_code, at_authorize.json()) == (404, {"resultCode": "Client app not exist"})


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "", "client_secret": ""}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "monitoring superuser"}, 400, "invalid_scope"),
        ({"grant_type": "refresh_token", "refresh_token": "made-up"}, 400, "invalid_grant"),
        (
            {"grant_type": "authorization_code", "code": "made-up", "redirect_uri": REDIRECT_URI},
            400,
            "invalid_grant",
        ),
    ],
)
def test_token_endpoint_errors(control: Api, form: dict[str, str], status: int, error: str) -> None:
    response = token(control, **({"grant_type": "client_credentials"} | form))
    assert response.status_code == status
    assert response.json()["error"] == error


def test_redirect_uri_must_be_registered(control: Api) -> None:
    assert authorize(control, None, redirect_uri="http://localhost:8080/anything").status_code == 302
    for uri in ("https://evil.example/callback", "", "http://127.0.0.2/cb"):
        response = authorize(control, None, redirect_uri=uri)
        assert response.status_code == 400
        assert "Location" not in response.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "monitoring everything"}, "invalid_scope"),
        ({"code_challenge": "abc", "code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
    ],
)
def test_authorize_errors_redirect_back_with_state(
    control: Api, overrides: dict[str, str], error: str
) -> None:
    params = redirect_params(authorize(control, None, **overrides))
    assert (params["error"], params["state"]) == (error, "st-123")
    assert "code" not in params


def test_deny_consent_redirects_with_access_denied(control: Api) -> None:
    assert (
        control.request("PUT", "/_fake/settings", json={"deny_consent": True}).json()["deny_consent"] is True
    )
    params = redirect_params(authorize(control, pkce()[1]))
    assert (params["error"], params["state"]) == ("access_denied", "st-123")
    control.request("PUT", "/_fake/settings", json={"deny_consent": False})
    assert "code" in redirect_params(authorize(control, pkce()[1]))


def test_token_requests_are_counted_per_grant_type(control: Api) -> None:
    control.request("DELETE", "/_fake/counters")
    token(control, grant_type="client_credentials")
    token(control, grant_type="client_credentials")
    token(control, grant_type="refresh_token", refresh_token="bad")
    counters = control.get("/_fake/counters").json()
    assert counters["token_grants"] == {"client_credentials": 2, "refresh_token": 1}
    assert counters["requests"]["POST /ws/oauth/token"] == 3


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic abc", "bearer "])
def test_bad_bearer_is_401_not_authenticated(control: Api, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = control.request("GET", "/v2/devices", headers=headers)
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_expired_and_revoked_tokens_are_401(control: Api, api: Api) -> None:
    assert api.get("/v2/organizations").status_code == 200
    assert control.request("POST", "/_fake/tokens/expire").json()["expired"] >= 1
    expired = api.get("/v2/organizations")
    assert (expired.status_code, expired.json()) == (401, NOT_AUTHENTICATED)
    fresh = token(control, grant_type="client_credentials").json()["access_token"]
    revoked = control.request(
        "POST", "/ws/oauth/revoke", data={"token": fresh, "client_id": CLIENT_ID, "client_secret": SECRET}
    )
    assert revoked.status_code == 200
    bearer = Api(control.base, fresh)
    assert bearer.get("/v2/organizations").status_code == 401
    bearer.close()


def test_revoked_refresh_tokens_force_a_reconnect(control: Api) -> None:
    body = token(
        control, grant_type="authorization_code", code=code_for(control), redirect_uri=REDIRECT_URI
    ).json()
    assert control.request("POST", "/_fake/tokens/revoke-refresh", json={"client_id": CLIENT_ID}).json() == {
        "revoked": 1
    }
    dead = token(control, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert (dead.status_code, dead.json()["error"]) == (400, "invalid_grant")


def _bearer(fake: FakeNinjaOne, *scopes: str) -> Api:
    return Api(fake.url, fake.state.oauth.issue_access_token(scopes=set(scopes)))


@pytest.mark.parametrize(
    ("scopes", "method", "path", "kwargs"),
    [
        (("monitoring",), "GET", "/v2/device/{id}/dashboard-url", {}),
        (("monitoring", "control"), "DELETE", "/v2/alert/{uid}", {}),
        (("monitoring", "control"), "POST", "/v2/alert/{uid}/reset", {"json": {}}),
        (("monitoring",), "PUT", "/v2/webhook", {"json": {"url": "http://127.0.0.1:9/x"}}),
        (("monitoring",), "DELETE", "/v2/webhook", {}),
        (("management",), "GET", "/v2/devices", {}),
    ],
)
def test_missing_scope_is_403(
    fake: FakeNinjaOne, scopes: tuple[str, ...], method: str, path: str, kwargs: dict[str, Any]
) -> None:
    device_id = fake.state.devices_page(None, 1)[0]["id"]
    uid = fake.state.trigger_condition(device_id)["alert"]["uid"]
    bearer = _bearer(fake, *scopes)
    response = bearer.request(method, path.replace("{id}", str(device_id)).replace("{uid}", uid), **kwargs)
    assert response.status_code == 403
    assert "scope" in response.json()["errorMessage"]
    assert any(alert["uid"] == uid for alert in fake.state.alerts()), "nothing was done"
    bearer.close()


def test_server_metadata_points_at_this_server(control: Api) -> None:
    metadata = control.get("/.well-known/oauth-authorization-server").json()
    assert metadata["token_endpoint"] == control.base + "/ws/oauth/token"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
