"""One transaction around a block: commit what it did, or roll all of it back if it raises anything;
and a domain function whose refusal rolls back what it started (``rolls_back_on``).

The alert actions each spelled this out (``try: … commit() except BaseException: rollback(); raise``).
``BaseException``, not ``Exception``: a job timeout or a ``KeyboardInterrupt`` in the middle must not
leave half an alert change in the session for the next unit of work to commit by accident.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit ``session`` when the block ends normally (a ``return`` included); roll it back and
    re-raise when the block raises."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def rolls_back_on(
    *errors: type[BaseException],
) -> Callable[[Callable[Concatenate[Session, P], R]], Callable[Concatenate[Session, P], R]]:
    """Decorate a function taking the session first: when it raises one of ``errors`` (a refused
    change), roll the session back before re-raising, so nothing it started is left for the caller's
    next commit. The pages used to do this rollback themselves; the domain owns its transaction now."""

    def decorate(function: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
        @functools.wraps(function)
        def refused_rolls_back(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return function(session, *args, **kwargs)
            except errors:
                session.rollback()
                raise

        return refused_rolls_back

    return decorate
