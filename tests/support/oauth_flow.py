"""Obtain a real authorization-code token pair from the fake NinjaOne (PKCE, redirect, exchange)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from flask_ninjaone.client import DEFAULT_SCOPES, TokenSet, build_authorization_url, exchange_code

CLIENT_ID, CLIENT_SECRET = "demo-client-id", "demo-client-secret"
REDIRECT_URI = "http://127.0.0.1:9/callback"


def authorization_code_tokens(base_url: str) -> TokenSet:
    """Walk the OAuth flow the way a browser would (the fake auto-consents) and exchange the code."""
    url, verifier = build_authorization_url(base_url, CLIENT_ID, REDIRECT_URI, DEFAULT_SCOPES, "state-123")
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["state"] == ["state-123"]
    return exchange_code(base_url, CLIENT_ID, CLIENT_SECRET, query["code"][0], REDIRECT_URI, verifier)
