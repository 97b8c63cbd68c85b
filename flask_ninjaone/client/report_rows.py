"""Report rows as NinjaOne sent them, validated later and only where the caller needs them.

Loading every row of a ``/v2/queries/*`` page through marshmallow was most of a fleet inventory
refresh in which nothing changed (14.5 s of 23.1 s at 1k devices, profiled): the refresh then threw
the loaded rows away, because a device's rows hashed to the fingerprint its stored inventory was
written from. So :meth:`~.api.NinjaOneClient.query_raw` checks only what the walk itself relies
on — the page's shape, the cursor, and every row's ``deviceId`` (which groups rows by device) — and
the caller loads the rows it is about to use with :func:`load_report_rows`, which applies the
report's own row schema and raises the same :class:`~.errors.InvalidResponse` a whole-page load
would. Rows that are never loaded are never used: a caller that skips a device's raw rows must have
loaded byte-identical rows before (see :mod:`flask_ninjaone.inventory.fingerprints`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError

from .errors import InvalidResponse
from .schemas import QUERY_PAGE_SCHEMAS, QUERY_ROW_SCHEMAS, EpochSeconds, RawReportPageSchema
from .schemas.compiled import Loader, Miss, compile_loader

_ROW_SCHEMAS: dict[str, Schema] = {name: schema(many=True) for name, schema in QUERY_ROW_SCHEMAS.items()}
#: Each report's row loader compiled for the common, well-formed row (:mod:`.schemas.compiled`): a
#: first inventory refresh loads every row, and marshmallow's per-field machinery was most of its CPU
#: (2.1 s of a 120-device refresh's 5.8 s, profiled). Same result, and marshmallow's own refusals.
_ROW_LOADERS: dict[str, Loader] = {
    name: loader
    for name, schema in QUERY_ROW_SCHEMAS.items()
    if (loader := compile_loader(schema())) is not None
}
_RAW_PAGE = RawReportPageSchema()
_TIMESTAMP = EpochSeconds()
#: NinjaOne ids are stored as BIGINT (the same bounds as :class:`~.schemas.StrictInteger`).
_ID_RANGE = range(-(2**63), 2**63)


def report_endpoint(report: str) -> str:
    """How errors name a report's endpoint (the same words as every other load of the client)."""
    return f"GET /v2/queries/{report}"


def _invalid(report: str, messages: Any) -> InvalidResponse:
    return InvalidResponse(
        f"{report_endpoint(report)}: NinjaOne's answer does not have the documented shape", messages=messages
    )


def load_raw_page(report: str, body: Any) -> dict[str, Any]:
    """The page's envelope loaded (``cursor`` typed), its ``results`` left as sent.

    Each row must be an object whose ``deviceId`` is a JSON integer; otherwise the whole page is
    loaded with the report's own schema so the error is exactly the one a full load raises.
    """
    messages: Any = None
    try:
        page: dict[str, Any] = _RAW_PAGE.load(body)
    except ValidationError as err:
        messages = err.messages
    else:
        if all(_grouped(row) for row in page["results"]):
            return page
        try:
            QUERY_PAGE_SCHEMAS[report]().load(body)
        except ValidationError as err:
            messages = err.messages
    raise _invalid(report, messages)


def _grouped(row: Any) -> bool:
    """Whether a raw row can be grouped: an object with an integer ``deviceId`` in NinjaOne's range."""
    if not isinstance(row, Mapping):
        return False
    device_id = row.get("deviceId")
    return type(device_id) is int and device_id in _ID_RANGE


def load_report_rows(report: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Raw rows of ``report`` loaded by its row schema, as the whole-page load would have loaded them.

    Errors are keyed like a page's (``{"results": {index: ...}}``), the index counting in ``rows``.
    """
    compiled = _ROW_LOADERS.get(report)
    if compiled is not None:
        try:
            return [compiled(row) for row in rows]
        except Miss:
            pass  # a row the compiled loader does not vouch for: marshmallow loads (or refuses) them all
    try:
        loaded: list[dict[str, Any]] = _ROW_SCHEMAS[report].load(rows)
    except ValidationError as err:
        messages = err.messages
    else:
        return loaded
    raise _invalid(report, {"results": messages})


def report_timestamps(report: str, rows: Sequence[Mapping[str, Any]]) -> list[datetime | None]:
    """Only the ``timestamp`` of each raw row, loaded as the row schema loads it (``None`` if absent).

    For rows whose other fields are known to be unchanged: a patch report's last scan time moves on
    its own and is compared for every device.
    """
    stamps: list[datetime | None] = []
    for index, row in enumerate(rows):
        value = row.get("timestamp")
        try:
            stamps.append(None if value is None else _TIMESTAMP.deserialize(value))
        except ValidationError as err:
            messages = {"results": {index: {"timestamp": err.messages}}}
            break
    else:
        return stamps
    raise _invalid(report, messages)
