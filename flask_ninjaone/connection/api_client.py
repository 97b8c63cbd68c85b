"""Build the API client of an integration (credentials from the DB, tokens via the DB store)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..client import NinjaOneClient, TokenStore
from ..client.transport import DEFAULT_MAX_SLEEP
from ..config import setting
from ..models import Integration, OwedWrite
from ..owed_writes import SHORT_WAIT, NotSendable
from ..state import current_app_object
from ..tenancy import get_scoped
from .base_urls import restrict_addresses
from .token_store import DatabaseTokenStore


class MissingCredentials(RuntimeError):
    """The integration has no saved client id/secret (the admin must save them first)."""


def client_for(
    integration: Integration, *, max_sleep: float = DEFAULT_MAX_SLEEP, budget: float | None = None
) -> NinjaOneClient:
    """A client for ``integration``; refreshes are serialized through its :class:`DatabaseTokenStore`.

    ``max_sleep`` caps what the client waits out itself (a longer ``Retry-After`` raises
    :class:`~..client.RateLimited` at once): owed writes pass a short one and reschedule instead.
    ``budget`` bounds, in seconds from now, what all its API requests may take together (a webhook
    delivery's attempt passes one, so a slow NinjaOne cannot hold the worker).
    Its connections go through the address guard unless the operator vouched for the integration's
    URL (:mod:`.base_urls`).
    """
    credential = integration.credential
    if credential is None or not credential.client_secret:
        raise MissingCredentials("Save the NinjaOne client id and secret first")
    app = current_app_object()
    store = DatabaseTokenStore(app, integration.tenant_id, integration.id)
    return configured_client(
        integration.base_url,
        credential.client_id,
        credential.client_secret,
        store,
        max_sleep=max_sleep,
        budget=budget,
        set_by_operator=integration.base_url_set_by_operator,
    )


def configured_client(
    base_url: str,
    client_id: str,
    client_secret: str,
    store: TokenStore,
    *,
    max_sleep: float = DEFAULT_MAX_SLEEP,
    budget: float | None = None,
    set_by_operator: bool = False,
) -> NinjaOneClient:
    """A client with the app's HTTP settings for any token store (a released connection keeps its
    tokens in memory: see :mod:`.release`); ``set_by_operator`` says the operator's CLI chose
    ``base_url``, which then needs no address guard."""
    return NinjaOneClient(
        base_url,
        client_id,
        client_secret,
        store,
        scopes=tuple(setting("NINJAONE_SCOPES").split()),
        timeout=setting("NINJAONE_HTTP_TIMEOUT"),
        deadline=setting("NINJAONE_HTTP_DEADLINE"),
        max_retries=setting("NINJAONE_HTTP_MAX_RETRIES"),
        max_sleep=max_sleep,
        budget=budget,
        restrict_addresses=restrict_addresses(base_url, set_by_operator=set_by_operator),
    )


def sending_client(integration: Integration) -> NinjaOneClient:
    """The client an owed write is sent with: it waits out only a short ``Retry-After``
    (:data:`~..owed_writes.SHORT_WAIT`; a longer one reschedules the write), and missing credentials
    make the write :class:`~..owed_writes.NotSendable` (it stays owed until they are saved)."""
    try:
        return client_for(integration, max_sleep=SHORT_WAIT)
    except MissingCredentials as exc:
        raise NotSendable(f"NinjaOne is not connected: {exc}") from None


def owed_write_client(session: Session, write: OwedWrite, owner: str) -> tuple[Integration, NinjaOneClient]:
    """The integration of an owed write and its :func:`sending_client`; ``owner`` names what the write
    is about ("alert", "device") in the :class:`~..owed_writes.NotSendable` of a connection that is gone."""
    integration = get_scoped(session, Integration, write.integration_id)
    if integration is None:
        raise NotSendable(f"the NinjaOne connection of this {owner} no longer exists")
    return integration, sending_client(integration)
