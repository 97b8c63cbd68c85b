"""How many rows an ``UPDATE`` or ``DELETE`` run through the session matched.

Conditional updates are how the package claims things across processes (leases, webhook deliveries,
owed writes): the matched count says whether the claim was won. ``Session.execute`` is typed to return
a ``Result``; for these statements it returns a ``CursorResult``, the kind that has ``rowcount``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult, Result


def rows_matched(result: Result[Any]) -> int:
    """The ``rowcount`` of the result of an ``UPDATE`` or ``DELETE`` statement."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"not the result of an UPDATE or DELETE: {type(result).__name__}")
    return result.rowcount
