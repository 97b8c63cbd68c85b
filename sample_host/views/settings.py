"""Settings: workspace overview, integrations (where the NinjaOne card lives) and users."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from flask_ninjaone.host import Permission

from ..auth import admin_required, logged_in_user, require_login
from ..database import db
from ..models import User
from ..roles import role_has_permission
from ..tenancy import scoped

bp = Blueprint("settings", __name__, url_prefix="/settings")
bp.before_request(require_login)


@bp.get("/")
def index() -> ResponseReturnValue:
    user = logged_in_user()
    permissions = [permission for permission in Permission if role_has_permission(user.role, permission)]
    return render_template("settings/index.html", tenant=user.tenant, permissions=permissions)


@bp.get("/integrations")
def integrations() -> ResponseReturnValue:
    return render_template("settings/integrations.html")


@bp.get("/users")
@admin_required
def users() -> ResponseReturnValue:
    users = db.session.scalars(scoped(User).order_by(User.active.desc(), User.name)).all()
    return render_template("settings/users.html", users=users)
