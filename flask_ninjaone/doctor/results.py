"""What a doctor check returns: a verdict, what was found, and how to fix it — never a secret."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Verdict(enum.StrEnum):
    """``WARN`` is something to look at that does not stop a deployment working; ``FAIL`` does."""

    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    """The outcome of one check.

    ``name`` is stable (scripts key on it in ``--json``); ``what`` says what was found, ``fix`` what to
    do about it (empty when nothing), ``details`` one line per affected thing (a tenant, a table).
    """

    name: str
    verdict: Verdict
    what: str
    fix: str = ""
    details: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": str(self.verdict),
            "what": self.what,
            "fix": self.fix,
            "details": list(self.details),
        }


def ok(name: str, what: str, *details: str) -> Check:
    return Check(name, Verdict.OK, what, details=details)


def warn(name: str, what: str, fix: str, *details: str) -> Check:
    return Check(name, Verdict.WARN, what, fix, details)


def fail(name: str, what: str, fix: str, *details: str) -> Check:
    return Check(name, Verdict.FAIL, what, fix, details)


def short_error(exc: BaseException) -> str:
    """An exception as ``Type: first line`` (at most 200 characters): enough to act on, and short.

    Connection errors name hosts and ports, never passwords; nothing here formats a URL.
    """
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}"[:200] if first else type(exc).__name__
