"""Which NinjaOne URLs a tenant may choose, and which the server trusts enough to reach without the
address guard.

A tenant admin decides where the server sends the API client's secret and tokens, so an open
"custom URL" made the server a proxy into its own network (Redis, PostgreSQL, another tenant's
endpoint, the cloud metadata service) with error messages that told open, closed and silent ports
apart. Now:

* on the settings page a tenant chooses one of NinjaOne's regions, or a URL the operator listed in
  ``NINJAONE_ALLOWED_BASE_URLS`` (or mapped a region to in ``NINJAONE_BASE_URL_OVERRIDES``); any
  other URL gets :data:`UNREACHABLE` and nothing is written;
* the operator's CLI (``flask ninjaone connect --base-url``) may set any URL, and the integration
  remembers it (``Integration.base_url_set_by_operator``). Persisting that, rather than asking the
  operator to also list the URL, keeps a connection the operator made working in every worker without
  a second place to configure it, and the flag is cleared the moment the page saves another URL, so
  the operator's trust never carries over to a URL a tenant chose;
* every URL nobody vouched for (NinjaOne's regions included, and a URL that was listed once and is
  no longer) is reached through a guarded session
  (:func:`~flask_ninjaone.client.deadlines.deadline_session` with ``restrict_addresses``), which
  refuses non-public addresses when it connects. A listed or operator-set URL is trusted as is.

The page shows one message, :data:`UNREACHABLE`, for a refused URL and for any network failure while
connecting, so it cannot be used to probe which ports answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import requests
from flask import Flask

from ..client.deadlines import deadline_session
from ..client.instances import INSTANCES, normalize_base_url, resolve_base_url
from ..config import ConfigError, setting

UNREACHABLE = (
    "NinjaOne could not be reached at this address, or this address may not be used here. Choose "
    "your NinjaOne region; for another instance URL, ask the administrator of this site to allow it."
)

#: NinjaOne's own instances: a tenant may always choose them (they are reached through the guard).
REGION_URLS = frozenset(instance.base_url for instance in INSTANCES.values())


class HoldsBaseUrl(Protocol):
    """An :class:`~flask_ninjaone.models.Integration`, as far as trust in its URL goes."""

    @property
    def base_url(self) -> str: ...

    @property
    def base_url_set_by_operator(self) -> bool: ...


def check_config(app: Flask) -> None:
    """Normalize ``NINJAONE_ALLOWED_BASE_URLS`` at startup; an entry that is no instance address, or a
    plain-http one the http rule refuses, stops the app with a :class:`ConfigError` naming it."""
    listed = app.config["NINJAONE_ALLOWED_BASE_URLS"]
    if isinstance(listed, str) or not isinstance(listed, list | tuple | set | frozenset):
        raise ConfigError("NINJAONE_ALLOWED_BASE_URLS must be a list of URLs or a comma-separated string")
    allow_http = app.config["NINJAONE_ALLOW_HTTP_BASE_URL"]
    normalized = []
    for entry in listed:
        try:
            normalized.append(resolve_base_url(None, str(entry), allow_insecure_http=allow_http))
        except ValueError as exc:
            raise ConfigError(f"NINJAONE_ALLOWED_BASE_URLS entry {entry!r}: {exc}") from None
    app.config["NINJAONE_ALLOWED_BASE_URLS"] = tuple(dict.fromkeys(normalized))


def listed_base_urls() -> frozenset[str]:
    """The URLs the operator vouched for in configuration: the allowed list and the region overrides."""
    overrides = setting("NINJAONE_BASE_URL_OVERRIDES").values()
    return frozenset(_normalized(setting("NINJAONE_ALLOWED_BASE_URLS"))) | frozenset(_normalized(overrides))


def _normalized(urls: Iterable[object]) -> list[str]:
    result = []
    for url in urls:
        try:
            result.append(normalize_base_url(str(url)))
        except ValueError:
            continue  # not an address: it can match nothing
    return result


def tenant_may_use(base_url: str, integration: HoldsBaseUrl | None) -> bool:
    """Whether the settings page may save ``base_url`` (normalized) as a custom URL: a region's own
    address typed out, a listed URL, or the one the operator already set on this integration (saving
    a new secret keeps it)."""
    if base_url in REGION_URLS or base_url in listed_base_urls():
        return True
    return (
        integration is not None and integration.base_url_set_by_operator and integration.base_url == base_url
    )


def restrict_addresses(base_url: str, *, set_by_operator: bool) -> bool:
    """True when connections to ``base_url`` must go through the address guard: nobody vouched for it."""
    return not set_by_operator and base_url not in listed_base_urls()


def session_for(integration: HoldsBaseUrl) -> requests.Session:
    """A requests session fit for ``integration``'s URL (guarded unless the operator vouched for it)."""
    return deadline_session(
        setting("NINJAONE_HTTP_DEADLINE"),
        restrict_addresses=restrict_addresses(
            integration.base_url, set_by_operator=integration.base_url_set_by_operator
        ),
    )
