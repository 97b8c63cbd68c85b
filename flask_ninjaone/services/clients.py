"""Build the API client of an integration (credentials from the DB, tokens via the DB store)."""

from __future__ import annotations

from flask import current_app

from ..client import NinjaOneClient
from ..config import setting
from ..models import Integration
from .token_store import DatabaseTokenStore


class MissingCredentials(RuntimeError):
    """The integration has no saved client id/secret (the admin must save them first)."""


def client_for(integration: Integration) -> NinjaOneClient:
    """A client for ``integration``; refreshes are serialized through its :class:`DatabaseTokenStore`."""
    credential = integration.credential
    if credential is None or not credential.client_secret:
        raise MissingCredentials("Save the NinjaOne client id and secret first")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = DatabaseTokenStore(app, integration.tenant_id, integration.id)
    return NinjaOneClient(
        integration.base_url,
        credential.client_id,
        credential.client_secret,
        store,
        scopes=tuple(setting("NINJAONE_SCOPES").split()),
        timeout=setting("NINJAONE_HTTP_TIMEOUT"),
        max_retries=setting("NINJAONE_HTTP_MAX_RETRIES"),
    )
