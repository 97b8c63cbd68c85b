"""Error bodies of the fake, in the shapes the real NinjaOne uses where those are known.

Known from the real service (see ``shared/ninjaone/API-NOTES.md``): the token endpoint's
``{"resultCode": "Client app not exist"}`` (404), the OAuth ``{"error": "invalid_grant"}`` family, and
the bearer failure ``{"error": "not_authenticated", "error_code": 10}`` (401). The OpenAPI document
declares 400/403/404 responses without a body schema, so for those the fake answers
``{"resultCode": "FAILURE", "errorMessage": ..., "incidentId": ...}`` — the envelope NinjaOne's API is
remembered to use, not verified against a primary source. Clients must key on the status code.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, jsonify


class FakeApiError(Exception):
    """Raised anywhere in a request to answer with ``status`` and a JSON ``body``."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    def to_response(self) -> Response:
        response = jsonify(self.body)
        response.status_code = self.status
        return response


def failure(status: int, message: str) -> FakeApiError:
    """A /v2 error in NinjaOne's result envelope (400 bad input, 403 forbidden, 404 unknown id)."""
    return FakeApiError(
        status, {"resultCode": "FAILURE", "errorMessage": message, "incidentId": str(uuid.uuid4())}
    )


def oauth_error(status: int, error: str, description: str | None = None) -> FakeApiError:
    """An RFC 6749 error body, as NinjaOne's token endpoint returns for grant and client failures."""
    body: dict[str, Any] = {"error": error}
    if description:
        body["error_description"] = description
    return FakeApiError(status, body)


def unknown_client() -> FakeApiError:
    """What NinjaOne answers when the client id is not registered in this region (a wrong region)."""
    return FakeApiError(404, {"resultCode": "Client app not exist"})


def not_authenticated() -> FakeApiError:
    """A missing, expired or revoked bearer token."""
    return FakeApiError(401, {"error": "not_authenticated", "error_code": 10})
