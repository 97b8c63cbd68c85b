"""Talking to the fake NinjaOne in its own tests: a bearer session on its base URL, and a record of what
a webhook receiver was sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.shared import SHARED_NINJAONE

SHARED = SHARED_NINJAONE


FLEET_SIZE = 150


class Api:
    """A requests session bound to the fake's base URL, with an optional bearer token."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 15)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, params=params)

    def close(self) -> None:
        self.session.close()


@dataclass
class Receiver:
    """Records every POST it receives; answers ``status``."""

    url: str = ""
    status: int = 200
    received: list[dict[str, Any]] = field(default_factory=list)

    def payloads(self) -> list[dict[str, Any]]:
        return [item["json"] for item in self.received]
