"""NinjaOne's OAuth endpoints: ``/ws/oauth/authorize``, ``/ws/oauth/token``, ``/ws/oauth/revoke``.

The authorize endpoint consents automatically (there is no user to click) and redirects back with
``code`` and ``state``, unless the state's ``deny_consent`` switch is on. Errors follow RFC 6749: an
unknown client is NinjaOne's 404 ``{"resultCode": "Client app not exist"}`` and an unregistered
``redirect_uri`` is a 400 page (never a redirect to an unverified URI); everything else redirects back
with ``error``. Scope defaults to ``monitoring`` when the request names none. PKCE: only ``S256`` is
accepted (the server metadata advertises only S256); a code issued without a challenge needs no verifier.

The token endpoint takes the client credentials from HTTP Basic (``client_secret_basic``, URL-decoded as
RFC 6749 §2.3.1 requires) or from the form (``client_secret_post``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from .errors import oauth_error
from .oauth_store import ApiClient, parse_scopes
from .state import current_state

bp = Blueprint("fake_ninjaone_oauth", __name__)


@bp.get("/.well-known/oauth-authorization-server")
def metadata() -> Response:
    """The server metadata, shaped like ``samples/oauth-authorization-server-metadata.json``."""
    base = request.host_url.rstrip("/")
    return jsonify(
        {
            "issuer": f"{base}/",
            "authorization_endpoint": f"{base}/ws/oauth/authorize",
            "revocation_endpoint": f"{base}/ws/oauth/revoke",
            "token_endpoint": f"{base}/ws/oauth/token",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["monitoring"],
        }
    )


@bp.get("/ws/oauth/authorize")
def authorize() -> BaseResponse:
    store = current_state().oauth
    args = request.args
    client = store.client(args.get("client_id", ""))
    redirect_uri = args.get("redirect_uri", "")
    if not redirect_uri or not client.accepts_redirect_uri(redirect_uri):
        raise oauth_error(400, "invalid_request", "redirect_uri is not registered for this client app")

    def back(**params: str) -> BaseResponse:
        if args.get("state") is not None:
            params["state"] = args["state"]
        return redirect(_with_query(redirect_uri, params), 302)

    if store.deny_consent:
        return back(error="access_denied", error_description="The user denied access")
    if args.get("response_type") != "code":
        return back(error="unsupported_response_type")
    scopes = parse_scopes(args.get("scope")) or frozenset({"monitoring"})
    if not scopes <= client.scopes:
        return back(error="invalid_scope")
    challenge = args.get("code_challenge")
    method = args.get("code_challenge_method")
    if (challenge or method) and (method != "S256" or not challenge):
        return back(error="invalid_request", error_description="PKCE requires code_challenge with S256")
    return back(code=store.create_code(client, redirect_uri, scopes, challenge))


@bp.post("/ws/oauth/token")
def token() -> Response:
    state = current_state()
    form = request.form
    grant_type = form.get("grant_type", "")
    state.count_token_grant(grant_type)
    client = _authenticated_client()
    store = state.oauth
    if grant_type == "authorization_code":
        body = store.redeem_code(
            form.get("code", ""), client, form.get("redirect_uri", ""), form.get("code_verifier")
        )
    elif grant_type == "refresh_token":
        body = store.refresh(form.get("refresh_token", ""), client)
    elif grant_type == "client_credentials":
        scopes = parse_scopes(form.get("scope")) or client.scopes - {"offline_access"}
        if not scopes <= client.scopes:
            raise oauth_error(400, "invalid_scope")
        body = store.issue_tokens(client, scopes - {"offline_access"}, refreshable=False)
    else:
        raise oauth_error(400, "unsupported_grant_type")
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/ws/oauth/revoke")
def revoke() -> tuple[str, int]:
    current_state().oauth.revoke(request.form.get("token", ""), _authenticated_client())
    return "", 200


def _authenticated_client() -> ApiClient:
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        client_id, secret = unquote_plus(auth.username or ""), unquote_plus(auth.password or "")
    else:
        client_id, secret = request.form.get("client_id", ""), request.form.get("client_secret", "")
    if not client_id:
        raise oauth_error(401, "invalid_client", "Client authentication is required")
    return current_state().oauth.authenticate_client(client_id, secret)


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
