"""Connect a host tenant to a running fake NinjaOne the way an operator would, without a browser.

The OAuth authorization-code flow needs a user at a consent page; tests need a connected tenant. The
fake's demo API client also accepts the client-credentials grant (``flask ninjaone connect``), so the
tenant is connected through the same service the CLI uses: tokens stored encrypted, organizations
loaded, the webhook registered with its secret, then (optionally) every organization mapped — creating
host clients through ``HostAdapter.create_client`` — and a first full sync run here and now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import setting
from ..connection.connect import connect_client_credentials
from ..host import TenantRef
from ..models import Integration
from ..organizations import client_mapping
from ..state import get_state
from ..sync.runner import run_summary, run_sync
from ..tenancy import get_scoped, tenant_scope
from ..webhooks.registration import receiver_url
from .fake_ninjaone.oauth_store import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

#: Where the fake is told to deliver when the app sets no ``NINJAONE_PUBLIC_BASE_URL``: the Flask
#: test client's default host. Only the path matters to the relay.
TEST_BASE_URL = "http://localhost"


@dataclass(frozen=True)
class ConnectedTenant:
    """A tenant connected to the fake: its integration and, if a sync ran, that sync's summary."""

    tenant: TenantRef
    integration_id: int
    webhook_state: str
    receiver_path: str
    mapped_organizations: int
    sync: dict[str, Any] | None


def connect_tenant(
    fake_url: str,
    tenant_ref: str,
    *,
    client_id: str = DEMO_CLIENT_ID,
    client_secret: str = DEMO_CLIENT_SECRET,
    map_organizations: bool = True,
    sync: bool = True,
) -> ConnectedTenant:
    """Connect the host tenant ``tenant_ref`` (id or slug) to the fake at ``fake_url``; needs an app
    context. Raises ``LookupError`` for an unknown tenant, ``AssertionError`` when the sync fails.

    The test connects as the operator does with ``flask ninjaone connect --base-url``: the fake's
    loopback URL is vouched for, so the app needs no ``NINJAONE_ALLOWED_BASE_URLS`` entry for it.
    """
    state = get_state()
    tenant = state.host.find_tenant(tenant_ref)
    if tenant is None:
        raise LookupError(f"the host has no tenant with id or slug {tenant_ref!r}")
    session = state.db.session
    base_url = setting("NINJAONE_PUBLIC_BASE_URL") or TEST_BASE_URL
    with tenant_scope(tenant.id):
        result = connect_client_credentials(
            session,
            client_id=client_id,
            client_secret=client_secret,
            region=None,
            custom_url=fake_url,
            actor=None,
            public_base_url=base_url,
            set_by_operator=True,
        )
        integration = get_scoped(session, Integration, result.integration_id)
        assert integration is not None
        mapped = (
            client_mapping.apply_suggestions(session, integration, create_missing=True)
            if map_organizations
            else 0
        )
        path = receiver_url(integration, "")
        summary = run_summary(run_sync(integration.id, kind="full", trigger="connect")) if sync else None
    if summary is not None and summary["state"] != "succeeded":
        raise AssertionError(f"the first sync of {tenant.slug} failed: {summary['error']}")
    return ConnectedTenant(tenant, result.integration_id, result.webhook_state, path, mapped, summary)
