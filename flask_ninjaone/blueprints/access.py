"""Authorization for every extension route: a logged-in user of a tenant, holding a permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

from flask import abort, g, jsonify, redirect, request

from ..host import Permission
from ..state import get_state
from ..tenancy import current_tenant_id, require_tenant_id

F = TypeVar("F", bound=Callable[..., Any])
#: What every page says when a form's CSRF token is missing or stale.
EXPIRED_FORM = "The form expired or was sent from another page. Please try again."


#: What a script is told when the session behind its request has ended.
SESSION_EXPIRED = "Your session expired: log in again."


def wants_json() -> bool:
    """Whether the caller is a script (it asks for JSON, or the route is a ``.json`` one), which needs
    a status and a JSON body it can read rather than a login page or an HTML error."""
    return (
        request.path.endswith(".json")
        or request.accept_mimetypes.best == "application/json"
        or request.args.get("format") == "json"
    )


def this_page() -> str:
    """The current path and query, for a login page's ``next`` (without the bare ``?`` that
    ``request.full_path`` leaves when there is no query)."""
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def login_required_answer(host: Any) -> Any:
    """Anonymous callers: scripts get 401 JSON, browsers the host's login page (coming back here)."""
    if wants_json():
        return jsonify({"ok": False, "message": SESSION_EXPIRED}), 401
    return redirect(host.login_url(this_page()))


def require(permission: Permission) -> Callable[[F], F]:
    """Anonymous → the host's login page (401 JSON for scripts); logged in without ``permission`` → 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            host = get_state().host
            if host.current_user() is None or current_tenant_id() is None:
                return login_required_answer(host)
            if not host.has_permission(permission):
                if wants_json():
                    return jsonify({"ok": False, "message": "You are not allowed to do this."}), 403
                g.ninjaone_missing_permission = permission  # named by the 403 page
                abort(403)
            return view(*args, **kwargs)

        # read by the security tests, which check every view names a permission
        wrapper.ninjaone_permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]  # functools.wraps kept the view's signature

    return decorate


def safe_next(default: str) -> str:
    """Only same-site paths: ``/assets?page=2``, never ``//evil.example`` or ``https://…``.

    Browsers drop tabs and newlines from URLs (``/\\t/evil`` becomes ``//evil``) and a newline cannot
    go into a header at all, so any control character or backslash disqualifies the target.
    """
    target = request.form.get("next") or request.args.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and not urlsplit(target).netloc
    ):
        return target
    return default


def host_page_url(kind: Literal["asset", "ticket", "client", "contact"], object_id: str) -> str | None:
    """The host's page of one of its objects (``HostPages.asset``/``ticket``/``client``/``contact``
    with ``{id}`` filled in, quoted), or None when the host names no such page."""
    template: str | None = getattr(get_state().host.pages(require_tenant_id()), kind)
    return template.replace("{id}", quote(object_id, safe="")) if template else None


def host_asset_url(host_asset_id: str) -> str | None:
    """The host's page of an asset (``HostPages.asset``), or None when the host names none."""
    return host_page_url("asset", host_asset_id)
