"""Server-side cursors of the ``/v2/queries/*`` reports.

The real reports page with ``pageSize`` + ``cursor=<cursor.name>`` and answer
``{"cursor": {"name", "offset", "count", "expires"}, "results": [...]}``. The cursor NAME stays the same
from page to page while ``offset`` advances, so a client that detects loops by a repeated name stops
after the first page; the fake keeps the name on purpose.

Choices where the documentation is silent: ``offset`` is the position of the page's first row in the
whole result, ``count`` the number of rows in this page; ``expires`` (epoch seconds) slides to five
minutes after the last use; an unknown or expired cursor is a 400. The row set is fixed when the cursor is
opened (which devices, which filters); each device's rows are read when the walk reaches it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

CURSOR_IDLE_LIFETIME = 300.0

# Report name -> {query parameter: row field it filters on (comma-separated values allowed)}.
REPORT_FILTERS: dict[str, dict[str, str]] = {
    "software": {},
    "os-patches": {"status": "status", "type": "type", "severity": "severity"},
    "os-patch-installs": {"status": "status"},
    "software-patches": {
        "status": "status",
        "type": "type",
        "impact": "impact",
        "productIdentifier": "productIdentifier",
    },
    "antivirus-status": {"productState": "productState", "productName": "productName"},
    "device-health": {"health": "healthStatus"},
}


@dataclass
class QueryCursor:
    report: str
    name: str
    rows: Iterator[dict[str, Any]]
    expires: float
    offset: int = 0


@dataclass
class CursorStore:
    lock: threading.RLock
    _cursors: dict[str, QueryCursor] = field(default_factory=dict)

    def open(self, report: str, rows: Iterator[dict[str, Any]]) -> QueryCursor:
        now = time.time()
        cursor = QueryCursor(report, str(uuid.uuid4()), rows, now + CURSOR_IDLE_LIFETIME)
        with self.lock:
            for name in [name for name, old in self._cursors.items() if old.expires < now]:
                del self._cursors[name]
            self._cursors[cursor.name] = cursor
        return cursor

    def resume(self, report: str, name: str) -> QueryCursor | None:
        """The live cursor of this report with this name, or None (unknown, expired, other report)."""
        with self.lock:
            cursor = self._cursors.get(name)
        if cursor is None or cursor.report != report or cursor.expires < time.time():
            return None
        return cursor

    def page(self, cursor: QueryCursor, size: int) -> dict[str, Any]:
        """Read the next ``size`` rows and answer in the real body shape."""
        with self.lock:
            results = list(islice(cursor.rows, size))
            cursor.expires = time.time() + CURSOR_IDLE_LIFETIME
            body = {
                "cursor": {
                    "name": cursor.name,
                    "offset": cursor.offset,
                    "count": len(results),
                    "expires": cursor.expires,
                },
                "results": results,
            }
            cursor.offset += len(results)
        return body
