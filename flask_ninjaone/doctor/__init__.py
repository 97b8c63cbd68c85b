"""``flask ninjaone doctor``: check a real deployment and say what is wrong and how to fix it.

Every check is a function of the app returning a :class:`Check`; they read configuration, the
database and Redis and write nothing (the CSRF check sends one request that the receiver rejects
before storing anything). Output never holds a secret: keys, tokens and URL passwords stay out.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from .database import check_database
from .keys import check_encryption_keys
from .queues import check_redis, check_schedule, check_workers
from .results import Check, Verdict
from .tenants import check_tenants, check_webhooks
from .web import check_csrf_exemption, check_public_base_url

#: In the order they are printed: each one's fix may depend on the ones above it.
CHECKS: tuple[Callable[[Flask], Check], ...] = (
    check_encryption_keys,
    check_database,
    check_csrf_exemption,
    check_public_base_url,
    check_redis,
    check_workers,
    check_schedule,
    check_tenants,
    check_webhooks,
)

__all__ = ["CHECKS", "Check", "Verdict", "healthy", "run_checks"]


def run_checks(app: Flask) -> list[Check]:
    """Every check, in order (call inside an app context)."""
    return [check(app) for check in CHECKS]


def healthy(checks: list[Check]) -> bool:
    """Nothing failed: warnings are allowed (``flask ninjaone doctor`` exits 0)."""
    return all(check.verdict is not Verdict.FAIL for check in checks)
