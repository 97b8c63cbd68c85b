"""Alert rules (ordered list, add/edit/delete, up/down, active toggle, "test this rule") and
maintenance windows. Everything here needs ``ninjaone.manage``; every change is audited.

A rule handles the alerts of one NinjaOne instance or of all (its scope): the form's "Instance" select
lists this tenant's live instances only (shown when there are several), and the organizations offered
are the chosen instance's, since their ids are numbered per instance ("Show its organizations" swaps
them without saving). A maintenance window has the same Instance select: the instance whose
devices it covers, or all of them for a window naming no organization or device.

"Test this rule" (of a saved rule, or of the form's unsaved draft) is a background job like Sync now:
the click answers at once with the test to follow (:mod:`flask_ninjaone.alerts.rule_tests`), the
page shows its progress where the button is, and its result page when it is done."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from ..alerts import rule_store
from ..alerts.catalog import CONDITION_CODES, SEVERITIES
from ..alerts.condition_choices import condition_choices
from ..alerts.dry_run import MAX_LIMIT
from ..alerts.maintenance import WindowSpec
from ..alerts.rule_tests import (
    TestRequest,
    find_test,
    finished,
    handled,
    newest_test,
    request_test,
    rule_spec,
    test_progress,
    test_text,
)
from ..alerts.rules import describe_actions, load_rule, make_rule
from ..connection.instances import tenant_instances
from ..enum_labels import enum_label
from ..forms.alerts import (
    ChosenBoardRuleForm,
    InstanceScoped,
    MaintenanceWindowForm,
    RuleActionForm,
    RuleForm,
    RuleTestForm,
    rule_form,
)
from ..host import Permission
from ..jobs import enqueue
from ..organizations.lookup import organization_names
from ..state import get_state
from ..tenancy import require_tenant_id
from ..ticket_choices import ticket_field_choices
from .access import EXPIRED_FORM, require, wants_json
from .feedback import flash_linked
from .run_progress import answer_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..models import AlertRule, RuleTest

bp = Blueprint("ninjaone_rules", __name__, template_folder="../templates")


def _session() -> Session:
    return get_state().db.session


def _actor() -> rule_store.Actor:
    return rule_store.Actor(user=get_state().host.current_user(), remote_addr=request.remote_addr)


def _organizations() -> list[tuple[int, str]]:
    return organization_names(_session())


def _instances() -> list[tuple[int, str]]:
    return [(row.id, row.name) for row in tenant_instances(_session())]


def _chosen_instance(rule: AlertRule | None, instances: list[tuple[int, str]]) -> int | None:
    """The instance whose organizations the form offers: the one posted, else the rule's, else the
    tenant's only one; ``None`` (no organizations to pick) when it has several and none is chosen. Only
    a live instance of this tenant counts: anything else posted offers nothing, and fails validation."""
    live = {row_id for row_id, _ in instances}
    raw = request.form.get("integration_id") if request.method == "POST" else None
    if raw is None and rule is not None:
        raw = str(rule.integration_id) if rule.integration_id is not None else ""
    if raw is None:
        raw = request.args.get("instance", "")
    if raw.isascii() and raw.isdigit() and int(raw) in live:
        return int(raw)
    return next(iter(live)) if len(live) == 1 else None


def _picking_instance(form: InstanceScoped) -> bool:
    """Whether the post only asks for the chosen instance's organizations ("Show this instance's
    organizations" on the rule or window form): nothing is validated or saved; a stale form is 400."""
    if "pick_instance" not in request.form:
        return False
    token = getattr(form, "csrf_token", None)
    if token is not None and not token.validate(form):
        abort(400, EXPIRED_FORM)
    return True


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
    instances = _instances()
    chosen = _chosen_instance(rule, instances)
    organizations = organization_names(_session(), chosen) if chosen is not None else []
    form.set_choices(organizations, _users(), condition_choices(_session()), host_choices, instances)
    if isinstance(form, ChosenBoardRuleForm) and rule is not None:
        form.keep_board((rule.actions or {}).get("board"))
    if rule is not None and request.method == "GET":
        form.fill(rule)
    return form


def _rule(rule_id: int) -> AlertRule:
    rule = rule_store.find_rule(_session(), rule_id)
    if rule is None:
        abort(404)
    return rule


def _summary(
    rule: AlertRule, organizations: dict[int, str], users: dict[str, str], instance: str | None
) -> dict[str, object]:
    """What the list shows about a rule, by name: "instance: beta" (when the tenant has several),
    "organization: Acme", "assignee Tomás Reyes", "device class: Windows workstation" (an invalid
    stored rule is shown, not a 500)."""
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
        ("instance", [instance] if instance else []),
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
    users = dict(_users())
    instances = dict(_instances())
    # Organization names per instance: the same id is another organization in another instance.
    names = {row_id: dict(organization_names(_session(), row_id)) for row_id in instances}
    every = dict(_organizations())

    def summary(rule: AlertRule) -> dict[str, object]:
        scope = rule.integration_id
        organizations = names.get(scope, {}) if scope is not None else every
        shown = instances.get(scope, f"#{scope} (removed)") if scope is not None else None
        return _summary(rule, organizations, users, shown if len(instances) > 1 else None)

    return render_template(
        "ninjaone/rules.html",
        rules=rules,
        summaries={rule.id: summary(rule) for rule in rules},
        action_form=RuleActionForm(),
    )


def _save(form: RuleForm, rule: AlertRule | None) -> ResponseReturnValue:
    """Validate and save (or preview, when the "Test" button was pressed) a submitted rule form."""
    preview = "preview" in request.form
    if _picking_instance(form):
        form.organization_ids.data = []
        return _render_form(form, rule)
    if not form.validate_on_submit():
        if _csrf_failed(form):
            abort(400, EXPIRED_FORM)
        return _render_form(form, rule), 400
    conditions, actions = form.conditions_data(), form.actions_data()
    name = form.name.data or ""  # required by the form; rule_store refuses an empty name anyway
    if preview:
        position = rule.position if rule else 10**9
        catch_all = bool(form.catch_all.data)
        try:
            scope = rule_store.check_scope(_session(), form.scope(), conditions)
        except rule_store.RuleError as exc:
            return _render_form(form, rule, errors=rule_store.error_lines(exc)), 400
        spec = rule_spec(name=name, conditions=conditions, actions=actions, catch_all=catch_all,
                         position=position, integration_id=scope)  # fmt: skip
        try:
            make_rule(id=rule.id if rule else None, active=True, **spec)
        except ValidationError as exc:
            return _render_form(form, rule, errors=rule_store.error_lines(exc)), 400
        started = _start_test(spec, rule, DEFAULT_TEST_LIMIT)
        if wants_json():
            return _answer_test(started)
        flash(started.message, "success" if started.started else "info")
        return _render_form(form, rule, test=test_view(started.test))
    active, catch_all = bool(form.active.data), bool(form.catch_all.data)
    try:
        if rule is None:
            saved = rule_store.create_rule(_session(), name=name, conditions=conditions, actions=actions,
                                           active=active, catch_all=catch_all, integration_id=form.scope(),
                                           actor=_actor())  # fmt: skip
        else:
            saved = rule_store.update_rule(_session(), rule.id, name=name, conditions=conditions,
                                           actions=actions, active=active, catch_all=catch_all,
                                           integration_id=form.scope(), actor=_actor())  # fmt: skip
    except rule_store.RuleError as exc:
        return _render_form(form, rule, errors=rule_store.error_lines(exc)), 400
    flash_linked("Rule “{}” saved.", saved.name, url_for(".edit", rule_id=saved.id))
    return redirect(url_for(".index"))


def _render_form(
    form: RuleForm,
    rule: AlertRule | None,
    *,
    errors: list[str] | None = None,
    test: dict[str, Any] | None = None,
) -> str:
    return render_template("ninjaone/rules_form.html", form=form, rule=rule, errors=errors or [], test=test)


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


# -- "test this rule" ----------------------------------------------------------------------------------

#: Recent alerts a test reads unless told otherwise.
DEFAULT_TEST_LIMIT = RuleTestForm.limit.kwargs["default"]


def test_view(test: RuleTest) -> dict[str, Any]:
    """What the progress box and its script follow (the same shape as a sync run's, see run_progress)."""
    progress = test_progress(test)
    return {
        "id": test.id,
        "state": test.state,
        "processed": test.processed,
        "expected": test.expected,
        "progress": progress.as_dict(),
        "text": test_text(test, progress),
        "error": test.error,
        "progress_url": url_for(".test_json", test_id=test.id),
        "run_url": url_for(".test_result", test_id=test.id),
        "link_text": f"View results of test #{test.id}",
    }


def _start_test(spec: dict[str, Any], rule: AlertRule | None, limit: int) -> TestRequest:
    return request_test(_session(), require_tenant_id(), spec, rule_id=rule.id if rule else None, limit=limit)


def _answer_test(started: TestRequest) -> ResponseReturnValue:
    view = test_view(started.test)
    return answer_work(started.started, started.message, view, view["run_url"])


def _test(test_id: int) -> RuleTest:
    test = find_test(_session(), test_id)
    if test is None:
        abort(404)
    return test


def _render_test(rule: AlertRule | None, test: RuleTest | None, form: RuleTestForm) -> str:
    done = finished(test)
    # A scoped rule was tested on its instance's alerts: their organizations are named in that instance.
    scope = test.spec.get("integration_id") if test is not None else None
    names = organization_names(_session(), scope if isinstance(scope, int) else None) if done else []
    return render_template(
        "ninjaone/rules_test.html", rule=rule, test=test, view=test_view(test) if test else None,
        results=test.results if done and test else None, handled=handled(test) if done and test else 0,
        form=form, max_limit=MAX_LIMIT, organizations=dict(names),
    )  # fmt: skip


@bp.get("/<int:rule_id>/test")
@require(Permission.MANAGE)
def test(rule_id: int) -> ResponseReturnValue:
    """A saved rule's test page: how many alerts to test against, and its newest test (following it
    while it works, its result once done). Nothing is changed by a test."""
    rule = _rule(rule_id)
    newest = newest_test(_session(), rule.id)
    form = RuleTestForm(formdata=None, limit=newest.alert_limit if newest else DEFAULT_TEST_LIMIT)
    return _render_test(rule, newest, form)


@bp.post("/<int:rule_id>/test")
@require(Permission.MANAGE)
def start_test(rule_id: int) -> ResponseReturnValue:
    """Test the saved rule against the newest N stored alerts, as a detached job (a double click is one)."""
    rule = _rule(rule_id)
    form = RuleTestForm()
    if not form.validate_on_submit():
        if _csrf_failed(form):
            abort(400, EXPIRED_FORM)
        message = "; ".join(form.limit.errors) or EXPIRED_FORM
        if wants_json():
            return jsonify({"ok": False, "message": message, "run": None}), 400
        return _render_test(rule, None, form), 400
    try:
        spec = load_rule(rule)
    except ValidationError as exc:
        message = "This rule is invalid: " + "; ".join(rule_store.error_lines(exc))
        if wants_json():
            return jsonify({"ok": False, "message": message, "run": None}), 409
        flash(message, "error")
        return redirect(url_for(".edit", rule_id=rule.id))
    tested = rule_spec(name=rule.name, conditions=rule.conditions or {}, actions=rule.actions or {},
                       catch_all=spec.catch_all, position=rule.position,
                       integration_id=rule.integration_id)  # fmt: skip
    return _answer_test(_start_test(tested, rule, form.limit.data or DEFAULT_TEST_LIMIT))


@bp.get("/tests/<int:test_id>")
@require(Permission.MANAGE)
def test_result(test_id: int) -> str:
    """One test's page (of a saved rule or a draft): its progress while it works, then what it found."""
    test = _test(test_id)
    rule = rule_store.find_rule(_session(), test.rule_id) if test.rule_id is not None else None
    return _render_test(rule, test, RuleTestForm(formdata=None, limit=test.alert_limit))


@bp.get("/tests/<int:test_id>.json")
@require(Permission.MANAGE)
def test_json(test_id: int) -> ResponseReturnValue:
    """A test's progress, polled by the page that started it (404 for another tenant's)."""
    return jsonify(test_view(_test(test_id)))


# -- maintenance windows ---------------------------------------------------------------------------------


@bp.route("/maintenance", methods=["GET", "POST"])
@require(Permission.MANAGE)
def maintenance() -> ResponseReturnValue:
    form = MaintenanceWindowForm()
    instances = _instances()
    chosen = _chosen_instance(None, instances)
    form.set_choices(organization_names(_session(), chosen) if chosen is not None else [], instances)
    errors: list[str] = []
    status = 200
    if _picking_instance(form):
        form.organization_id.data = ""
    elif request.method == "POST":
        if not form.validate_on_submit():
            if _csrf_failed(form):
                abort(400, EXPIRED_FORM)
            status = 400
        else:
            try:
                window = rule_store.create_window(
                    _session(), form.window_data(), integration_id=form.scope(), actor=_actor()
                )
            except (rule_store.RuleError, ValueError) as exc:
                errors = rule_store.error_lines(exc) if isinstance(exc, rule_store.RuleError) else [str(exc)]
                status = 400
            else:
                flash(f"Maintenance window “{window.name}” added.", "success")
                if window.ninjaone_maintenance:
                    _apply_windows()
                return redirect(url_for(".maintenance"))
    windows = rule_store.list_windows(_session())
    names = dict(instances)
    return render_template(
        "ninjaone/maintenance.html",
        form=form,
        errors=errors,
        windows=[(window, WindowSpec.from_row(window)) for window in windows],
        # Which instance a window covers, when there is a choice (a removed one by its old id).
        instance_names={
            window.id: names.get(window.integration_id, f"#{window.integration_id} (removed)")
            if window.integration_id is not None
            else "All instances"
            for window in windows
        }
        if len(instances) > 1
        else {},
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
