"""OAuth 2.0 against a NinjaOne instance: authorization URL with PKCE, code exchange, client credentials,
refresh, revocation.

Built on ``requests`` directly rather than ``requests_oauthlib.OAuth2Session``, for three reasons found in
requests-oauthlib 2.0 / oauthlib:

* ``OAuth2Session`` logs the token request body (client secret, code, refresh token) and the token
  response at DEBUG, so one DEBUG log config leaks every credential;
* it refuses ``http://`` token URLs unless the process-wide ``OAUTHLIB_INSECURE_TRANSPORT`` is set, which
  breaks the local fake NinjaOne used by tests and demos (and cannot be scoped to one connection);
* it raises a bare ``Warning`` when the granted scope differs from the requested one.

The protocol itself is small: form posts with ``client_secret_post`` client authentication, a JSON answer
validated by :class:`~.schemas.TokenResponseSchema`, and token-endpoint errors mapped to typed errors.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from marshmallow import ValidationError

from .deadlines import deadline_session
from .errors import (
    ApiError,
    AuthError,
    InvalidResponse,
    NetworkError,
    NinjaOneError,
    RateLimited,
    ReconnectRequired,
)
from .instances import authorize_url, metadata_url, revoke_url, token_url
from .schemas.oauth import ServerMetadataSchema, TokenResponseSchema
from .tokens import TokenSet
from .transport import (
    DEFAULT_TIMEOUT,
    NOT_JSON,
    USER_AGENT,
    Timeout,
    error_fields,
    is_html,
    json_body,
    parse_retry_after,
)

DEFAULT_SCOPES: tuple[str, ...] = ("monitoring", "management", "control", "offline_access")
"""Read devices and alerts, reset alerts, open remote sessions, and get a refresh token."""

CLIENT_CREDENTIALS_SCOPES: tuple[str, ...] = ("monitoring", "management", "control")
"""``offline_access`` only matters for user grants: a client-credentials token is simply requested again."""

ASSUMED_EXPIRES_IN = 3600.0
"""NinjaOne access tokens last about an hour; used only if a token answer omits ``expires_in``."""

_CLIENT_APP_NOT_EXIST = "Client app not exist"
_token_schema = TokenResponseSchema()


def generate_code_verifier() -> str:
    """A PKCE code verifier (RFC 7636): 86 URL-safe characters from 64 random bytes."""
    return secrets.token_urlsafe(64)


def s256_code_challenge(code_verifier: str) -> str:
    """The S256 code challenge of ``code_verifier``: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def build_authorization_url(
    base_url: str, client_id: str, redirect_uri: str, scopes: Sequence[str], state: str
) -> tuple[str, str]:
    """URL to send the user's browser to, and the PKCE code verifier to keep (server side) for the exchange.

    ``state`` must be unguessable and bound to the user's session by the caller; it comes back unchanged
    on the redirect and is the CSRF protection of the flow.
    """
    if not state:
        raise ValueError("state must be a non-empty, unguessable string bound to the user's session")
    if not client_id:
        raise ValueError("client_id is required")
    verifier = generate_code_verifier()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": _scope_string(scopes),
        "state": state,
        "code_challenge": s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return f"{authorize_url(base_url)}?{urlencode(query)}", verifier


def exchange_code(
    base_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    session: requests.Session | None = None,
    clock: Callable[[], float] = time.time,
) -> TokenSet:
    """Trade the authorization code from the redirect for the first token pair."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    return _token_request(
        base_url,
        form,
        grant="authorization_code",
        secret_values=(client_secret, code, code_verifier),
        timeout=timeout,
        session=session,
        clock=clock,
    )


def client_credentials(
    base_url: str,
    client_id: str,
    client_secret: str,
    scopes: Sequence[str] = CLIENT_CREDENTIALS_SCOPES,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    session: requests.Session | None = None,
    clock: Callable[[], float] = time.time,
) -> TokenSet:
    """A token for the API client itself (no user, no refresh token); renewed by asking again."""
    form = {
        "grant_type": "client_credentials",
        "scope": _scope_string(scopes),
        "client_id": client_id,
        "client_secret": client_secret,
    }
    return _token_request(
        base_url,
        form,
        grant="client_credentials",
        secret_values=(client_secret,),
        timeout=timeout,
        session=session,
        clock=clock,
    )


def refresh(
    base_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    session: requests.Session | None = None,
    clock: Callable[[], float] = time.time,
) -> TokenSet:
    """A new token pair. NinjaOne rotates refresh tokens: the returned one replaces ``refresh_token``, which
    stops working, so the caller must save the result before anything else can use the old one.

    Raises :class:`ReconnectRequired` when the refresh token (or the client) is rejected.
    """
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    token = _token_request(
        base_url,
        form,
        grant="refresh_token",
        secret_values=(client_secret, refresh_token),
        timeout=timeout,
        session=session,
        clock=clock,
    )
    if token.refresh_token is None:  # RFC 6749 §6: the server may keep the old refresh token valid
        token = TokenSet(token.access_token, refresh_token, token.expires_at, token.scope, token.token_type)
    return token


def revoke(
    base_url: str,
    client_id: str,
    client_secret: str,
    token: str,
    *,
    token_type_hint: str | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    session: requests.Session | None = None,
) -> None:
    """Revoke an access or refresh token (RFC 7009), e.g. when a tenant disconnects."""
    form = {"token": token, "client_id": client_id, "client_secret": client_secret}
    if token_type_hint:
        form["token_type_hint"] = token_type_hint
    response = _post(revoke_url(base_url), form, what="token revocation", timeout=timeout, session=session)
    if response.status_code >= 300:
        raise _token_error(response, grant="revoke", secret_values=(client_secret, token))


def fetch_server_metadata(
    base_url: str, *, timeout: Timeout = DEFAULT_TIMEOUT, session: requests.Session | None = None
) -> dict[str, Any]:
    """The instance's OAuth server metadata (RFC 8414). A custom base URL whose metadata loads and whose
    ``issuer`` matches is a NinjaOne instance: a cheap check before sending a user through OAuth."""
    url = metadata_url(base_url)
    try:
        with _session_scope(session) as http:
            response = http.get(
                url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}, timeout=timeout
            )
    except requests.RequestException as exc:
        raise NetworkError(f"could not reach {urlsplit(base_url).netloc} ({type(exc).__name__})") from exc
    if response.status_code != 200 or is_html(response):
        raise ApiError(
            f"no OAuth server metadata at {url} (HTTP {response.status_code}): is this a NinjaOne instance?",
            status=response.status_code,
        )
    body = json_body(response)
    messages = None
    if body is not NOT_JSON:
        try:
            metadata: dict[str, Any] = ServerMetadataSchema().load(body)  # marshmallow returns Any
            return metadata
        except ValidationError as err:
            messages = err.messages
    raise InvalidResponse(f"OAuth server metadata at {url} is not valid", messages=messages)


def _scope_string(scopes: Sequence[str]) -> str:
    if isinstance(scopes, str) or not scopes:
        raise ValueError("scopes must be a non-empty list of scope names")
    for scope in scopes:
        if not scope or any(ch.isspace() for ch in scope):
            raise ValueError(f"invalid scope name {scope!r}")
    return " ".join(scopes)


@contextmanager
def _session_scope(session: requests.Session | None) -> Iterator[requests.Session]:
    """Use the caller's session (connection reuse, test injection) or a throwaway one with the default
    total deadline per exchange (see :mod:`.deadlines`)."""
    if session is not None:
        yield session
        return
    with deadline_session() as own:
        yield own


def _post(
    url: str, form: dict[str, str], *, what: str, timeout: Timeout, session: requests.Session | None
) -> requests.Response:
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    try:
        with _session_scope(session) as http:
            return http.post(url, data=form, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        # Not retried: a refresh that reached the server may already have rotated the refresh token.
        raise NetworkError(
            f"could not reach the NinjaOne {what} endpoint at {urlsplit(url).netloc} ({type(exc).__name__})"
        ) from exc


def _token_request(
    base_url: str,
    form: dict[str, str],
    *,
    grant: str,
    secret_values: Sequence[str],
    timeout: Timeout,
    session: requests.Session | None,
    clock: Callable[[], float],
) -> TokenSet:
    response = _post(token_url(base_url), form, what="token", timeout=timeout, session=session)
    if not 200 <= response.status_code < 300 or is_html(response):
        raise _token_error(response, grant=grant, secret_values=secret_values)
    body = json_body(response)
    if body is NOT_JSON:
        raise InvalidResponse("the NinjaOne token endpoint answered with a body that is not JSON")
    try:
        data = _token_schema.load(body)
    except ValidationError as err:
        # The error holds the answer, which may include valid tokens: keep only the field names, and
        # raise outside this block so the ValidationError is not chained as context.
        fields = sorted(str(key) for key in err.messages) if isinstance(err.messages, dict) else []
    else:
        expires_in = data.get("expires_in", ASSUMED_EXPIRES_IN)
        return TokenSet(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=clock() + expires_in,
            scope=data.get("scope") or form.get("scope", ""),
            token_type=data.get("token_type") or "Bearer",
        )
    raise InvalidResponse(f"the NinjaOne token answer is not valid (fields: {', '.join(fields)})")


def _token_error(response: requests.Response, *, grant: str, secret_values: Sequence[str]) -> NinjaOneError:
    """Map a failed token/revoke answer to the error a caller can act on."""
    status = response.status_code
    host = urlsplit(response.url or "").netloc or "this instance"
    if status == 429 or is_html(response):
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=time.time())
        return RateLimited(
            f"NinjaOne is throttling the OAuth endpoint (HTTP {status})",
            retry_after=retry_after,
            status=status,
        )
    info = error_fields(response, secret_values)
    body = json_body(response)
    code = body.get("error") if isinstance(body, dict) else None  # raw, for decisions only
    error = info.get("error")  # redacted, for messages
    description = info.get("text") if info.get("text") != error else None
    result_code = info.get("result_code")
    if result_code == _CLIENT_APP_NOT_EXIST:
        return AuthError(
            f"NinjaOne at {host} does not know this client id ('{_CLIENT_APP_NOT_EXIST}'): the API client "
            "was probably created on another instance. Check the region "
            "(US, US2, EMEA, Oceania, Canada, FED)."
        )
    if status == 404:
        return AuthError(
            f"no NinjaOne OAuth endpoint at {host} (HTTP 404): check the instance URL or region."
        )
    if status >= 500:
        return ApiError(
            f"the NinjaOne OAuth endpoint failed (HTTP {status}); try again later",
            status=status,
            result_code=result_code,
            incident_id=info.get("incident_id"),
        )
    if code == "invalid_client":
        cls = ReconnectRequired if grant == "refresh_token" else AuthError
        return cls(
            "NinjaOne rejected the client id or secret (invalid_client): check the API client credentials."
        )
    if grant == "refresh_token" and (code in ("invalid_grant", "invalid_token") or status in (400, 401)):
        return ReconnectRequired(
            f"NinjaOne rejected the refresh token ({error or f'HTTP {status}'}): it was revoked, expired or "
            "already used. Reconnect the NinjaOne integration."
        )
    if grant == "authorization_code" and code == "invalid_grant":
        return AuthError(
            "NinjaOne rejected the authorization code (invalid_grant): it expired or was already used, or "
            "the redirect URI or PKCE verifier does not match. Start the connection again."
        )
    detail = f"HTTP {status}" + (f", {error}" if error else "")
    return AuthError(
        f"NinjaOne refused the {grant.replace('_', ' ')} request ({detail})"
        + (f": {description}" if description else "")
    )
