"""Authorization for every extension route: a logged-in user of a tenant, holding a permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request

from ..extension import get_state
from ..host import Permission
from ..tenancy import current_tenant_id

F = TypeVar("F", bound=Callable[..., Any])
#: What every page says when a form's CSRF token is missing or stale.
EXPIRED_FORM = "The form expired or was sent from another page. Please try again."


def require(permission: Permission) -> Callable[[F], F]:
    """Anonymous → the host's login page; logged in without ``permission`` → 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            host = get_state().host
            if host.current_user() is None or current_tenant_id() is None:
                return redirect(host.login_url(request.full_path))
            if not host.has_permission(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapper.ninjaone_permission = permission  # type: ignore[attr-defined]  (read by the security tests)
        return wrapper  # type: ignore[return-value]

    return decorate
