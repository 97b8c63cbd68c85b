"""Talking to the fake NinjaOne in its own tests: a bearer session on its base URL, and a record of what
a webhook receiver was sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
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


def new_device(fake: FakeNinjaOne, node_class: str = "WINDOWS_WORKSTATION", *, offline: bool = False) -> int:
    """A new device of the fake's first organization; its id."""
    organization = fake.state.organizations_page(None, 1)[0]["id"]
    return fake.state.create_device(organization, node_class, fields={"offline": offline})["id"]


def hook(api: Api, receiver: Receiver) -> None:
    """Point the fake's webhook at ``receiver`` (every activity, device expanded)."""
    config = {"url": receiver.url, "activities": {}, "expand": ["device"], "headers": []}
    assert api.request("PUT", "/v2/webhook", json=config).status_code == 204
