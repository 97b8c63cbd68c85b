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
from .results import Check, Verdict, fail, short_error
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
    """Every check, in order (call inside an app context).

    A check that raises (a host adapter method failing, say) is reported as its own FAIL line: the
    doctor is run when things are broken, and must still print every other line.
    """
    return [_guarded(check, app) for check in CHECKS]


def _guarded(check: Callable[[Flask], Check], app: Flask) -> Check:
    try:
        return check(app)
    except Exception as exc:  # noqa: BLE001 — reported, not hidden
        name = check.__name__.removeprefix("check_")
        return fail(
            name, f"the check itself failed: {short_error(exc)}", "Fix that error, then run doctor again"
        )


def healthy(checks: list[Check]) -> bool:
    """Nothing failed: warnings are allowed (``flask ninjaone doctor`` exits 0)."""
    return all(check.verdict is not Verdict.FAIL for check in checks)
