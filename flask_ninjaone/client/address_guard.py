"""Connections that refuse internal addresses (loopback, private, link-local, metadata…).

:func:`~.deadlines.deadline_session` with ``restrict_addresses`` builds its pools from them.

A tenant admin chooses the instance the server talks to. Validating the *URL* when it is saved is not
enough: a name's DNS answer can change between that check and any later request (DNS rebinding), and a
public-looking name may resolve to ``127.0.0.1`` or ``169.254.169.254`` from the start. So the check runs
when a connection is made, on the addresses it is made to: the guarded connection resolves the host
itself, refuses if *any* answer is not a public address, connects only to the addresses it vetted (the
name is not resolved a second time), and checks the connected socket's peer address once more before a
byte is sent. TLS still verifies the certificate against the host name.

A refusal raises :class:`AddressRefused` before any packet leaves for the refused address, so it takes
no time and cannot tell open, closed and silent ports apart. Guarded sessions ignore proxy environment
variables (``trust_env = False``): through a proxy the peer is the proxy and the target's address is
never seen. A deployment that must reach NinjaOne through a proxy lists the instance URL in
``NINJAONE_ALLOWED_BASE_URLS``, whose URLs are trusted and use plain sessions.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import create_connection

#: Cloud metadata services. All of them are non-global addresses already (link-local, ULA or shared
#: address space): listed so the refusal names them, and so they stay refused whatever Python's tables say.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(value)
    for value in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)


class AddressRefused(NewConnectionError):
    """A guarded connection refused an address. A :class:`NewConnectionError` to urllib3 and requests
    (nothing was sent), told apart by :func:`is_refusal` so that nobody retries it."""


def forbidden_address(address: str) -> bool:
    """True for every address a tenant's URL must not reach: anything but a global unicast address.

    That covers loopback, private (RFC 1918, ULA), link-local (and so the usual metadata address),
    shared (100.64/10), unspecified, reserved, documentation and multicast ranges; an IPv4 address
    mapped into IPv6 (``::ffff:127.0.0.1``) is judged as the IPv4 address it is.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip in METADATA_ADDRESSES or ip.is_multicast or ip.is_unspecified or not ip.is_global


def is_refusal(exc: BaseException) -> bool:
    """True when ``exc`` (a requests or urllib3 error) is, or was caused by, an :class:`AddressRefused`."""
    seen: set[int] = set()
    pending: list[Any] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, AddressRefused):
            return True
        pending.extend((current.__cause__, current.__context__, getattr(current, "reason", None)))
        pending.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
    return False


class _GuardedConnectionMixin:
    """``_new_conn`` of urllib3's connections, resolving and vetting the addresses itself."""

    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        conn: Any = self
        try:
            answers = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, conn, exc) from exc
        addresses = list(dict.fromkeys(str(answer[4][0]) for answer in answers))
        refused = [address for address in addresses if forbidden_address(address)]
        if refused or not addresses:
            raise AddressRefused(conn, f"{self.host} resolves to a refused address ({', '.join(refused)})")
        error: Exception | None = None
        for address in addresses:
            try:
                sock = create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                error = ConnectTimeoutError(conn, f"Connection to {self.host} timed out.")
                error.__cause__ = exc
                continue
            except OSError as exc:
                error = NewConnectionError(conn, f"Failed to establish a new connection: {exc}")
                error.__cause__ = exc
                continue
            peer = str(sock.getpeername()[0])
            if forbidden_address(peer):
                sock.close()
                raise AddressRefused(conn, f"{self.host} connected to a refused address ({peer})")
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        assert error is not None
        raise error


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    """Plain-http connection that only reaches global addresses."""


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    """TLS connection that only reaches global addresses (the certificate is checked against the name)."""
