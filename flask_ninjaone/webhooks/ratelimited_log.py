"""Log rejected webhook requests without letting an attacker flood the logs."""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("flask_ninjaone.webhooks")


class RateLimitedLog:
    """At most one line per ``reason`` every ``interval`` seconds, with a count of what was dropped."""

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._dropped: dict[str, int] = {}

    def warning(self, reason: str, remote_addr: str | None) -> bool:
        """Log ``reason`` unless it was logged recently; returns whether a line was written."""
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(reason, float("-inf")) < self.interval:
                self._dropped[reason] = self._dropped.get(reason, 0) + 1
                return False
            dropped = self._dropped.pop(reason, 0)
            self._last[reason] = now
        log.warning(
            "ninjaone webhook rejected: %s (from %s; %d similar suppressed)", reason, remote_addr, dropped
        )
        return True


rejections = RateLimitedLog()
