"""Alert rules (ordered list, add/edit/delete, up/down, active toggle, "test this rule") and
maintenance windows. Everything here needs ``ninjaone.manage``; every change is audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ..alerts import rule_store
from ..alerts.catalog import CONDITION_CODES, SEVERITIES
from ..alerts.condition_choices import condition_choices
from ..alerts.dry_run import DEFAULT_LIMIT, MAX_LIMIT, DryRunRow, dry_run
from ..alerts.maintenance import WindowSpec
from ..alerts.rules import RuleSpec, describe_actions, load_rule, make_rule
from ..connection.connect import tenant_integration
from ..enum_labels import enum_label
from ..forms.alerts import ChosenBoardRuleForm, MaintenanceWindowForm, RuleActionForm, RuleForm, rule_form
from ..host import Permission
from ..jobs import enqueue
from ..models import AlertRule, OrganizationMapping
from ..state import get_state
from ..tenancy import get_scoped, require_tenant_id
from ..ticket_choices import ticket_field_choices
from .access import EXPIRED_FORM, require
from .feedback import flash_linked

bp = Blueprint("ninjaone_rules", __name__, template_folder="../templates")


def _session() -> Session:
    return get_state().db.session


def _actor() -> rule_store.Actor:
    return rule_store.Actor(user=get_state().host.current_user(), remote_addr=request.remote_addr)


def _organizations() -> list[tuple[int, str]]:
    rows = _session().execute(
        select(OrganizationMapping.organization_id, OrganizationMapping.name).order_by(
            OrganizationMapping.name
        )
    )
    return [(org_id, name) for org_id, name in rows]


def _users() -> list[tuple[str, str]]:
    return [(user.id, user.name) for user in get_state().host.list_users(require_tenant_id())]


def _csrf_failed(form: object) -> bool:
    token = getattr(form, "csrf_token", None)
    return bool(token is not None and token.errors)


def _rule_form(rule: AlertRule | None = None) -> RuleForm:
    """The form with its pickers: organizations and people by name, the conditions of the catalog and
    of this tenant's alerts, and the host's boards and priority labels when it lists them."""
    host_choices = ticket_field_choices(require_tenant_id())
    form = rule_form(host_choices)
    form.set_choices(_organizations(), _users(), condition_choices(_session()), host_choices)
    if isinstance(form, ChosenBoardRuleForm) and rule is not None:
        form.keep_board((rule.actions or {}).get("board"))
    if rule is not None and request.method == "GET":
        form.fill(rule)
    return form


def _rule(rule_id: int) -> AlertRule:
    rule = get_scoped(_session(), AlertRule, rule_id)
    if rule is None:
        abort(404)
    return rule


def _summary(rule: AlertRule, organizations: dict[int, str], users: dict[str, str]) -> dict[str, object]:
    """What the list shows about a rule, by name: "organization: Acme", "assignee Tomás Reyes",
    "device class: Windows workstation" (an invalid stored rule is shown, not a 500)."""
    try:
        spec = load_rule(rule)
    except ValidationError as exc:
        return {"actions": "invalid: " + "; ".join(rule_store.error_lines(exc)), "conditions": []}
    except (TypeError, ValueError):  # stored JSON that is not even an object (written outside the UI)
        return {"actions": "invalid: the stored rule is not a JSON object", "conditions": []}
    c = spec.conditions
    # The stored spellings (RuleConditions keeps them casefolded for matching).
    spec_conditions = (rule.conditions or {}).get("conditions", [])
    orgs = sorted(organizations.get(v) or f"organization {v} (not mapped)" for v in c.organization_ids)
    named = (
        ("severity", [enum_label(v) for v in sorted(c.severities, key=SEVERITIES.index)]),
        ("type", sorted(enum_label(v) for v in c.activity_types)),
        ("status", sorted(enum_label(v) for v in c.status_codes)),
        ("condition", sorted(CONDITION_CODES.get(v, v) for v in spec_conditions)),
        ("organization", orgs),
        ("device class", sorted(enum_label(v) for v in c.device_classes)),
        ("role", sorted(str(v) for v in c.role_ids)),
    )  # fmt: skip
    conditions = [f"{label}: {', '.join(values)}" for label, values in named if values]
    if c.message_contains:
        conditions.append(f"message contains “{c.message_contains}”")
    if c.message_regex:
        conditions.append(f"message matches /{c.message_regex}/")
    return {"actions": describe_actions(spec.actions, user_names=users), "conditions": conditions}


@bp.get("/")
@require(Permission.MANAGE)
def index() -> str:
    rules = rule_store.ordered_rules(_session())
    organizations, users = dict(_organizations()), dict(_users())
    return render_template(
        "ninjaone/rules.html",
        integration=tenant_integration(_session()),
        rules=rules,
        summaries={rule.id: _summary(rule, organizations, users) for rule in rules},
        action_form=RuleActionForm(),
    )


def _save(form: RuleForm, rule: AlertRule | None) -> ResponseReturnValue:
    """Validate and save (or preview, when the "Test" button was pressed) a submitted rule form."""
    preview = "preview" in request.form
    if not form.validate_on_submit():
        if _csrf_failed(form):
            abort(400, EXPIRED_FORM)
        return _render_form(form, rule), 400
    conditions, actions = form.conditions_data(), form.actions_data()
    name = form.name.data or ""  # required by the form; rule_store refuses an empty name anyway
    if preview:
        try:
            spec = make_rule(
                id=rule.id if rule else None, name=name, conditions=conditions, actions=actions,
                position=rule.position if rule else 10**9, active=True, catch_all=bool(form.catch_all.data),
            )  # fmt: skip
        except ValidationError as exc:
            return _render_form(form, rule, errors=rule_store.error_lines(exc)), 400
        return _render_form(
            form,
            rule,
            results=dry_run(_session(), spec, limit=DEFAULT_LIMIT, user_names=dict(_users())),
            tested=spec,
        )
    active, catch_all = bool(form.active.data), bool(form.catch_all.data)
    try:
        if rule is None:
            saved = rule_store.create_rule(_session(), name=name, conditions=conditions, actions=actions,
                                           active=active, catch_all=catch_all, actor=_actor())  # fmt: skip
        else:
            saved = rule_store.update_rule(_session(), rule.id, name=name, conditions=conditions,
                                           actions=actions, active=active, catch_all=catch_all,
                                           actor=_actor())  # fmt: skip
    except rule_store.RuleError as exc:
        _session().rollback()
        return _render_form(form, rule, errors=rule_store.error_lines(exc)), 400
    flash_linked("Rule “{}” saved.", saved.name, url_for(".edit", rule_id=saved.id))
    return redirect(url_for(".index"))


def _render_form(
    form: RuleForm,
    rule: AlertRule | None,
    *,
    errors: list[str] | None = None,
    results: list[DryRunRow] | None = None,
    tested: RuleSpec | None = None,
) -> str:
    return render_template(
        "ninjaone/rules_form.html",
        form=form,
        rule=rule,
        errors=errors or [],
        results=results,
        tested=tested,
        organizations=dict(_organizations()) if results is not None else {},
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.MANAGE)
def create() -> ResponseReturnValue:
    form = _rule_form()
    if request.method == "POST":
        return _save(form, None)
    return _render_form(form, None)


@bp.route("/<int:rule_id>/edit", methods=["GET", "POST"])
@require(Permission.MANAGE)
def edit(rule_id: int) -> ResponseReturnValue:
    rule = _rule(rule_id)
    form = _rule_form(rule)
    if request.method == "POST":
        return _save(form, rule)
    return _render_form(form, rule)


def _checked_action() -> None:
    if not RuleActionForm().validate_on_submit():
        abort(400, EXPIRED_FORM)


@bp.post("/<int:rule_id>/delete")
@require(Permission.MANAGE)
def delete(rule_id: int) -> Response:
    rule = _rule(rule_id)
    _checked_action()
    name = rule.name
    rule_store.delete_rule(_session(), rule.id, actor=_actor())
    flash(f"Rule “{name}” deleted.", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:rule_id>/move/<direction>")
@require(Permission.MANAGE)
def move(rule_id: int, direction: str) -> Response:
    rule = _rule(rule_id)
    if direction not in ("up", "down"):
        abort(404)
    _checked_action()
    rule_store.move_rule(_session(), rule.id, direction, actor=_actor())
    return redirect(url_for(".index"))


@bp.post("/<int:rule_id>/toggle")
@require(Permission.MANAGE)
def toggle(rule_id: int) -> Response:
    rule = _rule(rule_id)
    _checked_action()
    updated = rule_store.set_active(_session(), rule.id, not rule.active, actor=_actor())
    flash(f"Rule “{updated.name}” {'activated' if updated.active else 'deactivated'}.", "success")
    return redirect(url_for(".index"))


@bp.get("/<int:rule_id>/test")
@require(Permission.MANAGE)
def test(rule_id: int) -> ResponseReturnValue:
    """Dry run: what the saved rule would do with the last N stored alerts (nothing is changed)."""
    rule = _rule(rule_id)
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    limit = int(raw) if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT else None
    message = None
    if limit is None:
        message = f"Ignored the number of alerts {raw[:20]!r}: expected 1 to {MAX_LIMIT}."
        limit = DEFAULT_LIMIT
    try:
        spec = load_rule(rule)
    except ValidationError as exc:
        flash("This rule is invalid: " + "; ".join(rule_store.error_lines(exc)), "error")
        return redirect(url_for(".edit", rule_id=rule.id))
    results = dry_run(_session(), spec, limit=limit, user_names=dict(_users()))
    return render_template(
        "ninjaone/rules_test.html", rule=rule, tested=spec, results=results,
        limit=limit, limit_message=message, max_limit=MAX_LIMIT, organizations=dict(_organizations()),
    )  # fmt: skip


# -- maintenance windows ---------------------------------------------------------------------------------


@bp.route("/maintenance", methods=["GET", "POST"])
@require(Permission.MANAGE)
def maintenance() -> ResponseReturnValue:
    form = MaintenanceWindowForm()
    form.set_choices(_organizations())
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            if _csrf_failed(form):
                abort(400, EXPIRED_FORM)
            status = 400
        else:
            try:
                window = rule_store.create_window(_session(), form.window_data(), actor=_actor())
            except (rule_store.RuleError, ValueError) as exc:
                _session().rollback()
                errors = rule_store.error_lines(exc) if isinstance(exc, rule_store.RuleError) else [str(exc)]
                status = 400
            else:
                flash(f"Maintenance window “{window.name}” added.", "success")
                if window.ninjaone_maintenance:
                    _apply_windows()
                return redirect(url_for(".maintenance"))
    windows = rule_store.list_windows(_session())
    return render_template(
        "ninjaone/maintenance.html",
        form=form,
        errors=errors,
        windows=[(window, WindowSpec.from_row(window)) for window in windows],
        action_form=RuleActionForm(),
    ), status


def _apply_windows() -> None:
    """Start (or end) NinjaOne maintenance for the windows now, not at the next scheduler tick."""
    tenant_id = require_tenant_id()
    enqueue("actions.windows", tenant_id=tenant_id, key=tenant_id)


@bp.post("/maintenance/<int:window_id>/delete")
@require(Permission.MANAGE)
def delete_window(window_id: int) -> Response:
    _checked_action()
    try:
        rule_store.delete_window(_session(), window_id, actor=_actor())
    except LookupError:
        abort(404)
    _apply_windows()  # a window that put devices in maintenance in NinjaOne ends it now
    flash("Maintenance window deleted.", "success")
    return redirect(url_for(".maintenance"))
