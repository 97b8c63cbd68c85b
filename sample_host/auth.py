"""Session login, the logged-in user, and the guards every host view sits behind.

Login asks for the workspace (tenant slug), e-mail and password: e-mail addresses are unique per
tenant only, because one consultant may well have an account with two MSPs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .database import db
from .forms import LoginForm
from .models import Tenant, User
from .roles import EDITOR_ROLES

P = ParamSpec("P")
R = TypeVar("R")

bp = Blueprint("auth", __name__)


def current_user() -> User | None:
    """The active user of this request's session, loaded once per request.

    A user deactivated after logging in is logged out on their next request, not when the session
    cookie expires.
    """
    if "current_user" not in g:
        user_id = session.get("user_id")
        user = db.session.get(User, user_id) if isinstance(user_id, int) else None
        g.current_user = user if user is not None and user.active else None
    return g.current_user


def logged_in_user() -> User:
    """The user of a view that sits behind :func:`require_login` (401 if somehow there is none)."""
    user = current_user()
    if user is None:
        abort(401)
    return user


def require_login() -> ResponseReturnValue | None:
    """``before_request`` hook of every host blueprint: anonymous users go to the login page.

    A hook per blueprint rather than one for the whole app, so the extension's own endpoints (its
    webhook receiver must stay reachable without a session) keep their own rules.
    """
    if current_user() is None:
        return redirect(login_url(request.full_path if request.query_string else request.path))
    return None


def login_url(next_url: str) -> str:
    return url_for("auth.login", next=next_url)


def require_role(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator answering 403 unless the logged-in user has one of ``roles``."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            user = current_user()
            if user is None or user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


editor_required = require_role(*EDITOR_ROLES)
admin_required = require_role("admin")


def can_edit(user: User | None) -> bool:
    """For templates: whether to show edit buttons at all (the views enforce it regardless)."""
    return user is not None and user.role in EDITOR_ROLES


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so ``?next=`` cannot bounce a fresh login to a phishing site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@functools.cache
def _decoy_hash() -> str:
    """A hash to check against when the user does not exist, so response time does not reveal
    which e-mail addresses have accounts."""
    return generate_password_hash("decoy-password")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        slug, email = form.tenant.data.strip().lower(), form.email.data.strip().lower()
        user = db.session.scalar(
            select(User)
            .join(Tenant, User.tenant_id == Tenant.id)
            .where(Tenant.slug == slug, User.email == email)
        )
        if user is None:
            check_password_hash(_decoy_hash(), form.password.data)
        elif user.active and user.check_password(form.password.data):
            session.clear()  # a fresh session on login defeats session fixation
            session["user_id"] = user.id
            flash(f"Welcome back, {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("dashboard.index"))
        flash("Unknown workspace, e-mail or password.", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    flash("You have been logged out.", "success")
    return redirect(url_for("auth.login"))
