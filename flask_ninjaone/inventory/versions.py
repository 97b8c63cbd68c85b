"""Version strings compared the way people read them: ``119.0.6045.200 < 120`` and ``1.10 > 1.9``.

Software versions are free text (``122.0.6261.94``, ``24.001.20604``, ``3.0.2-0ubuntu1.14``,
``24033.811.2738.2546``). A string comparison gets "is Chrome older than 120?" wrong (``"99" > "120"``),
so a version is split into runs of digits and runs of other characters; digit runs compare as
numbers, text runs as lower-cased text, and a number sorts after text in the same position
(``2.0.1 > 2.0.rc``). Missing trailing parts count as zero, so ``120 == 120.0.0``. Pre-release
suffixes are not special-cased (``1.0-beta`` sorts after ``1.0``): no single scheme fits every vendor.

The comparison runs in Python on rows the database already narrowed by name, publisher and client:
a fleet has a few thousand rows of any one product, and no SQL dialect orders dotted versions
numerically without a computed column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARTS = re.compile(r"\d+|[^\d\s.\-_+:~]+")
#: Comparison operators a version filter may use, longest first so ``<=`` wins over ``<``.
OPERATORS = ("<=", ">=", "!=", "==", "<", ">", "=")


def version_key(version: str | None) -> tuple[tuple[int, int | str], ...]:
    """A sort key for ``version``: ``(1, n)`` for numbers, ``(0, text)`` for text parts."""
    parts: list[tuple[int, int | str]] = []
    for token in _PARTS.findall(version or ""):
        parts.append((1, int(token)) if token.isascii() and token.isdigit() else (0, token.lower()))
    while parts and parts[-1] == (1, 0):  # 120.0.0 == 120
        parts.pop()
    return tuple(parts)


def compare_versions(left: str | None, right: str | None) -> int:
    """-1, 0 or 1 as ``left`` is older than, equal to or newer than ``right``."""
    a, b = version_key(left), version_key(right)
    return (a > b) - (a < b)


class VersionFilterError(ValueError):
    """A version filter that cannot be understood (shown to the user as is)."""


@dataclass(frozen=True)
class VersionFilter:
    """``< 120``, ``>= 1.2.3``, ``= 8.0`` or a bare version (means equal)."""

    operator: str
    version: str

    @classmethod
    def parse(cls, text: str) -> VersionFilter | None:
        """``None`` for an empty filter; :class:`VersionFilterError` for nonsense."""
        text = (text or "").strip()
        if not text:
            return None
        if len(text) > 64:
            raise VersionFilterError("A version filter is at most 64 characters.")
        operator = next((op for op in OPERATORS if text.startswith(op)), "=")
        version = text[len(operator) :].strip() if text.startswith(operator) else text
        if operator == "==":
            operator = "="
        if not version or not version_key(version):
            raise VersionFilterError(
                "Write a version filter like '< 120', '>= 1.2.3' or '= 8.0' (operators: < <= > >= = !=)."
            )
        return cls(operator, version)

    def matches(self, version: str | None) -> bool:
        order = compare_versions(version, self.version)
        return {
            "<": order < 0,
            "<=": order <= 0,
            ">": order > 0,
            ">=": order >= 0,
            "=": order == 0,
            "!=": order != 0,
        }[self.operator]

    def __str__(self) -> str:
        return f"{self.operator} {self.version}"
