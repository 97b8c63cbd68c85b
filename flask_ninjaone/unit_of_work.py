"""One transaction around a block: commit what it did, or roll all of it back if it raises anything.

The alert actions each spelled this out (``try: … commit() except BaseException: rollback(); raise``).
``BaseException``, not ``Exception``: a job timeout or a ``KeyboardInterrupt`` in the middle must not
leave half an alert change in the session for the next unit of work to commit by accident.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.orm import Session


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
