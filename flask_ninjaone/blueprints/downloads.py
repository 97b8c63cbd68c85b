"""File downloads the pages answer with: a streamed CSV under a dated file name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Response, stream_with_context


def csv_download(filename: str, chunks: Iterator[str]) -> Response:
    """Stream ``chunks`` (see :func:`~..inventory.export.csv_chunks`) as ``<filename>-<UTC stamp>.csv``;
    the request context stays bound while it streams, so the tenant's scoping still applies."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
