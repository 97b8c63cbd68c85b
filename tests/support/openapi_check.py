"""A response checked against NinjaOne's real OpenAPI document (``tests/fake/test_openapi_conformance.py``).

The response schema is resolved in ``openapi.json`` (``$ref`` into ``components.schemas``, ``allOf``
merged, the ``deviceType`` discriminator switched to the named component schema) and every value is
checked recursively: JSON type, enum membership, ``uuid``/``date-time`` formats, and that no field the
spec does not name is emitted, except the allowed extras the caller passes.
"""

from __future__ import annotations

import datetime
import json
import uuid
from functools import cache
from typing import Any

from tests.support.fake_api import SHARED

TYPE_CHECKS = {
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
}


@cache
def spec() -> dict[str, Any]:
    return json.loads((SHARED / "openapi.json").read_text(encoding="utf-8"))


def component(name: str) -> dict[str, Any]:
    return spec()["components"]["schemas"][name]


def response_schema(method: str, path: str) -> dict[str, Any]:
    responses = spec()["paths"][path][method.lower()]["responses"]
    response = responses.get("200") or responses["default"]
    return response["content"]["application/json"]["schema"]


def normalize(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` and merge ``allOf`` into one schema with the union of the properties."""
    while "$ref" in schema:
        schema = component(schema["$ref"].rsplit("/", 1)[-1])
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {"type": "object", "properties": {}}
    for part in schema["allOf"]:
        merged["properties"].update(normalize(part).get("properties", {}))
    return merged


def check(value: Any, schema: dict[str, Any], where: str, allowed_extra: dict[str, str]) -> list[str]:
    """Problems of ``value`` against ``schema``; ``where`` is the generic path (``[]`` for any index)."""
    schema = normalize(schema)
    discriminator = schema.get("discriminator")
    if discriminator and isinstance(value, dict) and discriminator["propertyName"] in value:
        name = value[discriminator["propertyName"]]
        if name not in spec()["components"]["schemas"]:
            return [f"{where}: {discriminator['propertyName']} {name!r} names no schema"]
        schema = normalize(component(name))
    expected = schema.get("type")
    if expected == "object" and not {"properties", "additionalProperties"} & set(schema):
        # Java's ``Object`` as the spec's generator renders it (custom field values): any JSON value.
        expected = None
    if expected and not TYPE_CHECKS[expected](value):
        return [f"{where}: {type(value).__name__} {value!r:.60} is not {expected}"]
    problems: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in enum")
    if schema.get("format") == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            problems.append(f"{where}: {value!r} is not a uuid")
    if schema.get("format") == "date-time":
        try:
            datetime.datetime.fromisoformat(value)
        except ValueError:
            problems.append(f"{where}: {value!r} is not a date-time")
    if isinstance(value, dict):
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            path = f"{where}.{key}"
            if properties is not None and key in properties:
                problems += check(item, properties[key], path, allowed_extra)
            elif isinstance(extra, dict):
                problems += check(item, extra, path, allowed_extra)
            elif properties is not None and path not in allowed_extra:
                problems.append(f"{path}: field not named by the spec")
    if isinstance(value, list) and "items" in schema:
        for item in value:
            problems += check(item, schema["items"], f"{where}[]", allowed_extra)
    return problems
