"""Pages that tell the truth about where the person is: a guided empty state for a tenant that
never connected NinjaOne, and 400/403/404 pages inside the host's layout.

A bare Werkzeug "Not Found" on a freshly installed integration reads as a broken product; the
person needs to hear what to do (connect, ask for a permission) and get a link to do it. Handlers
are registered on the extension's blueprints only, so the host's own error pages stay the host's.
Scripts (see :func:`~.access.wants_json`) get the same sentence as JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request
from flask import session as browser_session
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateNotFound
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RoutingException

from ..connection.connect import tenant_integration
from ..connection.health import SETUP_ADVICE, Health, connection_health
from ..connection.instances import (
    INSTANCE_ARG,
    AmbiguousInstance,
    InstanceError,
    InstanceScope,
    instance_for,
    instance_scope,
    tenant_instances,
)
from ..forms.alerts import posted_instance_id
from ..forms.instance import DEVICE_INSTANCE_FIELD, INSTANCE_FIELD, remember_rendered
from ..state import get_state
from .access import EXPIRED_FORM, wants_json

if TYPE_CHECKING:
    from ..models import Integration


class NotConnected(Exception):
    """Raised by pages that need a connection the tenant never made."""


#: Browser-session key of the instance the pages show, for a tenant with several (issue 22).
SELECTED_INSTANCE = "ninjaone_instance"


def selected_integration() -> Integration | None:
    """The instance this request shows or acts on. A page (GET) shows :func:`browsed_integration`; a
    form (any other method) acts on the instance it was rendered for, named by its hidden
    :data:`~flask_ninjaone.forms.instance.INSTANCE_FIELD` (:func:`posted_integration`), so a tab left
    on alpha still changes alpha after another tab switched to beta. Either way the forms the page
    renders are bound to the instance it shows."""
    integration = browsed_integration() if request.method in ("GET", "HEAD") else posted_integration()
    remember_rendered(integration.id if integration is not None else None)
    return integration


def browsed_integration() -> Integration | None:
    """The instance chosen on the settings page (kept in the browser session, so every page follows
    it), else the tenant's first. A choice that is not one of this tenant's live instances (another
    workspace's, or retired since) is dropped."""
    session = get_state().db.session
    chosen = browser_session.get(SELECTED_INSTANCE)
    if chosen is not None:
        try:
            return instance_for(session, str(chosen))
        except InstanceError:
            browser_session.pop(SELECTED_INSTANCE, None)
    return tenant_integration(session)


#: Why a form naming no instance is refused when the tenant has several.
UNBOUND_FORM = (
    "This form does not say which NinjaOne instance it is for, and this workspace has several: nothing "
    "was changed. Reload the page and try again."
)
#: Why a form naming an instance that is not one of the tenant's live ones is refused.
FOREIGN_FORM = (
    "This form was for a NinjaOne instance that is not one of this workspace's (removed since, or never "
    "this workspace's): nothing was changed. Reload the page, check which instance it shows, and try again."
)


def posted_integration() -> Integration | None:
    """The instance a posted form was rendered for: the tenant's live instance its hidden field names
    (400 with :data:`FOREIGN_FORM` when it names none of them: garbage, another tenant's, retired).
    A form without the field (a script, a page cached before the field existed) is taken for the
    tenant's only instance, and refused with :data:`UNBOUND_FORM` when it has several."""
    session = get_state().db.session
    posted = request.form.get(INSTANCE_FIELD)
    if posted is None:
        try:
            return instance_for(session, None)
        except AmbiguousInstance:
            abort(400, description=UNBOUND_FORM)
    if not posted.isdigit():
        abort(400, description=FOREIGN_FORM)
    try:
        return instance_for(session, int(posted))
    except InstanceError:
        abort(400, description=FOREIGN_FORM)


def posted_device_instance() -> int | None:
    """The instance of the asset's device an asset-page form acts on (its hidden
    :data:`~flask_ninjaone.forms.instance.DEVICE_INSTANCE_FIELD`), for an asset several instances'
    devices feed; ``None`` when the form names none (a script, an older page): the asset's oldest
    instance's device, as before. Only the asset's own devices are looked up with it, so it can never
    reach a device of another asset; a value that is not an id is refused (400)."""
    posted = posted_instance_id(request.form, DEVICE_INSTANCE_FIELD)
    if posted is None and (request.form.get(DEVICE_INSTANCE_FIELD) or "").strip():
        abort(400, description=FOREIGN_FORM)
    return posted


def select_instance(ref: str | int) -> Integration:
    """Make the tenant's instance ``ref`` (id or name) the one the pages show; 404 if it is none."""
    try:
        integration = instance_for(get_state().db.session, ref)
    except InstanceError:
        abort(404)
    if integration is None:
        abort(404)
    browser_session[SELECTED_INSTANCE] = integration.id
    return integration


def _ever_connected(integration: Integration | None) -> bool:
    """Whether ``integration`` connected at least once (a disconnected one still has its data)."""
    health = connection_health(integration)
    return integration is not None and (health.state != Health.NOT_CONNECTED or health.has_data)


def connected_integration() -> Integration:
    """The instance the pages show (:func:`selected_integration`), once it connected at least once (a
    disconnected one still shows its last known data); otherwise the page becomes the guided empty
    state."""
    integration = selected_integration()
    if integration is None or not _ever_connected(integration):
        raise NotConnected
    return integration


def fleet_scope() -> InstanceScope:
    """The instances a fleet view (alerts, compliance, software, billing) reads: all of the tenant's
    by default, or the one its ``instance`` argument names (not the one chosen on the settings page:
    these views are about the whole workspace). A bad ``instance`` value is a 400 saying why, never
    another tenant's rows or a silent "all"; a tenant none of whose instances ever connected gets the
    guided empty state."""
    try:
        scope = instance_scope(get_state().db.session, request.args.get(INSTANCE_ARG))
    except InstanceError as exc:
        abort(400, str(exc))
    require_some_connection(scope.instances)
    return scope


def require_some_connection(instances: Sequence[Integration] | None = None) -> None:
    """The guided "not connected" state unless some live instance of the tenant (of ``instances``,
    default all) connected at least once. Any instance, not the one chosen on the settings page: for
    pages and buttons that act on each row's own instance (fleet views, alert actions, asset tools)."""
    if instances is None:
        instances = tenant_instances(get_state().db.session)
    if not any(_ever_connected(row) for row in instances):
        raise NotConnected


#: What each error page says (a sentence and what to do); 400s with a description show it instead.
MESSAGES = {
    400: "The request could not be handled. Go back, reload the page and try again.",
    403: "Your role does not allow this. Ask an administrator of your workspace if you need it.",
    404: "This page does not exist, or what it showed was removed or belongs to another workspace.",
    405: "This address does not take that kind of request. Go back and use the page's own buttons.",
}
TITLES = {400: "Something went wrong", 403: "Not allowed", 404: "Not found", 405: "Wrong kind of request"}


def _not_connected(_: NotConnected) -> Any:
    status = 200 if request.method in ("GET", "HEAD") else 409
    message = f"NinjaOne is not connected yet. {SETUP_ADVICE}"
    if wants_json():
        return jsonify({"ok": False, "message": message}), 409
    return render_template("ninjaone/not_connected.html", advice=SETUP_ADVICE), status


def _http_error(error: HTTPException) -> Any:
    code = error.code or 500
    message = MESSAGES.get(code, "")
    if isinstance(error, CSRFError):  # the shared sentence, with Flask-WTF's reason for support
        message = f"{EXPIRED_FORM} ({error.description})"
    elif code == 400 and error.description and error.description != BadRequest.description:
        message = error.description
    if code == 403 and (permission := g.get("ninjaone_missing_permission")):
        message = (
            f"Your role does not include the {permission} permission this needs. "
            "Ask an administrator of your workspace if you need it."
        )
    headers = {"Allow": ", ".join(error.valid_methods or ())} if isinstance(error, MethodNotAllowed) else {}
    if wants_json():
        return jsonify({"ok": False, "message": message}), code, headers
    try:
        title = TITLES.get(code, "Error")
        html = render_template("ninjaone/error.html", code=code, title=title, message=message)
    except TemplateNotFound:  # the host's base template is missing: its pages fail too; keep the status
        return error
    return html, code, headers


#: Every other URL under the pages' prefix, whatever the method. Werkzeug's routing 404 and 405 belong
#: to no blueprint, so without this rule a mistyped extension URL showed Werkzeug's bare page instead of
#: ours in the host's layout (a form or script posting to it got a bare 405).
unknown_pages = Blueprint("ninjaone_unknown", __name__)
#: The methods the catch-all answers; OPTIONS stays Flask's automatic answer.
ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


@unknown_pages.route("/<path:path>", methods=ANY_METHOD)
def unknown_page(path: str) -> NoReturn:
    """The extension's 404 page for a URL under its prefix that no page answers, and its 405 page
    (with ``Allow``) for a page of ours asked with a method it does not take."""
    allowed = _methods_of_a_page()
    if allowed and request.method not in allowed and request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(valid_methods=sorted(allowed))
    abort(404)  # also a page of ours opened from the address bar: "does not exist" is what helps there


def _methods_of_a_page() -> set[str]:
    """The methods a real page (not this catch-all) answers at the requested URL: none if no page."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed: set[str] = set()
    for method in ANY_METHOD:
        try:
            endpoint, _ = adapter.match(method=method)
        except (HTTPException, RoutingException):  # no such page, or a redirect to one (no slash)
            continue
        if endpoint != f"{unknown_pages.name}.{unknown_page.__name__}":
            allowed.add(method)
    return allowed


def install_error_pages(blueprints: list[Blueprint]) -> None:
    """Guided and in-layout error pages for the extension's page blueprints (not the host's app).

    Handlers are part of a blueprint's setup, which Flask closes once the blueprint is registered
    on a first app; they then carry over to every later app, so they are installed only once.
    """
    for blueprint in blueprints:
        if getattr(blueprint, "_ninjaone_error_pages", False):
            continue
        blueprint.register_error_handler(NotConnected, _not_connected)
        for exception in (BadRequest, Forbidden, NotFound, MethodNotAllowed):
            blueprint.register_error_handler(exception, _http_error)
        blueprint._ninjaone_error_pages = True  # type: ignore[attr-defined]  # a marker attribute
