"""The NinjaOne settings page of a tenant."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from ..extension import get_state
from ..host import Permission
from ..models import Integration
from .access import require

bp = Blueprint("ninjaone", __name__, template_folder="../templates", static_folder="../static")


@bp.app_context_processor
def inject_layout() -> dict[str, object]:
    """Templates extend the host's base template, whatever its name."""
    return {"ninjaone_base_template": get_state().host.base_template}


@bp.get("/")
@require(Permission.VIEW)
def settings() -> str:
    """Connection status of the tenant's NinjaOne integration(s)."""
    session = get_state().db.session
    integrations = session.scalars(select(Integration).order_by(Integration.id)).all()
    return render_template("ninjaone/settings.html", integrations=integrations)
