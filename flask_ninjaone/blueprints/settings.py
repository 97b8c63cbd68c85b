"""The NinjaOne settings page of a tenant: credentials, OAuth connect/callback, status, sync settings,
webhook secret rotation (and revoking the previous secret) and disconnect.

Every view is thin: check the permission (VIEW to look, MANAGE to change anything), parse the form,
call :mod:`~flask_ninjaone.connection.connect` or :mod:`~flask_ninjaone.webhooks.registration`,
then redirect back to the page with a message. Every outcome — success or failure — ends on the
settings page; the OAuth callback never redirects anywhere else (no ``next``, no open redirect).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from ..client import INSTANCES, api_settings_url
from ..config import setting
from ..connection import connect as connection
from ..connection import instances as tenant_instances
from ..connection.connect import ConnectError, SettingsError
from ..connection.health import ConnectionHealth, Health, connection_health
from ..enum_labels import enum_label
from ..forms.connection import CUSTOM_REGION, CredentialsForm, RenameInstanceForm, SyncSettingsForm
from ..forms.instance import instance_field
from ..forms.mapping import ActionForm
from ..host import Permission
from ..state import get_state
from ..sync.requests import DEVICE_SYNC, active_run
from ..tenancy import current_tenant_id, require_tenant_id
from ..webhooks import registration as webhook_registration
from ..webhooks.registration import WebhookError
from . import oauth_state
from .access import EXPIRED_FORM, require
from .run_progress import run_view
from .states import browsed_integration, select_instance, selected_integration

if TYPE_CHECKING:
    from ..models import Integration

bp = Blueprint("ninjaone", __name__, template_folder="../templates", static_folder="../static")

#: What a disconnect does, listed in its confirmation (on the settings page and the integrations card).
DISCONNECT_CONSEQUENCES = (
    "The webhook is removed in NinjaOne: real-time events stop.",
    "The access and refresh tokens are revoked in NinjaOne.",
    "The Client ID and Client Secret are erased here.",
    "Assets synced from NinjaOne are kept, but no longer updated.",
    "NinjaOne alerts stop opening and closing tickets.",
    "Organization mappings and alert rules are kept for a later reconnect.",
)


@bp.app_context_processor
def inject_layout() -> dict[str, object]:
    """Templates extend the host's base template, whatever its name."""
    return {"ninjaone_base_template": get_state().host.base_template}


bp.add_app_template_filter(enum_label, "ninjaone_label")
bp.add_app_template_global(instance_field, "ninjaone_instance_field")


@bp.app_template_filter("ninjaone_datetime")
def format_datetime(value: datetime | str | None) -> str:
    """UTC to the minute; the extension cannot rely on the host's own filters."""
    if value is None:
        return "never"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _session() -> Any:
    return get_state().db.session


def _can_manage() -> bool:
    return get_state().host.has_permission(Permission.MANAGE)


def _back() -> Response:
    return redirect(url_for(".settings"))


def _posted_integration(missing: str) -> Integration | None:
    """The integration a settings button acts on, once its form checks out; ``None``, with the reason
    flashed, when the form expired or the tenant has no integration (``missing`` says what that
    means for this button)."""
    if not ActionForm().validate_on_submit():
        flash(EXPIRED_FORM, "error")
        return None
    integration = selected_integration()
    if integration is None:
        flash(missing, "error")
    return integration


def _redirect_uri() -> str:
    """The exact redirect URI registered in NinjaOne: the public base URL when configured (behind a
    proxy the request's host may be internal), else this request's."""
    base = setting("NINJAONE_PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + "/" + setting("NINJAONE_URL_PREFIX").strip("/") + "/oauth/callback"
    return url_for(".oauth_callback", _external=True)


def _public_base_url() -> str | None:
    return webhook_registration.public_base_url(request.host_url)


# -- the page --------------------------------------------------------------------------------------------


def _credentials_form(integration: Integration | None) -> CredentialsForm:
    form = CredentialsForm(formdata=None)
    if integration is not None:
        if integration.credential is not None:
            form.client_id.data = integration.credential.client_id
        form.region.data = integration.region or CUSTOM_REGION
        if integration.region is None:
            form.custom_url.data = integration.base_url
    return form


def _rename_form(integration: Integration | None) -> RenameInstanceForm:
    form = RenameInstanceForm(formdata=None)
    if integration is not None:
        form.name.data = integration.name
    return form


def _sync_form(integration: Integration | None) -> SyncSettingsForm:
    form = SyncSettingsForm(formdata=None)
    if integration is not None:
        form.auto_sync.data = integration.auto_sync
        form.sync_interval_minutes.data = integration.sync_interval_minutes
        form.inventory_interval_minutes.data = integration.inventory_interval_minutes
        form.sync_pending_devices.data = integration.sync_pending_devices
    return form


def _render(
    *,
    credentials_form: CredentialsForm | None = None,
    sync_form: SyncSettingsForm | None = None,
    status_code: int = 200,
) -> tuple[str, int]:
    session = _session()
    adding = _adding()
    integration = None if adding else selected_integration()
    info = connection.status(session, require_tenant_id(), integration)
    can_manage = _can_manage()
    listed = tenant_instances.tenant_instances(session)
    base_url = integration.base_url if integration is not None else INSTANCES["app"].base_url
    html = render_template(
        "ninjaone/settings.html",
        info=info,
        health=connection_health(integration),
        integration=integration,
        can_manage=can_manage,
        credentials_form=credentials_form or _credentials_form(integration),
        sync_form=sync_form or _sync_form(integration),
        action_form=ActionForm(),
        rename_form=_rename_form(integration),
        instances=INSTANCES,
        redirect_uri=_redirect_uri(),
        api_settings_url=api_settings_url(base_url),
        scopes=setting("NINJAONE_SCOPES").split(),
        grace_hours=setting("NINJAONE_WEBHOOK_SECRET_GRACE_HOURS"),
        disconnect_consequences=DISCONNECT_CONSEQUENCES,
        remove_consequences=REMOVE_CONSEQUENCES,
        revoke_previous_consequences=REVOKE_PREVIOUS_CONSEQUENCES,
        csrf_token_value=generate_csrf(),
        followed_sync=run_view(active_run(integration, DEVICE_SYNC)) if integration is not None else None,
        tenant_instances=listed,
        device_counts=tenant_instances.device_counts(session) if len(listed) > 1 else {},
        adding=adding,
        may_add=can_manage and bool(listed) and len(listed) < setting("NINJAONE_MAX_INSTANCES_PER_TENANT"),
    )
    return html, status_code


def _adding() -> bool:
    """Whether the page sets up another instance beside the tenant's others (``?add=1``)."""
    return request.args.get("add") == "1"


@bp.get("/")
@require(Permission.VIEW)
def settings() -> tuple[str, int]:
    """Status for everyone allowed to see it; setup, credentials and actions for managers.

    ``?instance=ID`` chooses which of the tenant's instances the pages show and act on from now on;
    ``?add=1`` shows an empty credentials form that adds another instance (managers only)."""
    ref = request.args.get("instance")
    if ref:
        select_instance(ref)
    if _adding() and not _can_manage():
        abort(403)
    return _render()


@bp.get("/status.json")
@require(Permission.VIEW)
def status_json() -> Response:
    """The connection status the page shows, for polling; the API client id only for managers."""
    info = connection.status(_session(), require_tenant_id(), selected_integration())
    if not _can_manage():
        info.pop("client_id", None)
        info.pop("client_secret_hint", None)
    return jsonify(info)


# -- changes (MANAGE) ------------------------------------------------------------------------------------


@bp.post("/credentials")
@require(Permission.MANAGE)
def save_credentials() -> Response | tuple[str, int]:
    """Save the API client id/secret and the instance; the secret is never rendered back."""
    form = CredentialsForm()
    if not form.validate_on_submit():
        return _render(credentials_form=form, status_code=400)
    custom = form.region.data == CUSTOM_REGION
    adding = _adding()
    try:
        saved = connection.save_credentials(
            _session(),
            client_id=form.client_id.data,
            client_secret=form.client_secret.data,
            region=None if custom else form.region.data,
            custom_url=form.custom_url.data if custom else None,
            actor=get_state().host.current_user(),
            remote_addr=request.remote_addr,
            instance=None if adding else selected_integration(),
            add=adding,
        )
    except ConnectError as exc:
        form.form_errors.append(str(exc))
        return _render(credentials_form=form, status_code=400)
    select_instance(saved.integration.id)  # the page goes on with the instance just saved
    flash("NinjaOne credentials saved. Next: click Connect.", "success")
    if saved.instance_note:
        flash(saved.instance_note, "warning")
    return _back()


@bp.post("/sync-settings")
@require(Permission.MANAGE)
def save_sync_settings() -> Response | tuple[str, int]:
    """Auto-sync, intervals, and whether PENDING devices are synced."""
    integration = selected_integration()
    if integration is None:
        flash("Save the NinjaOne credentials first.", "error")
        return _back()
    form = SyncSettingsForm()
    if not form.validate_on_submit():
        return _render(sync_form=form, status_code=400)
    try:
        connection.update_sync_settings(
            _session(),
            integration,
            auto_sync=form.auto_sync.data,
            sync_interval_minutes=form.sync_interval_minutes.data,
            inventory_interval_minutes=form.inventory_interval_minutes.data,
            sync_pending_devices=form.sync_pending_devices.data,
            actor=get_state().host.current_user(),
            remote_addr=request.remote_addr,
        )
    except SettingsError as exc:
        form.form_errors.append(str(exc))
        return _render(sync_form=form, status_code=400)
    flash("Sync settings saved.", "success")
    return _back()


@bp.post("/connect")
@require(Permission.MANAGE)
def connect() -> Response:
    """Send the admin's browser to NinjaOne's consent page (state bound to this session, PKCE)."""
    if not ActionForm().validate_on_submit():
        flash(EXPIRED_FORM, "error")
        return _back()
    integration = selected_integration()
    state = oauth_state.new_state()
    redirect_uri = _redirect_uri()
    try:
        url, verifier = connection.start_authorization(integration, redirect_uri, state)
    except ConnectError as exc:
        flash(str(exc), "error")
        return _back()
    assert integration is not None and integration.credential is not None
    user = get_state().host.current_user()
    assert user is not None
    oauth_state.remember(
        state,
        tenant_id=require_tenant_id(),
        user_id=user.id,
        integration=integration,
        client_id=integration.credential.client_id,
        redirect_uri=redirect_uri,
        code_verifier=verifier,
    )
    return redirect(url)


def _consent_message(error: str) -> str:
    if error == "access_denied":
        return (
            "You declined the connection in NinjaOne, so nothing was changed. "
            "Click Connect and choose Allow to connect."
        )
    code = error if re.fullmatch(r"[A-Za-z_]{1,40}", error) else "unknown error"
    return (
        f"NinjaOne did not authorize the connection ({code}). "
        "Nothing was changed; click Connect to try again."
    )


@bp.get("/oauth/callback")
def oauth_callback() -> Response:
    """Where NinjaOne sends the browser back. Always ends on the settings page.

    Authorized like ``require(Permission.MANAGE)``, except that an anonymous visitor is sent to log in
    with the settings page as ``next``: the code and state must not travel through the login page (the
    state lives in the session, which a login replaces, so they could not be used afterwards anyway).
    """
    host = get_state().host
    user = host.current_user()
    if user is None or current_tenant_id() is None:
        return redirect(host.login_url(url_for(".settings")))
    if not host.has_permission(Permission.MANAGE):
        abort(403)
    try:
        pending = oauth_state.take(request.args.get("state"), tenant_id=require_tenant_id(), user_id=user.id)
    except oauth_state.StateError as exc:
        flash(str(exc), "error")
        return _back()
    error = request.args.get("error")
    if error:
        flash(_consent_message(error), "error")
        return _back()
    code = request.args.get("code")
    if not code:
        flash("NinjaOne sent no authorization code. Click Connect to try again.", "error")
        return _back()
    session = _session()
    try:  # the state names the instance Connect was clicked for: the callback finishes that one
        integration = tenant_instances.instance_for(session, pending.integration_id)
    except tenant_instances.InstanceError:
        integration = None
    if not pending.matches(integration, integration.credential if integration else None):
        flash(oauth_state.CHANGED, "error")
        return _back()
    try:
        result = connection.finish_authorization(
            session,
            integration,
            code=code,
            redirect_uri=pending.redirect_uri,
            code_verifier=pending.code_verifier,
            actor=user,
            public_base_url=_public_base_url(),
            remote_addr=request.remote_addr,
        )
    except ConnectError as exc:
        flash(str(exc), "error")
        return _back()
    select_instance(result.integration_id)
    message = f"Connected to NinjaOne: {result.organizations} organization(s) found."
    if result.organizations:
        message += " Map them to clients so their devices are synced."
    if result.sync_message:
        message += f" {result.sync_message}"
    flash(message, "success")
    for note in result.notes:
        flash(note, "warning")
    return _back()


#: Authorized by hand (anonymous users go to the login page with the settings page as next).
oauth_callback.ninjaone_permission = Permission.MANAGE  # type: ignore[attr-defined]  # a marker attribute


@bp.post("/disconnect")
@require(Permission.MANAGE)
def disconnect() -> Response:
    """Remove the webhook, revoke the tokens, erase the credentials; keep mappings, rules and assets."""
    integration = _posted_integration("NinjaOne is not connected: there is nothing to disconnect.")
    if integration is None:
        return _back()
    try:
        result = connection.disconnect(
            _session(), integration, get_state().host.current_user(), remote_addr=request.remote_addr
        )
    except ConnectError as exc:
        flash(str(exc), "error")
        return _back()
    done = ["credentials erased"]
    if result.tokens_revoked:
        done.insert(0, "tokens revoked")
    if result.webhook_removed:
        done.insert(0, "webhook removed in NinjaOne")
    # What the disconnect means (assets kept, no longer updated) is the page's status: said once there.
    flash(f"NinjaOne disconnected: {', '.join(done)}.", "success")
    for note in result.notes:
        flash(note, "warning")
    return _back()


@bp.post("/webhook/rotate")
@require(Permission.MANAGE)
def rotate_webhook_secret() -> Response:
    """New webhook secret pushed to NinjaOne; the previous one is accepted for the grace period."""
    integration = _posted_integration("Connect NinjaOne before rotating the webhook secret.")
    if integration is None:
        return _back()
    try:
        until = webhook_registration.rotate_webhook_secret(
            _session(),
            integration,
            base_url=_public_base_url(),
            actor=get_state().host.current_user(),
            remote_addr=request.remote_addr,
        )
    except WebhookError as exc:
        flash(str(exc), "error")
        return _back()
    message = "Webhook secret rotated and sent to NinjaOne."
    if until is not None:
        message += f" The previous secret is still accepted until {format_datetime(until)}."
    flash(message, "success")
    return _back()


@bp.post("/webhook/revoke-previous")
@require(Permission.MANAGE)
def revoke_previous_webhook_secret() -> Response:
    """Stop accepting the previous webhook secret now (e.g. it leaked), before its grace ends."""
    integration = _posted_integration(webhook_registration.NO_PREVIOUS_SECRET)
    if integration is None:
        return _back()
    try:
        webhook_registration.revoke_previous_webhook_secret(
            _session(),
            integration,
            actor=get_state().host.current_user(),
            remote_addr=request.remote_addr,
        )
    except WebhookError as exc:
        flash(str(exc), "error")
        return _back()
    flash("The previous webhook secret is revoked: only the current one is accepted from now on.", "success")
    return _back()


@bp.post("/instance/rename")
@require(Permission.MANAGE)
def rename_instance() -> Response:
    """Rename the instance the form was rendered for (the name ``--instance`` and the list use)."""
    form = RenameInstanceForm()
    if not form.validate_on_submit():
        flash(EXPIRED_FORM, "error")
        return _back()
    integration = selected_integration()
    if integration is None:
        flash("There is no NinjaOne instance to rename.", "error")
        return _back()
    try:
        name = tenant_instances.rename(
            _session(), integration, form.name.data or "", actor=get_state().host.current_user(),
            remote_addr=request.remote_addr,
        )  # fmt: skip
    except tenant_instances.InstanceError as exc:
        flash(f"The instance was not renamed: {exc}", "error")
        return _back()
    flash(f"The NinjaOne instance is now called {name!r}.", "success")
    return _back()


@bp.post("/instance/remove")
@require(Permission.MANAGE)
def remove_instance() -> Response:
    """Remove the instance the form was rendered for: retired with its history kept, never deleted.
    A connected one is disconnected first, only when the form says so (``disconnect=1``: the page's
    "Disconnect and remove" confirmation)."""
    integration = _posted_integration("There is no NinjaOne instance to remove.")
    if integration is None:
        return _back()
    session, actor = _session(), get_state().host.current_user()
    if tenant_instances.is_linked(integration):
        if request.form.get("disconnect") != "1":
            flash(
                f"The NinjaOne instance {integration.name!r} is connected: nothing was removed. Use "
                "Disconnect and remove, or Disconnect first.",
                "error",
            )
            return _back()
        try:
            connection.disconnect(session, integration, actor, remote_addr=request.remote_addr)
        except ConnectError as exc:
            flash(str(exc), "error")
            return _back()
    try:
        removal = tenant_instances.remove(session, integration, actor=actor, remote_addr=request.remote_addr)
    except tenant_instances.InstanceError as exc:
        flash(str(exc), "error")
        return _back()
    flash(removal.note(), "success")
    return _back()


#: What removing an instance does, listed in its confirmation.
REMOVE_CONSEQUENCES = (
    "A connected instance is disconnected first: its webhook is removed and its tokens revoked.",
    "Its assets are kept, marked inactive with the reason; tickets still point at them.",
    "Its devices, mappings, alerts, sync history and audit are kept, but no longer shown or synced.",
    "Its name stays taken by that history. Saving its URL again later brings the instance back.",
)


#: What revoking the previous webhook secret does, listed in its confirmation.
REVOKE_PREVIOUS_CONSEQUENCES = (
    "Deliveries carrying the previous secret are refused at once (HTTP 401), in every process.",
    "A delivery NinjaOne sent with it before the rotation reached it is refused too; the scheduled "
    "sync and the alert reconciliation catch up with what it carried.",
)


# -- the card on the host's integrations page --------------------------------------------------------------


@dataclass(frozen=True)
class CardSummary:
    """What the NinjaOne card of a host's integrations page shows (see ``components/ninjaone_card.html``)."""

    status: str
    health: ConnectionHealth
    configured: bool
    instance_url: str | None
    last_sync_at: datetime | None
    last_sync_status: str | None
    webhook_state: str | None
    settings_url: str
    can_manage: bool
    connect_url: str | None
    disconnect_url: str | None
    csrf_token: str | None
    disconnect_consequences: tuple[str, ...] = DISCONNECT_CONSEQUENCES


@bp.app_template_global("ninjaone_card_summary")
def card_summary() -> CardSummary | None:
    """The live state of the current tenant's connection, or ``None`` for a user who may not see it."""
    host = get_state().host
    if host.current_user() is None or current_tenant_id() is None or not host.has_permission(Permission.VIEW):
        return None
    # On a host page handling its own form the card shows the browsed instance (that form names none).
    integration = selected_integration() if request.method in ("GET", "HEAD") else browsed_integration()
    configured = integration is not None and integration.credential is not None
    health = connection_health(integration)
    can_manage = _can_manage()
    linked = health.state not in (Health.NOT_CONNECTED, Health.DISCONNECTED)
    return CardSummary(
        status=str(health.state),
        health=health,
        configured=configured,
        instance_url=integration.base_url if integration is not None else None,
        last_sync_at=integration.last_sync_at if integration is not None else None,
        last_sync_status=integration.last_sync_status if integration is not None else None,
        webhook_state=integration.webhook_state if integration is not None else None,
        settings_url=url_for("ninjaone.settings"),
        can_manage=can_manage,
        connect_url=url_for("ninjaone.connect") if can_manage and configured and not linked else None,
        disconnect_url=url_for("ninjaone.disconnect") if can_manage and linked else None,
        csrf_token=generate_csrf() if can_manage else None,
    )
