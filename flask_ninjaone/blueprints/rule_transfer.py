"""Alert rules to and from a JSON file (``ninjaone_rule_transfer``): download this tenant's rules;
upload a file, see what it would do, confirm. Needs ``ninjaone.manage``, like the rules pages.

The preview posts the file's text back with the confirmation, and the confirmation validates it all
again: nothing is kept on the server between the two steps, and nothing is written unless every rule
of the file is valid (:mod:`flask_ninjaone.alerts.rule_transfer`). Rules go to the instances the file
names, or all to the one chosen (another workspace's instances are named otherwise).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..alerts import rule_transfer
from ..connection.instances import tenant_instances
from ..forms.alerts import RuleImportForm
from ..host import Permission
from ..state import get_state
from ..tenancy import require_tenant_id
from .access import EXPIRED_FORM, require

bp = Blueprint("ninjaone_rule_transfer", __name__, template_folder="../templates")


def _form() -> RuleImportForm:
    """The import form, offering this tenant's live instances for the file's scoped rules."""
    form = RuleImportForm()
    form.set_instances([(row.id, row.name) for row in tenant_instances(get_state().db.session)])
    return form


def _render(form: RuleImportForm, **context: object) -> str:
    return render_template(
        "ninjaone/rules_transfer.html", form=form, max_bytes=rule_transfer.MAX_FILE_BYTES, **context
    )


@bp.get("/")
@require(Permission.MANAGE)
def index() -> str:
    return _render(_form())


@bp.get("/export.json")
@require(Permission.MANAGE)
def export() -> Response:
    """This tenant's rules as a file to download (organizations and people by name)."""
    tenant = get_state().host.current_tenant()
    now = datetime.now(UTC)
    document = rule_transfer.export_rules(
        get_state().db.session, require_tenant_id(), exported_at=now.isoformat(timespec="seconds")
    )
    name = f"ninjaone-rules-{tenant.slug if tenant else 'tenant'}-{now:%Y%m%d}.json"
    return Response(
        rule_transfer.dump(document),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _uploaded_text(form: RuleImportForm) -> str | None:
    """The file's text (preview step) or the posted-back text (confirm step); ``None`` when too large
    or not UTF-8 (the caller then says so)."""
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", None):
        data = upload.stream.read(rule_transfer.MAX_FILE_BYTES + 1)
    else:
        data = (form.document.data or "").encode()
    if len(data) > rule_transfer.MAX_FILE_BYTES:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


@bp.post("/import")
@require(Permission.MANAGE)
def import_rules() -> ResponseReturnValue:
    """Preview an uploaded file (what it would create), or import it when ``confirm`` is posted."""
    form = _form()
    if not form.validate_on_submit():
        if getattr(getattr(form, "csrf_token", None), "errors", None):
            abort(400, EXPIRED_FORM)
        return _render(
            form, errors=[f"Instance: {e}" for e in form.instance.errors] or ["Choose a rules file."]
        ), 400
    text = _uploaded_text(form)
    if text is None:
        message = f"The file must be UTF-8 JSON of at most {rule_transfer.MAX_FILE_BYTES:,} bytes."
        return _render(form, errors=[message]), 400
    if not text.strip():
        return _render(form, errors=["Choose a rules file."]), 400
    replace = form.mode.data == "replace"
    confirm = "confirm" in request.form
    try:
        drafts = rule_transfer.import_rules(
            get_state().db.session, require_tenant_id(), text, replace=replace, dry_run=not confirm,
            user=get_state().host.current_user(), remote_addr=request.remote_addr,
            instance=form.instance.data or None,
        )  # fmt: skip
    except rule_transfer.RuleFileError as exc:
        return _render(form, errors=["Nothing was imported:", *exc.lines]), 400
    if not confirm:
        form.document.data = text
        return _render(form, preview=drafts, replace=replace)
    flash(
        f"Imported {len(drafts)} rule(s){' (the previous rules were replaced)' if replace else ''}.",
        "success",
    )
    return redirect(url_for("ninjaone_rules.index"), 303)
