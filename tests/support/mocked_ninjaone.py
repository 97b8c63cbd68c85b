"""A NinjaOne mocked with ``responses`` for the API client's unit tests: its URLs, tokens, real sample
payloads, and request decoders."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses

from flask_ninjaone.client import TokenSet
from tests.support.shared import SHARED_NINJAONE

BASE = "https://eu.ninjarmm.com"
API = f"{BASE}/v2"
TOKEN_URL = f"{BASE}/ws/oauth/token"
REVOKE_URL = f"{BASE}/ws/oauth/revoke"
CLIENT_ID = "client-id-123"
CLIENT_SECRET = "CLIENT-SECRET-d8f7a6s5d4f3"
ACCESS_TOKEN = "ACCESS-TOKEN-a1b2c3d4e5"
REFRESH_TOKEN = "REFRESH-TOKEN-f6g7h8i9j0"
NEW_ACCESS_TOKEN = "NEW-ACCESS-TOKEN-k1l2m3"
NEW_REFRESH_TOKEN = "NEW-REFRESH-TOKEN-n4o5p6"
SAMPLES = SHARED_NINJAONE / "samples"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def token_set(
    access: str = ACCESS_TOKEN, refresh: str | None = REFRESH_TOKEN, expires_in: float = 3600
) -> TokenSet:
    return TokenSet(access, refresh, time.time() + expires_in, "monitoring management", "Bearer")


def token_body(access: str = NEW_ACCESS_TOKEN, refresh: str | None = NEW_REFRESH_TOKEN) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": 3600,
        "scope": "monitoring",
    }
    if refresh is not None:
        body["refresh_token"] = refresh
    return body


def query_of(request: Any) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(request.url).query).items()}


def form_of(request: Any) -> dict[str, str]:
    body = request.body if isinstance(request.body, str) else request.body.decode()
    return {key: values[-1] for key, values in parse_qs(body).items()}


def bearer_of(request: Any) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


class Sleeps(list):
    """The injected ``sleep``: records what would have been slept, never waits."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def serve_entities(
    rsps: responses.RequestsMock, path: str, total: int, make: Callable[[int], dict[str, Any]] | None = None
) -> list[dict[str, str]]:
    """Serve ``total`` items with ids 1..total from ``path``, paged by ``pageSize``/``after`` like NinjaOne.
    Returns the list of query dicts received, to assert on requests."""
    seen: list[dict[str, str]] = []
    build = make or (lambda i: {"id": i, "nodeClass": "WINDOWS_WORKSTATION", "lastContact": 1742412252.744})

    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        query = query_of(request)
        seen.append(query)
        size = int(query["pageSize"])
        after = int(query.get("after", 0))
        ids = range(after + 1, min(total, after + size) + 1)
        return 200, {"Content-Type": "application/json"}, json.dumps([build(i) for i in ids])

    rsps.add_callback(responses.GET, re.compile(re.escape(f"{API}/{path}") + r"(\?.*)?$"), callback=callback)
    return seen
