"""A total deadline for one HTTP exchange: connecting, the status line, the headers and the last byte.

``requests``' timeouts are per socket operation: the read timeout restarts with every byte received.
A server that answers 12 bytes every 10 seconds never trips a 30-second timeout and holds the caller
for as long as it likes — two minutes of the only worker, measured — and a tenant can point its
connection at such a server on purpose. So every exchange also gets a deadline, enforced by a
watchdog: when it passes, the socket the exchange runs on is shut down, which ends whatever read is
blocked on it at once (in the headers as well as in the body), and the exchange raises
:class:`DeadlineExceeded`.

The watchdog must know the socket before the headers are read, which ``requests`` does not expose:
the :class:`DeadlineAdapter` installs connection pools that note the socket of each connection they
hand out, or open, while an exchange is under way (a context variable, so concurrent threads do not
mix them up).
The adapter reads the whole answer before it returns, so the body is inside the deadline too
(``stream=True`` is not supported: nothing in this client streams).

Not covered: name resolution (``getaddrinfo`` ignores every timeout; the connect timeout, cut to
what is left of the deadline, starts after it), and through a SOCKS proxy, whose connections are
its own, the socket is not known: the deadline is then only noticed once the answer has ended.
"""

from __future__ import annotations

import contextlib
import contextvars
import socket
import threading
from collections.abc import Mapping
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3 import poolmanager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .address_guard import AddressRefused, GuardedHTTPConnection, GuardedHTTPSConnection

DEFAULT_DEADLINE = 60.0
"""Seconds one exchange may take in all: a page of 1000 detailed devices takes a few seconds."""
#: What ``requests`` takes as a timeout: seconds, (connect, read), or a urllib3 ``Timeout``, whose
#: ``total`` the adapter below takes as the exchange's deadline.
RequestTimeout = float | tuple[float, float] | tuple[float, None] | urllib3.Timeout | None


class DeadlineExceeded(requests.exceptions.Timeout):
    """The exchange was cut off because its deadline passed (the server was too slow, not silent)."""


class _Exchange:
    """One exchange under way: the socket it runs on, and whether the watchdog cut it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: Any = None
        self._finished = False
        self.cut = False

    def runs_on(self, sock: Any) -> None:
        with self._lock:
            self._sock = sock

    def expire(self) -> None:
        """The watchdog: shut the socket down unless the exchange finished first."""
        with self._lock:
            if self._finished:
                return
            self.cut = True
            sock = self._sock
        if isinstance(sock, socket.socket):
            # The plain socket's shutdown (an SSL socket's own would also drop its TLS state); an
            # OSError means it is closed already, and nothing is blocked on it.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def finish(self) -> bool:
        """Mark the exchange over; ``True`` if the watchdog cut it first."""
        with self._lock:
            self._finished = True
            return self.cut


_current: contextvars.ContextVar[_Exchange | None] = contextvars.ContextVar("ninjaone_exchange", default=None)


def _note(sock: Any) -> None:
    exchange = _current.get()
    if exchange is not None and sock is not None:
        exchange.runs_on(sock)


class _NotesSocket:
    """Connection mixin: a new socket is noted by the exchange that opened it. (The connection itself
    lets go of its socket once an answer says ``Connection: close``; the answer still reads from it.)"""

    def connect(self) -> None:
        # a mixin: its connection class (below) has connect() and sock
        super().connect()  # type: ignore[misc]
        _note(self.sock)  # type: ignore[attr-defined]


class _NotingConnection(_NotesSocket, HTTPConnection):
    pass


class _NotingHTTPSConnection(_NotesSocket, HTTPSConnection):
    pass


class _NotesConnections:
    """Pool mixin: a kept-alive connection handed out is noted with its socket."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]  # a mixin: its pool class has it
        _note(connection.sock)
        return connection


class _NotingGuardedConnection(_NotesSocket, GuardedHTTPConnection):
    pass


class _NotingGuardedHTTPSConnection(_NotesSocket, GuardedHTTPSConnection):
    pass


class _NotingPool(_NotesConnections, HTTPConnectionPool):
    ConnectionCls = _NotingConnection


class _NotingHTTPSPool(_NotesConnections, HTTPSConnectionPool):
    ConnectionCls = _NotingHTTPSConnection


class _NotingGuardedPool(_NotesConnections, HTTPConnectionPool):
    ConnectionCls = _NotingGuardedConnection


class _NotingGuardedHTTPSPool(_NotesConnections, HTTPSConnectionPool):
    ConnectionCls = _NotingGuardedHTTPSConnection


_POOLS = {"http": _NotingPool, "https": _NotingHTTPSPool}
#: The same for a URL nobody vouched for: connections reach global addresses only (:mod:`.address_guard`).
_GUARDED_POOLS = {"http": _NotingGuardedPool, "https": _NotingGuardedHTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose every exchange ends by its deadline.

    The deadline is the ``total`` of a ``urllib3.Timeout`` passed as the request's timeout, else the
    adapter's ``deadline``; the connect and read timeouts keep their meaning within it.
    ``restrict_addresses`` also puts every connection through the address guard, and refuses proxies
    (through one, the target's address is never seen).
    """

    def __init__(
        self, deadline: float = DEFAULT_DEADLINE, *, restrict_addresses: bool = False, **kwargs: Any
    ) -> None:
        if not deadline > 0:
            raise ValueError("deadline must be a positive number of seconds")
        self.deadline = deadline
        self.pools = _GUARDED_POOLS if restrict_addresses else _POOLS
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self.pools

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        if self.pools is _GUARDED_POOLS:
            # no connection exists yet to name in the error
            raise AddressRefused(None, "a guarded session does not go through proxies")  # type: ignore[arg-type]
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if manager.pool_classes_by_scheme is poolmanager.pool_classes_by_scheme:  # not SOCKS's own
            manager.pool_classes_by_scheme = self.pools
        return manager

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: RequestTimeout = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        total = timeout.total if isinstance(timeout, urllib3.Timeout) else None
        seconds = total if isinstance(total, int | float) else self.deadline
        if isinstance(timeout, urllib3.Timeout):
            # urllib3 would end a read at ``total`` too, racing the watchdog: on a loaded machine its
            # socket timeout fires first and surfaces as a plain ConnectionError ("could not reach")
            # instead of a passed deadline. The watchdog alone enforces the deadline; the connect
            # timeout stays cut to it (a fresh Timeout's read_timeout is its per-read value).
            timeout = urllib3.Timeout(connect=timeout.connect_timeout, read=timeout.read_timeout)
        exchange = _Exchange()
        watchdog = threading.Timer(seconds, exchange.expire)
        watchdog.daemon = True
        token = _current.set(exchange)
        watchdog.start()
        try:
            response = super().send(
                request,
                stream=True,
                # requests hands a urllib3 Timeout on as it is (adapters.py: TimeoutSauce); its stubs
                # list only the float forms.
                timeout=timeout,  # type: ignore[arg-type]
                verify=verify,
                cert=cert,
                proxies=proxies,
            )
            _ = response.content  # the whole answer, under the deadline
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if exchange.finish():
                raise DeadlineExceeded(_message(request, seconds), request=request) from exc
            raise
        else:
            cut = exchange.finish()
        finally:
            watchdog.cancel()
            _current.reset(token)
        if cut:  # a close-delimited body ends quietly when its socket is shut down
            response.close()
            raise DeadlineExceeded(_message(request, seconds), request=request)
        return response


def _message(request: requests.PreparedRequest, seconds: float) -> str:
    return f"{request.method} answer not complete within its {seconds:g} s deadline"


def deadline_session(
    deadline: float = DEFAULT_DEADLINE, *, restrict_addresses: bool = False
) -> requests.Session:
    """A ``requests.Session`` whose exchanges end by ``deadline`` seconds (see :class:`DeadlineAdapter`);
    ``restrict_addresses``: one that only ever connects to global addresses, without proxies, for an
    instance URL a tenant chose (the operator's own URLs need no guard)."""
    session = requests.Session()
    if restrict_addresses:
        session.trust_env = False  # proxy variables would hide the target's address
        session.proxies = {}
    adapter = DeadlineAdapter(deadline, restrict_addresses=restrict_addresses)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
