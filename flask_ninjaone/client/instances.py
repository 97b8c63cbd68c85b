"""NinjaOne instances (regions) and the URLs built from an instance's base URL.

Every tenant lives on exactly one instance, and a client id only exists on the instance where it was
created: the wrong region is the most common connection mistake, so the labels here are what the
connect form shows. A custom base URL is accepted too, because new instances appear and tests and demos
point at a local fake NinjaOne.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Instance:
    """One NinjaOne instance as shown to the person connecting it."""

    key: str
    label: str
    description: str
    base_url: str


INSTANCES: MappingProxyType[str, Instance] = MappingProxyType(
    {
        "app": Instance("app", "US", "United States (app.ninjarmm.com)", "https://app.ninjarmm.com"),
        "us2": Instance(
            "us2", "US2", "United States, second instance (us2.ninjarmm.com)", "https://us2.ninjarmm.com"
        ),
        "eu": Instance(
            "eu", "EMEA", "Europe, Middle East and Africa (eu.ninjarmm.com)", "https://eu.ninjarmm.com"
        ),
        "oc": Instance(
            "oc", "Oceania/APAC", "Asia-Pacific and Oceania (oc.ninjarmm.com)", "https://oc.ninjarmm.com"
        ),
        "ca": Instance("ca", "Canada", "Canada (ca.ninjarmm.com)", "https://ca.ninjarmm.com"),
        "fed": Instance(
            "fed",
            "FED",
            "US federal (fed.ninjarmm.com); older version, some endpoints missing",
            "https://fed.ninjarmm.com",
        ),
    }
)

_LOCAL_HOSTS = frozenset({"localhost"})


def resolve_base_url(region: str | None, custom_url: str | None, *, allow_insecure_http: bool = False) -> str:
    """Return the base URL (no trailing slash) of the instance to talk to.

    A non-empty ``custom_url`` wins over ``region``: that is how a deployment points a region at another
    host. Plain ``http`` is refused except for loopback hosts (the fake NinjaOne in tests and demos),
    because the client secret and tokens travel over this URL; ``allow_insecure_http`` lifts that for
    setups that terminate TLS elsewhere. Raises :class:`ValueError` with a message fit for a form.
    """
    if custom_url is not None and custom_url.strip():
        return _validate_custom_url(custom_url.strip(), allow_insecure_http=allow_insecure_http)
    if not region:
        raise ValueError("Choose a NinjaOne region or enter the base URL of your NinjaOne instance.")
    try:
        return INSTANCES[region].base_url
    except KeyError:
        known = ", ".join(INSTANCES)
        raise ValueError(f"Unknown NinjaOne region {region!r}; expected one of: {known}.") from None


def normalize_base_url(url: str) -> str:
    """``url`` in the one form URLs are stored and compared in: ``scheme://host[:port][/path]``, scheme
    and host lowercased, no trailing slash. Raises :class:`ValueError` (a message fit for a form) for
    anything that is not the address of an instance (no host, a user name, a query, an API path)."""
    return _validate_custom_url(url.strip(), allow_insecure_http=True)


def _validate_custom_url(url: str, *, allow_insecure_http: bool) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError("The NinjaOne URL must start with https:// (for example https://eu.ninjarmm.com).")
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - urlsplit only validates the port when it is read
    except ValueError:
        raise ValueError("The NinjaOne URL has an invalid host or port.") from None
    if not host:
        raise ValueError("The NinjaOne URL has no host name.")
    if parts.username is not None or parts.password is not None:
        raise ValueError("The NinjaOne URL must not contain a user name or password.")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise ValueError(
            "Enter only the instance address, without '?…' or '#…' "
            "(for example https://eu.ninjarmm.com, not a page of the NinjaOne dashboard)."
        )
    path = parts.path.rstrip("/")
    if path.endswith("/v2") or "/ws/" in f"{path}/":
        raise ValueError("Enter the instance address, not an API path (drop '/v2' or '/ws/…').")
    if scheme == "http" and not allow_insecure_http and not _is_loopback(host):
        raise ValueError("The NinjaOne URL must use https://; plain http:// is only accepted for localhost.")
    port = f":{parts.port}" if parts.port is not None else ""
    shown_host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown_host.lower()}{port}{path}"


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def authorize_url(base_url: str) -> str:
    """OAuth authorization endpoint, where the user's browser is sent to approve the connection."""
    return f"{base_url}/ws/oauth/authorize"


def token_url(base_url: str) -> str:
    """OAuth token endpoint (code exchange, refresh, client credentials)."""
    return f"{base_url}/ws/oauth/token"


def revoke_url(base_url: str) -> str:
    """OAuth revocation endpoint (RFC 7009), used when a tenant disconnects."""
    return f"{base_url}/ws/oauth/revoke"


def metadata_url(base_url: str) -> str:
    """OAuth server metadata (RFC 8414); its ``issuer`` tells whether a URL really is a NinjaOne instance."""
    return f"{base_url}/.well-known/oauth-authorization-server"


def api_url(base_url: str, path: str) -> str:
    """URL of a public API v2 endpoint; ``path`` is relative to ``/v2`` (``"devices"``, ``"/device/7"``)."""
    return f"{base_url}/v2/{path.lstrip('/')}"


def api_settings_url(base_url: str) -> str:
    """Dashboard page where an administrator creates API clients; linked from the connect form."""
    return f"{base_url}/#/administration/apps/api"


def device_page_url(base_url: str, device_id: int) -> str:
    """Dashboard page of one device, for "open in NinjaOne" links next to an asset."""
    if isinstance(device_id, bool) or not isinstance(device_id, int) or device_id < 0:
        raise ValueError("device_id must be a non-negative integer.")
    return f"{base_url}/#/deviceDashboard/{device_id}/overview"
