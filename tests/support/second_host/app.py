"""The second host's app factory and its three pages: sign in, close a case, an equipment page."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, abort, redirect, render_template, request, session
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash

from flask_ninjaone import NinjaOne, include_object, ticket_closed

from .adapter import SecondHostAdapter, signed_in
from .models import Case, Equipment, Member, db


def create_app(config: dict[str, Any], *, ninjaone_first: bool) -> Flask:
    """``ninjaone_first``: initialise NinjaOne before Migrate and CSRFProtect (else after them)."""
    app = Flask(__name__)
    app.config.update(config)
    db.init_app(app)
    others = [
        lambda: Migrate(app, db, directory=app.config["MIGRATIONS_DIR"], include_object=include_object),
        lambda: CSRFProtect(app),
    ]
    ninjaone = [lambda: NinjaOne(app, host=SecondHostAdapter())]
    for init in ninjaone + others if ninjaone_first else others + ninjaone:
        init()
    _routes(app)
    return app


def _member_or_401() -> Member:
    member = signed_in()
    if member is None:
        abort(401)
    return member


def _routes(app: Flask) -> None:
    @app.route("/signin", methods=["GET", "POST"])
    def signin() -> Any:
        if request.method == "POST":
            member = db.session.query(Member).filter_by(email=request.form.get("email", "")).one_or_none()
            if member is None or not check_password_hash(
                member.password_hash, request.form.get("password", "")
            ):
                return render_template("signin.html", failed=True), 401
            session["member_id"] = str(member.id)
            return redirect(request.args.get("next") or "/")
        return render_template("signin.html", failed=False)

    @app.get("/equipment/<uuid:equipment_id>")
    def equipment(equipment_id: uuid.UUID) -> str:
        member = _member_or_401()
        row = db.session.get(Equipment, equipment_id)
        if row is None or row.workspace_id != member.workspace_id:
            abort(404)
        return render_template("equipment.html", equipment=row)

    @app.post("/cases/<uuid:case_id>/close")
    def close_case(case_id: uuid.UUID) -> tuple[str, int]:
        """A person closes a case; once committed, the extension may reset its NinjaOne alert."""
        member = _member_or_401()
        case = db.session.get(Case, case_id)
        if case is None or case.workspace_id != member.workspace_id:
            abort(404)
        case.is_open, case.touched_by_person = False, True
        case.log += f"\nClosed by {member.display_name}"
        db.session.commit()
        ticket_closed(str(member.workspace_id), str(case.id))
        return "closed", 200
