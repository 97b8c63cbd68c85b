"""NinjaOne's answers checked against their schemas: one place that turns a response into loaded data or
an :class:`~.errors.InvalidResponse` naming the endpoint, for the client and its mixins alike (the mixins
cannot import :mod:`.api`, which imports them)."""

from __future__ import annotations

from typing import Any, Literal, overload

import requests
from marshmallow import Schema, ValidationError

from .errors import InvalidResponse
from .transport import NOT_JSON, json_body


def response_json(response: requests.Response, endpoint: str) -> Any:
    """The parsed body; a body that is not JSON raises :class:`InvalidResponse`."""
    body = json_body(response)
    if body is NOT_JSON:
        raise InvalidResponse(
            f"{endpoint}: NinjaOne answered HTTP {response.status_code} with a body that is not JSON"
        )
    return body


@overload
def load(schema: Schema, data: Any, endpoint: str, *, many: Literal[False] = False) -> dict[str, Any]: ...
@overload
def load(schema: Schema, data: Any, endpoint: str, *, many: Literal[True]) -> list[dict[str, Any]]: ...
@overload
def load(schema: Schema, data: Any, endpoint: str, *, many: bool) -> Any: ...
def load(schema: Schema, data: Any, endpoint: str, *, many: bool = False) -> Any:
    """Schema-load ``data``; a mismatch raises :class:`InvalidResponse` with marshmallow's field messages.

    Raised outside the ``except`` block so the ValidationError, which holds the whole payload, is not
    chained to it. The overloads give the shape of what the schemas load (marshmallow returns ``Any``).
    """
    try:
        return schema.load(data, many=many)
    except ValidationError as err:
        messages = err.messages
    raise InvalidResponse(
        f"{endpoint}: NinjaOne's answer does not have the documented shape", messages=messages
    )


@overload
def load_response(
    schema: Schema, response: requests.Response, endpoint: str, *, many: Literal[False] = False
) -> dict[str, Any]: ...
@overload
def load_response(
    schema: Schema, response: requests.Response, endpoint: str, *, many: Literal[True]
) -> list[dict[str, Any]]: ...
@overload
def load_response(schema: Schema, response: requests.Response, endpoint: str, *, many: bool) -> Any: ...
def load_response(schema: Schema, response: requests.Response, endpoint: str, *, many: bool = False) -> Any:
    """:func:`load` of the response's JSON body (:func:`response_json`)."""
    return load(schema, response_json(response, endpoint), endpoint, many=many)
