"""Injected faults: the next N responses for a path pattern are throttled, broken, slow or trickled.

NinjaOne publishes no rate-limit numbers; integrators have seen throttling both as ``429`` (with and
without ``Retry-After``) and as an HTML page served with 200 or 503 and ``text/html``. A client that
trusts the status code alone parses that page as JSON and crashes, so the fake serves all of them.

A server can also be slow without ever going quiet: ``trickle`` serves the real answer a few bytes at
a time, ``seconds`` apart, so a client whose timeout is per read (as ``requests``' is) never times out
and waits as long as the server pleases — what a tenant can do on purpose with a custom instance URL.

Patterns are shell-style globs matched against the request path (``/v2/devices*``, ``/ws/oauth/token``);
faults are consumed first-in first-out, each for ``times`` matching requests, then service is normal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from flask import Response, jsonify

FAULT_KINDS = ("rate_limit", "html_throttle", "server_error", "slow", "trickle")

THROTTLE_PAGE = """<!DOCTYPE html>
<html><head><title>Too Many Requests</title></head>
<body><h1>Too Many Requests</h1><p>You have sent too many requests. Please try again later.</p></body>
</html>
"""


@dataclass
class Fault:
    """One queued fault.

    ``kind``: ``rate_limit`` (429, ``Retry-After: retry_after`` when given), ``html_throttle`` (HTML page
    with ``status`` 200 or 503), ``server_error`` (``status``, default 500, JSON body), ``slow`` (sleep
    ``seconds`` then answer normally), ``trickle`` (the normal answer, its headers at once and its body
    ``chunk_bytes`` bytes every ``seconds``).
    """

    path: str
    kind: str
    times: int = 1
    method: str | None = None
    status: int | None = None
    retry_after: int | None = None
    seconds: float = 0.0
    chunk_bytes: int = 12

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.kind == "html_throttle" and self.status not in (None, 200, 503):
            raise ValueError("an html_throttle fault is served with status 200 or 503")
        if self.kind in ("slow", "trickle") and self.seconds <= 0:
            raise ValueError(f"a {self.kind} fault needs seconds > 0")
        if (
            isinstance(self.chunk_bytes, bool)
            or not isinstance(self.chunk_bytes, int)
            or self.chunk_bytes < 1
        ):
            raise ValueError("chunk_bytes must be a positive integer")
        if self.method is not None:
            self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        return self.method in (None, method) and fnmatchcase(path, self.path)

    def response(self) -> Response | None:
        """The response to serve instead of the real one (None for ``slow`` and ``trickle``, which serve
        the real one: see :meth:`trickled`)."""
        if self.kind == "rate_limit":
            response = jsonify({"error": "too_many_requests"})
            response.status_code = 429
            if self.retry_after is not None:
                response.headers["Retry-After"] = str(self.retry_after)
            return response
        if self.kind == "html_throttle":
            return Response(THROTTLE_PAGE, status=self.status or 503, content_type="text/html; charset=utf-8")
        if self.kind == "server_error":
            response = jsonify({"resultCode": "FAILURE", "errorMessage": "Internal Server Error"})
            response.status_code = self.status or 500
            return response
        return None

    def trickled(self, response: Response) -> Response:
        """``response`` with its body sent ``chunk_bytes`` at a time, ``seconds`` apart (headers at
        once, Content-Length kept: a well-formed answer, only slow)."""
        body = response.get_data()
        chunk, pause = self.chunk_bytes, self.seconds

        def trickle() -> Iterator[bytes]:
            for start in range(0, len(body), chunk):
                if start:
                    time.sleep(pause)
                yield body[start : start + chunk]

        response.response = trickle()
        response.headers["Content-Length"] = str(len(body))
        return response

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "times": self.times,
            "method": self.method,
            "status": self.status,
            "retry_after": self.retry_after,
            "seconds": self.seconds,
            "chunk_bytes": self.chunk_bytes,
        }


@dataclass
class FaultQueue:
    lock: threading.RLock
    _faults: list[Fault] = field(default_factory=list)

    def inject(self, fault: Fault) -> Fault:
        with self.lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching this request."""
        with self.lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self.lock:
            return list(self._faults)

    def clear(self) -> None:
        with self.lock:
            self._faults.clear()
