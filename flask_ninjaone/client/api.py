"""The NinjaOne public API v2, as typed methods.

Every method returns schema-loaded data (plain dicts, timestamps as aware UTC datetimes, unknown fields
kept). List endpoints that page return a lazy :class:`~.paging.Paged`: iterate it for items or call
``.pages()`` to write a page at a time; nothing holds the whole fleet. A body that does not match its
schema raises :class:`InvalidResponse` (never a half-loaded result).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, overload

import requests
from marshmallow import Schema

from . import oauth
from .answers import load_response, response_json
from .bearer import TokenManager
from .custom_fields import CustomFieldsMixin
from .deadlines import DEFAULT_DEADLINE, deadline_session
from .device_actions import DeviceActionsMixin
from .errors import ApiError, NotFound, WebhookForbidden
from .paging import Paged, walk_activities, walk_after, walk_cursor
from .report_rows import load_raw_page, report_endpoint
from .schemas import (
    QUERY_PAGE_SCHEMAS,
    ActivitiesPageSchema,
    AlertSchema,
    ApplicationSchema,
    DeviceLinkSchema,
    DeviceSchema,
    LocationSchema,
    NodeRoleSchema,
    OrganizationSchema,
    OSPatchSchema,
    SoftwarePatchSchema,
    UnchangedFilter,
    WebhookConfigurationSchema,
)
from .tokens import TokenStore
from .transport import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_SLEEP,
    DEFAULT_TIMEOUT,
    Timeout,
    Transport,
    path_id,
)

QUERY_NAMES = tuple(QUERY_PAGE_SCHEMAS)
"""Reports :meth:`NinjaOneClient.query` knows: ``software``, ``os-patches``, ``os-patch-installs``,
``software-patches``, ``antivirus-status``, ``device-health``, ``custom-fields``,
``custom-fields-detailed``, ``logged-on-users``."""

DEFAULT_WEBHOOK_EXPAND: tuple[str, ...] = ("device",)
"""Expand ``device`` in deliveries: it carries ``organizationId``, absent from the activity itself."""

_WEBHOOK_FORBIDDEN = (
    "NinjaOne refused to change the webhook (HTTP 403): only an API client created by a system "
    "administrator may configure webhooks. Recreate the API client as a system administrator."
)


def _filters(df: str | None, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    params = {key: value for key, value in (extra or {}).items() if value is not None}
    if df is not None:
        if not isinstance(df, str) or not df.strip():
            raise ValueError("df must be a non-empty device filter string, e.g. 'org = 12'")
        params["df"] = df
    return params


class NinjaOneClient(DeviceActionsMixin, CustomFieldsMixin):
    """A client for one NinjaOne connection (one API client on one instance, one token store).

    ``token_store`` serializes token renewals across workers (see :class:`~.tokens.TokenStore`). Use one
    client per thread or job; they may share the store. ``scopes`` are requested when a
    client-credentials connection (no refresh token) renews its token. ``timeout`` is (connect, read)
    seconds for every request and ``deadline`` the total seconds of one exchange (see
    :mod:`~.deadlines`; a ``session`` you pass should come from :func:`~.deadlines.deadline_session`);
    ``max_retries``/``max_sleep`` bound the retry policy of :mod:`~.transport`, and ``budget`` (seconds,
    from now) what all API requests of the client may take together — for a client made for one short
    job step; ``sleep``, ``clock`` and ``jitter`` are injectable so tests never wait.
    ``restrict_addresses`` makes the client's own session refuse internal addresses at connection time
    (:mod:`~.address_guard`): for an instance URL a tenant chose rather than the operator.
    ``stats`` reports what the client has sent so far, for sync-run records. Device actions (reboot,
    maintenance mode) come from :class:`~.device_actions.DeviceActionsMixin`.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        token_store: TokenStore,
        *,
        scopes: Sequence[str] = oauth.DEFAULT_SCOPES,
        timeout: Timeout = DEFAULT_TIMEOUT,
        page_size: int = 1000,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_sleep: float = DEFAULT_MAX_SLEEP,
        deadline: float = DEFAULT_DEADLINE,
        budget: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        restrict_addresses: bool = False,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError("page_size must be a positive integer")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.page_size = page_size
        self._client_secret = client_secret
        self._store = token_store
        self._timeout = timeout
        self._owns_session = session is None
        self._session = session or deadline_session(deadline, restrict_addresses=restrict_addresses)
        self._tokens = TokenManager(
            self.base_url,
            client_id,
            client_secret,
            token_store,
            scopes=scopes,
            session=self._session,
            timeout=timeout,
            clock=clock,
        )
        self._transport = Transport(
            self.base_url,
            self._tokens,
            session=self._session,
            timeout=timeout,
            max_retries=max_retries,
            max_sleep=max_sleep,
            deadline=deadline,
            budget=budget,
            sleep=sleep,
            jitter=jitter,
            clock=clock,
        )

    def __repr__(self) -> str:
        return f"NinjaOneClient(base_url={self.base_url!r}, client_id={self.client_id!r})"

    def __enter__(self) -> NinjaOneClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session if the client created it."""
        if self._owns_session:
            self._session.close()

    @property
    def stats(self) -> dict[str, Any]:
        """``{"requests", "retries", "throttled", "token_renewals", "by_endpoint": {"GET /v2/...": n}}``."""
        return {**self._transport.stats.snapshot(), "token_renewals": self._tokens.renewals}

    # -- plumbing ------------------------------------------------------------------------------------

    @overload
    def _get(
        self,
        template: str,
        schema: Schema,
        *,
        many: Literal[False] = False,
        path_params: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]: ...
    @overload
    def _get(
        self,
        template: str,
        schema: Schema,
        *,
        many: Literal[True],
        path_params: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]: ...
    @overload
    def _get(
        self,
        template: str,
        schema: Schema,
        *,
        many: bool,
        path_params: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any: ...
    def _get(
        self,
        template: str,
        schema: Schema,
        *,
        many: bool = False,
        path_params: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        response = self._transport.request("GET", template, path_params=path_params, params=params)
        endpoint = f"GET /v2/{template}"
        return load_response(schema, response, endpoint, many=many)

    def _fetcher(
        self, template: str, schema: Schema, *, many: bool, path_params: Mapping[str, Any] | None = None
    ) -> Callable[[dict[str, Any]], Any]:
        def fetch(params: dict[str, Any]) -> Any:
            return self._get(template, schema, many=many, path_params=path_params, params=params)

        return fetch

    def _after_paged(
        self,
        template: str,
        schema: Schema,
        params: dict[str, Any],
        *,
        path_params: Mapping[str, Any] | None = None,
    ) -> Paged:
        fetch = self._fetcher(template, schema, many=True, path_params=path_params)
        return Paged(lambda: walk_after(fetch, page_size=self.page_size, params=params))

    # -- organizations and locations ----------------------------------------------------------------

    def organizations(self) -> Paged:
        """All organizations (id, name, description, approval mode)."""
        return self._after_paged("organizations", OrganizationSchema(), {})

    def organizations_detailed(self) -> Paged:
        """All organizations with their locations, policy assignments and settings."""
        return self._after_paged("organizations-detailed", OrganizationSchema(), {})

    def organization(self, organization_id: int) -> dict[str, Any]:
        """One organization, with locations, policies and settings."""
        return self._get(
            "organization/{id}", OrganizationSchema(), path_params={"id": path_id(organization_id)}
        )

    def organization_locations(self, organization_id: int) -> list[dict[str, Any]]:
        """The locations of one organization (not paged by NinjaOne)."""
        return self._get(
            "organization/{id}/locations",
            LocationSchema(),
            many=True,
            path_params={"id": path_id(organization_id)},
        )

    def locations(self) -> Paged:
        """All locations of all organizations, each with its ``organizationId``."""
        return self._after_paged("locations", LocationSchema(), {})

    def node_roles(self) -> list[dict[str, Any]]:
        """Every device role (built-in and custom), each with its ``nodeClass``; a few dozen rows,
        not paged by NinjaOne."""
        return self._get("noderole/list", NodeRoleSchema(), many=True)

    # -- devices -------------------------------------------------------------------------------------

    def devices(self, df: str | None = None) -> Paged:
        """Devices with common fields only; ``df`` is a device filter such as ``"org = 12"``."""
        return self._after_paged("devices", DeviceSchema(), _filters(df))

    def devices_detailed(self, df: str | None = None, *, unchanged: UnchangedFilter | None = None) -> Paged:
        """Devices with OS, hardware, volumes and network facts: one walk gives everything a sync needs.

        ``unchanged`` lets a sync skip loading devices it already applied from identical payloads;
        those arrive as :class:`~.schemas.devices.Unchanged` (see :class:`DeviceSchema`).
        """
        return self._after_paged("devices-detailed", DeviceSchema(unchanged=unchanged), _filters(df))

    def organization_devices(self, organization_id: int) -> Paged:
        """The devices of one organization (common fields)."""
        return self._after_paged(
            "organization/{id}/devices", DeviceSchema(), {}, path_params={"id": path_id(organization_id)}
        )

    def device(self, device_id: int) -> dict[str, Any]:
        """One device with all the fields of its shape. Raises :class:`NotFound` once it is deleted."""
        return self._get("device/{id}", DeviceSchema(), path_params={"id": path_id(device_id)})

    def device_dashboard_url(self, device_id: int) -> dict[str, Any]:
        """``{"url", "expires"}``: a short-lived link opening the device in NinjaOne."""
        return self._get(
            "device/{id}/dashboard-url", DeviceLinkSchema(), path_params={"id": path_id(device_id)}
        )

    def device_software(self, device_id: int) -> list[dict[str, Any]]:
        """Installed software of one device (one call per device: prefer :meth:`software` for a fleet)."""
        return self._get(
            "device/{id}/software", ApplicationSchema(), many=True, path_params={"id": path_id(device_id)}
        )

    def device_os_patches(
        self, device_id: int, filters: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """OS patches of one device; ``filters`` may hold ``status``, ``type``, ``severity``."""
        return self._get(
            "device/{id}/os-patches",
            OSPatchSchema(),
            many=True,
            path_params={"id": path_id(device_id)},
            params=_filters(None, filters),
        )

    def device_software_patches(
        self, device_id: int, filters: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Third-party software patches of one device; ``filters`` may hold ``status``, ``type``,
        ``impact``, ``productIdentifier``."""
        return self._get(
            "device/{id}/software-patches",
            SoftwarePatchSchema(),
            many=True,
            path_params={"id": path_id(device_id)},
            params=_filters(None, filters),
        )

    # -- alerts --------------------------------------------------------------------------------------

    def alerts(self, df: str | None = None) -> list[dict[str, Any]]:
        """Every active alert (triggered condition), for reconciliation with the tickets."""
        return self._get("alerts", AlertSchema(), many=True, params=_filters(df))

    def device_alerts(self, device_id: int) -> list[dict[str, Any]]:
        """Active alerts of one device."""
        return self._get(
            "device/{id}/alerts", AlertSchema(), many=True, path_params={"id": path_id(device_id)}
        )

    def reset_alert(self, uid: str) -> None:
        """Reset an alert in NinjaOne (when its ticket is closed). Not retried on 5xx: it is a POST.

        Raises :class:`NotFound` if the alert is already gone, which callers may treat as done.
        """
        try:
            uid = str(uuid.UUID(str(uid)))
        except ValueError:
            raise ValueError("alert uid must be a UUID (the alert's seriesUid)") from None
        self._transport.request("POST", "alert/{uid}/reset", path_params={"uid": uid}, json={})

    # -- query reports -------------------------------------------------------------------------------

    def query(self, name: str, df: str | None = None, filters: Mapping[str, str] | None = None) -> Paged:
        """Walk the ``/v2/queries/<name>`` report over the whole fleet (see :data:`QUERY_NAMES`).

        ``filters`` adds the report's own parameters (``status``, ``ts``, ``installedAfter``...).
        """
        try:
            schema = QUERY_PAGE_SCHEMAS[name]()
        except KeyError:
            raise ValueError(
                f"unknown query report {name!r}; expected one of {', '.join(QUERY_NAMES)}"
            ) from None
        fetch = self._fetcher(f"queries/{name}", schema, many=False)
        params = _filters(df, filters)
        return Paged(lambda: walk_cursor(fetch, page_size=self.page_size, params=params))

    def query_raw(self, name: str, df: str | None = None) -> Paged:
        """:meth:`query` with each row left as NinjaOne sent it (only its ``deviceId`` checked).

        For a caller that loads only the rows it uses, with
        :func:`~.report_rows.load_report_rows` (see :mod:`.report_rows`: the inventory refresh).
        """
        if name not in QUERY_PAGE_SCHEMAS:
            raise ValueError(f"unknown query report {name!r}; expected one of {', '.join(QUERY_NAMES)}")
        template = f"queries/{name}"

        def fetch(params: dict[str, Any]) -> Any:
            response = self._transport.request("GET", template, params=params)
            return load_raw_page(name, response_json(response, report_endpoint(name)))

        params = _filters(df)
        return Paged(lambda: walk_cursor(fetch, page_size=self.page_size, params=params))

    def software(self, df: str | None = None, filters: Mapping[str, str] | None = None) -> Paged:
        """Installed software of every device."""
        return self.query("software", df, filters)

    def os_patches(self, df: str | None = None, filters: Mapping[str, str] | None = None) -> Paged:
        """Pending, failed and rejected OS patches of every device."""
        return self.query("os-patches", df, filters)

    def os_patch_installs(self, df: str | None = None, filters: Mapping[str, str] | None = None) -> Paged:
        """OS patch installations (installed and failed) of every device."""
        return self.query("os-patch-installs", df, filters)

    def software_patches(self, df: str | None = None, filters: Mapping[str, str] | None = None) -> Paged:
        """Pending, failed and rejected third-party software patches of every device."""
        return self.query("software-patches", df, filters)

    def antivirus_status(self, df: str | None = None, filters: Mapping[str, str] | None = None) -> Paged:
        """Antivirus product, state and definitions of every device."""
        return self.query("antivirus-status", df, filters)

    def device_health(self, df: str | None = None, filters: Mapping[str, str] | None = None) -> Paged:
        """Per-device counts of pending/failed patches, threats and alerts, and the health status."""
        return self.query("device-health", df, filters)

    def custom_fields(self, names: Sequence[str], df: str | None = None) -> Paged:
        """The values of the custom fields ``names`` of every device (``fields=`` keeps the pages small)."""
        if not names:
            raise ValueError("names must list at least one custom field")
        return self.query("custom-fields", df, {"fields": ",".join(names)})

    def logged_on_users(self, df: str | None = None) -> Paged:
        """Every device's last logged-on user and logon time."""
        return self.query("logged-on-users", df)

    # -- activities ----------------------------------------------------------------------------------

    def activities(
        self,
        newer_than: int | None = None,
        older_than: int | None = None,
        df: str | None = None,
        *,
        page_size: int | None = None,
        activity_class: str | None = None,
        activity_type: str | None = None,
        status: str | None = None,
        series_uid: str | None = None,
    ) -> Paged:
        """Activities with ids strictly between ``newer_than`` and ``older_than``, newest first.

        To catch up after missed webhook deliveries, pass the last processed id as ``newer_than`` and keep
        the pages' ``last_activity_id`` as the next high-water mark. ``activity_class`` is ``SYSTEM``,
        ``DEVICE``, ``USER`` or ``ALL``.
        """
        size = page_size if page_size is not None else min(max(self.page_size, 10), 1000)
        extra = {"class": activity_class, "type": activity_type, "status": status, "seriesUid": series_uid}
        params = _filters(df, extra)
        fetch = self._fetcher("activities", ActivitiesPageSchema(), many=False)
        return Paged(
            lambda: walk_activities(
                fetch, page_size=size, newer_than=newer_than, older_than=older_than, params=params
            )
        )

    # -- webhook -------------------------------------------------------------------------------------

    def configure_webhook(
        self,
        url: str,
        activities: Mapping[str, Sequence[str]],
        headers: Mapping[str, str],
        *,
        expand: Sequence[str] = DEFAULT_WEBHOOK_EXPAND,
        organization_ids: Sequence[int] | None = None,
    ) -> None:
        """Create or replace this API client's webhook (one per API client).

        ``activities`` maps an activity type to the status codes to deliver (``{"CONDITION": ["TRIGGERED",
        "RESET"]}``). NinjaOne signs nothing, so ``headers`` must carry the secret the receiver checks.
        Raises :class:`WebhookForbidden` when the API client is not a system administrator's.
        """
        payload: dict[str, Any] = {
            "url": url,
            "activities": {key: list(codes) for key, codes in activities.items()},
            "expand": list(expand),
            "headers": [{"name": name, "value": value} for name, value in headers.items()],
        }
        if organization_ids is not None:
            payload["organizationIds"] = list(organization_ids)
        problems = WebhookConfigurationSchema().validate(payload)  # messages only: never the header values
        if problems:
            raise ValueError(f"invalid webhook configuration: {problems}")
        self._webhook_request("PUT", payload)

    def remove_webhook(self) -> None:
        """Remove this API client's webhook; already removed counts as done."""
        try:
            self._webhook_request("DELETE", None)
        except NotFound:
            return

    def _webhook_request(self, method: str, payload: Any) -> None:
        try:
            self._transport.request(method, "webhook", json=payload)
        except ApiError as err:
            if err.status == 403:
                raise WebhookForbidden.instead_of(err, _WEBHOOK_FORBIDDEN) from None
            raise

    # -- tokens --------------------------------------------------------------------------------------

    def revoke_tokens(self) -> None:
        """Revoke the stored refresh and access tokens at NinjaOne (disconnect). The store is left as is:
        the caller deletes the credentials it holds."""
        token = self._store.load()
        if token is None:
            return
        if token.refresh_token:
            oauth.revoke(
                self.base_url,
                self.client_id,
                self._client_secret,
                token.refresh_token,
                token_type_hint="refresh_token",
                timeout=self._timeout,
                session=self._session,
            )
        oauth.revoke(
            self.base_url,
            self.client_id,
            self._client_secret,
            token.access_token,
            token_type_hint="access_token",
            timeout=self._timeout,
            session=self._session,
        )
