"""NinjaOne public API v2 client: OAuth, token renewal, paging, retries, typed errors and schemas.

No Flask and no database in here: the extension's domain modules use it, and so can scripts::

    from flask_ninjaone.client import InMemoryTokenStore, NinjaOneClient, resolve_base_url

    client = NinjaOneClient(resolve_base_url("eu", None), client_id, client_secret, store)
    for page in client.devices_detailed().pages():
        ...  # up to 1000 schema-loaded devices
"""

from .api import DEFAULT_WEBHOOK_EXPAND, QUERY_NAMES, NinjaOneClient
from .bearer import REFRESH_LEEWAY, TokenManager
from .deadlines import DEFAULT_DEADLINE, DeadlineExceeded, deadline_session
from .errors import (
    ApiError,
    AuthError,
    InvalidResponse,
    NetworkError,
    NinjaOneError,
    NotConnected,
    NotFound,
    PagingError,
    RateLimited,
    ReconnectRequired,
    UserContextRequired,
    WebhookForbidden,
    describe,
)
from .instances import (
    INSTANCES,
    Instance,
    api_settings_url,
    api_url,
    authorize_url,
    device_page_url,
    metadata_url,
    resolve_base_url,
    revoke_url,
    token_url,
)
from .oauth import (
    CLIENT_CREDENTIALS_SCOPES,
    DEFAULT_SCOPES,
    build_authorization_url,
    client_credentials,
    exchange_code,
    fetch_server_metadata,
    generate_code_verifier,
    refresh,
    revoke,
    s256_code_challenge,
)
from .paging import Page, Paged, iter_items, walk_activities, walk_after, walk_cursor
from .report_rows import load_report_rows, report_timestamps
from .tokens import InMemoryTokenStore, TokenSet, TokenStore
from .transport import DEFAULT_TIMEOUT, RequestStats, Transport

__all__ = [
    "UserContextRequired",
    "CLIENT_CREDENTIALS_SCOPES",
    "DEFAULT_DEADLINE",
    "DEFAULT_SCOPES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WEBHOOK_EXPAND",
    "INSTANCES",
    "QUERY_NAMES",
    "REFRESH_LEEWAY",
    "ApiError",
    "AuthError",
    "DeadlineExceeded",
    "InMemoryTokenStore",
    "Instance",
    "InvalidResponse",
    "NetworkError",
    "NinjaOneClient",
    "NinjaOneError",
    "NotConnected",
    "NotFound",
    "Page",
    "Paged",
    "PagingError",
    "RateLimited",
    "ReconnectRequired",
    "RequestStats",
    "TokenManager",
    "TokenSet",
    "TokenStore",
    "Transport",
    "WebhookForbidden",
    "describe",
    "api_settings_url",
    "api_url",
    "authorize_url",
    "build_authorization_url",
    "client_credentials",
    "deadline_session",
    "device_page_url",
    "exchange_code",
    "fetch_server_metadata",
    "generate_code_verifier",
    "iter_items",
    "load_report_rows",
    "metadata_url",
    "refresh",
    "report_timestamps",
    "resolve_base_url",
    "revoke",
    "revoke_url",
    "s256_code_challenge",
    "token_url",
    "walk_activities",
    "walk_after",
    "walk_cursor",
]
