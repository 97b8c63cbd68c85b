"""Text no database column can hold never becomes a server error: a NUL byte (PostgreSQL text refuses it)
in every text URL parameter, query argument and form field of every extension route."""

from __future__ import annotations

import os

import pytest

from tests.support.security_routes import RECEIVER, cases, request_kwargs, route_app
from tests.support.security_world import WEBHOOK_PREFIX, post_delivery

ON_POSTGRES = bool(os.environ.get("NINJAONE_TEST_DATABASE_URL"))
NUL = "a\x00b"
#: Query arguments some page might read, each with a NUL.
QUERY = {
    name: NUL
    for name in ("name", "publisher", "version", "match", "client", "severity", "status", "device", "q",
                 "page",
                 "limit", "result", "sw_q", "sw_sort", "sw_page", "from", "to", "kind", "format", "next")
}  # fmt: skip
#: Routes that pass text from the request straight into SQL (fine on SQLite, a 500 on PostgreSQL).
POSTGRES_NUL_BUGS: dict[str, str] = {}  # fixed: ids with NUL are refused before any query


def _with_nul(value):
    if isinstance(value, list):
        return [_with_nul(item) for item in value]
    return f"{value}\x00"


def _case(route, method):
    marks = []
    if route.endpoint in POSTGRES_NUL_BUGS:
        marks.append(
            pytest.mark.xfail(
                ON_POSTGRES,
                strict=True,
                reason=(
                    f"BUG (PostgreSQL): {POSTGRES_NUL_BUGS[route.endpoint]} raises psycopg.DataError "
                    "('text fields cannot contain NUL'): 500 instead of a 4xx"
                ),
            )
        )
    return pytest.param(route, method, marks=marks, id=f"{method} {route.endpoint}")


@pytest.mark.parametrize(("route", "method"), [_case(route, method) for route, method in cases(route_app())])
def test_a_nul_byte_anywhere_is_never_a_server_error(world, route, method) -> None:
    acme = world.acme
    values = {**route.values(acme), **{name: NUL for name in route.text_params}}
    kwargs = request_kwargs(route, method, acme, route.values(acme), world.fakes["acme"].url)
    if "data" in kwargs:
        kwargs["data"] = {key: _with_nul(value) for key, value in kwargs["data"].items()}
    kwargs["query_string"] = {
        **{key: _with_nul(value) for key, value in (kwargs.get("query_string") or {}).items()},
        **QUERY,
    }
    response = world.client("admin").open(route.url(values), **kwargs)
    assert response.status_code < 500, (route, response.status_code)


def test_a_nul_byte_in_the_receiver_id_is_404(world) -> None:
    response = post_delivery(world.app, f"{WEBHOOK_PREFIX}/{NUL}", world.acme.webhook_secret, {"id": 1})
    assert response.status_code == 404
    assert RECEIVER
