"""One ``requests.Session`` wrapper for the NinjaOne API: timeouts, retries, bearer auth, request counts.

Retry policy, and why:

* Every request has a (connect, read) timeout: a hung socket must not hang a sync worker forever.
  Those are per socket operation, so every exchange also has a total ``deadline`` (connect through the
  answer's last byte, see :mod:`.deadlines`): a server trickling its answer cannot hold a worker either.
* A transport may have a ``budget``: seconds all its requests may take together, waits and retries
  included. A job step that must not hold its worker (a webhook delivery) gets one; each exchange's
  deadline is cut to what is left of it, and a wait that would outlast it ends the retries at once
  (a throttled request raises :class:`RateLimited` with its ``Retry-After``, so the caller can
  reschedule at that instant).
* Idempotent methods (GET, PUT, DELETE, HEAD) are retried on connection errors and timeouts, 5xx, 429 and
  HTML pages. NinjaOne throttles either with 429 or with an HTML page (any status, even 200), and its
  JSON API never answers ``text/html`` otherwise.
* Waits use exponential backoff with full jitter (many workers must not retry in lockstep), capped at
  ``max_sleep``. A ``Retry-After`` (seconds or HTTP date) is honoured as is; one longer than ``max_sleep``
  ends the retries at once with :class:`RateLimited` carrying it, so a job can reschedule instead of
  blocking a worker for minutes.
* POST is retried only when the request provably never reached the server (connect timeout, refused
  connection, DNS failure) or was refused with a 429: a 429 means NinjaOne did nothing, so sending it
  again is as safe as a GET, and a write lost to one 429 used to be lost for good. A retried POST after
  a 500 or an HTML page (which may come from a proxy after the API acted) could reset an alert twice.
  The ``Retry-After`` rule above holds for writes too: a long one is the caller's to reschedule.
* A 401 renews the access token once (through the token store's lock) and replays the request once.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import requests
import urllib3

from .address_guard import is_refusal
from .deadlines import DEFAULT_DEADLINE, DeadlineExceeded
from .errors import ApiError, AuthError, NetworkError, NotFound, RateLimited, redact
from .instances import api_url
from .tokens import TokenSet

log = logging.getLogger("flask_ninjaone.client")

Timeout = float | tuple[float, float]

DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
"""(connect, read) seconds. Detailed device pages of 1000 items take a few seconds to produce."""

DEFAULT_MAX_RETRIES = 5
DEFAULT_MAX_SLEEP = 60.0
DEFAULT_BACKOFF_BASE = 1.0
USER_AGENT = "flask-ninjaone"
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD"})


class TokenSource(Protocol):
    """What the transport needs to authenticate: implemented by :class:`~.bearer.TokenManager`."""

    def current(self) -> TokenSet: ...

    def renew(self, rejected: TokenSet) -> TokenSet: ...


class RequestStats:
    """Thread-safe request counters, recorded by sync runs to see what a run cost.

    ``by_endpoint`` is keyed by method and path *template* (``GET /v2/device/{id}``), so per-device calls
    add up under one key instead of one key per device.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._retries = 0
        self._throttled = 0
        self._by_endpoint: Counter[str] = Counter()

    def record_request(self, endpoint: str) -> None:
        with self._lock:
            self._requests += 1
            self._by_endpoint[endpoint] += 1

    def record_retry(self, *, throttled: bool) -> None:
        with self._lock:
            self._retries += 1
            if throttled:
                self._throttled += 1

    def snapshot(self) -> dict[str, Any]:
        """``{"requests", "retries", "throttled", "by_endpoint": {endpoint: count}}`` at this moment."""
        with self._lock:
            return {
                "requests": self._requests,
                "retries": self._retries,
                "throttled": self._throttled,
                "by_endpoint": dict(self._by_endpoint),
            }


def path_id(value: int) -> int:
    """Ids go into URL paths: only plain non-negative integers are accepted."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("ids must be non-negative integers")
    return value


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date); ``None`` if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        return max(0.0, when.timestamp() - now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


def is_html(response: requests.Response) -> bool:
    """NinjaOne's throttle page: the JSON API itself never answers ``text/html``. A body-less answer (a
    204 to ``PUT /v2/webhook``) is no page, whatever Content-Type a server labels it with."""
    return bool(response.content) and response.headers.get("Content-Type", "").lower().startswith("text/html")


NOT_JSON: Any = object()
"""Returned by :func:`json_body` for a body that does not parse."""


def json_body(response: requests.Response) -> Any:
    """The parsed body, or :data:`NOT_JSON`. No exception escapes, so an error raised afterwards does not
    drag the decoder error (and with it the raw body) along as its ``__context__``."""
    try:
        return response.json()
    except ValueError:
        return NOT_JSON


def error_fields(response: requests.Response, secret_values: Sequence[str | None] = ()) -> dict[str, Any]:
    """``resultCode``, ``incidentId``, ``error``, ``error_code`` and a short error text from a JSON error
    body, with ``secret_values`` removed: servers sometimes echo what they rejected."""
    body = json_body(response)
    if not isinstance(body, Mapping):
        return {}
    error_code = body.get("error_code", body.get("errorCode"))
    text = body.get("errorMessage") or body.get("error_description") or body.get("error")
    return {
        "result_code": _clean(body.get("resultCode"), secret_values),
        "incident_id": _clean(body.get("incidentId"), secret_values),
        "error": _clean(body.get("error"), secret_values),
        "error_code": error_code if isinstance(error_code, int) else _clean(error_code, secret_values),
        "text": _clean(text, secret_values),
    }


def _clean(value: Any, secret_values: Sequence[str | None], limit: int = 200) -> str | None:
    if value is None:
        return None
    text = redact(str(value), secret_values) or ""
    return text if len(text) <= limit else f"{text[:limit]}…"


def api_error(response: requests.Response, endpoint: str, *, secret_values: Sequence[str] = ()) -> ApiError:
    """The typed error for a non-success API answer; the message carries NinjaOne's ids, not the body.

    ``secret_values`` (the bearer token) are removed from any error text the server echoes.
    """
    info = error_fields(response, secret_values)
    status = response.status_code
    details = [f"HTTP {status}"]
    if info.get("result_code"):
        details.append(f"resultCode={info['result_code']}")
    if info.get("incident_id"):
        details.append(f"incidentId={info['incident_id']}")
    message = f"{endpoint}: NinjaOne answered {', '.join(details)}"
    if info.get("text") and info.get("text") != info.get("result_code"):
        message += f": {info['text']}"
    cls = NotFound if status == 404 else ApiError
    return cls(
        message,
        status=status,
        result_code=info.get("result_code"),
        incident_id=info.get("incident_id"),
        error_code=info.get("error_code"),
    )


def never_reached_server(exc: requests.RequestException) -> bool:
    """True when the request could not have been received: no connection was ever established."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.SSLError) or not isinstance(exc, requests.ConnectionError):
        return False
    reason: Any = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _is_transient(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.exceptions.SSLError):
        return False  # a certificate problem does not fix itself within seconds
    if is_refusal(exc):
        return False  # an address the guard refused stays refused
    return isinstance(
        exc, requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError
    )


class Transport:
    """Sends authenticated requests to ``<base_url>/v2/...`` following the retry policy of this module."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        *,
        session: requests.Session,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_sleep: float = DEFAULT_MAX_SLEEP,
        backoff_base: float = DEFAULT_BACKOFF_BASE,
        deadline: float = DEFAULT_DEADLINE,
        budget: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if not deadline > 0 or (budget is not None and not budget > 0):
            raise ValueError("deadline and budget must be positive numbers of seconds")
        self.base_url = base_url
        self.stats = RequestStats()
        self._tokens = tokens
        self._session = session
        self._max_retries = max_retries
        self._max_sleep = max_sleep
        self._backoff_base = backoff_base
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock
        self._host = urlsplit(base_url).netloc
        self._connect, self._read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        self._deadline = deadline
        self._budget = budget
        self._ends_at = None if budget is None else clock() + budget

    def request(
        self,
        method: str,
        template: str,
        *,
        path_params: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> requests.Response:
        """Send ``method`` to ``/v2/<template>`` and return the 2xx response, or raise a typed error.

        ``template`` is the path relative to ``/v2`` with ``{placeholders}`` filled from ``path_params``
        (URL-quoted), e.g. ``request("GET", "device/{id}", path_params={"id": 7})``.
        """
        method = method.upper()
        quoted = {key: quote(str(value), safe="") for key, value in (path_params or {}).items()}
        url = api_url(self.base_url, template.format(**quoted))
        endpoint = f"{method} /v2/{template}"
        replayable = method in IDEMPOTENT_METHODS
        retries = 0
        renewed = False
        while True:
            token = self._tokens.current()  # per attempt: a long retry chain may outlive the token
            seconds = self._exchange_seconds(endpoint)
            self.stats.record_request(endpoint)
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers={
                        "Authorization": f"Bearer {token.access_token}",
                        "Accept": "application/json",
                        "User-Agent": USER_AGENT,
                    },
                    # requests hands a urllib3 Timeout on as it is (adapters.py: TimeoutSauce), and
                    # DeadlineAdapter reads its total; the stubs list only the float forms.
                    timeout=urllib3.Timeout(  # type: ignore[arg-type]
                        connect=self._connect, read=self._read, total=seconds
                    ),
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                may_retry = _is_transient(exc) and (replayable or never_reached_server(exc))
                delay = self._delay(retries + 1, None)
                if not may_retry or retries >= self._max_retries or not self._fits(delay):
                    raise NetworkError(self._unreachable(endpoint, exc, seconds, retries + 1)) from exc
                retries += 1
                self._wait(endpoint, retries, type(exc).__name__, delay, throttled=False)
                continue

            status = response.status_code
            throttled = status == 429 or is_html(response)
            if throttled or status >= 500:
                retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._clock())
                delay = self._delay(retries + 1, retry_after)
                too_long = (retry_after is not None and retry_after > self._max_sleep) or not self._fits(
                    delay
                )
                may_replay = replayable or status == 429  # a 429 means nothing was done
                if not may_replay or retries >= self._max_retries or too_long:
                    if throttled:
                        kind = "an HTML page" if is_html(response) else "HTTP 429"
                        raise RateLimited(
                            f"{endpoint}: NinjaOne is throttling requests ({kind}, status {status}, "
                            f"{retries + 1} attempt{'s' if retries else ''})",
                            retry_after=retry_after,
                            status=status,
                        )
                    raise api_error(response, endpoint, secret_values=(token.access_token,))
                retries += 1
                self._wait(endpoint, retries, f"HTTP {status}", delay, throttled=throttled)
                continue
            if status == 401:
                if renewed:
                    raise AuthError(
                        f"{endpoint}: NinjaOne rejected a freshly renewed access token (HTTP 401)"
                    )
                renewed = True
                log.info("%s answered 401; renewing the access token once", endpoint)
                self._tokens.renew(token)
                continue
            if 300 <= status < 400:
                raise ApiError(
                    f"{endpoint}: unexpected redirect (HTTP {status}); is {self._host} a NinjaOne instance?",
                    status=status,
                )
            if status >= 400:
                raise api_error(response, endpoint, secret_values=(token.access_token,))
            return response

    def _exchange_seconds(self, endpoint: str) -> float:
        """The deadline of the next exchange: the transport's, cut to what is left of its budget."""
        if self._ends_at is None:
            return self._deadline
        left = self._ends_at - self._clock()
        if left <= 0:
            raise NetworkError(f"{endpoint}: the {self._budget:g} s allowed for NinjaOne here ran out")
        return min(self._deadline, left)

    def _fits(self, delay: float) -> bool:
        """Whether waiting ``delay`` seconds still leaves time for another attempt within the budget."""
        return self._ends_at is None or self._clock() + delay < self._ends_at

    def _unreachable(
        self, endpoint: str, exc: requests.RequestException, seconds: float, attempts: int
    ) -> str:
        tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
        if isinstance(exc, DeadlineExceeded):
            return f"{endpoint}: NinjaOne at {self._host} did not finish answering in {seconds:g} s ({tries})"
        return f"{endpoint}: could not reach NinjaOne at {self._host} ({type(exc).__name__}, {tries})"

    def _delay(self, retry: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return self._jitter() * min(self._max_sleep, self._backoff_base * 2.0 ** (retry - 1))

    def _wait(self, endpoint: str, retry: int, cause: str, delay: float, *, throttled: bool) -> None:
        self.stats.record_retry(throttled=throttled)
        log.warning("%s: %s; retry %d/%d in %.2fs", endpoint, cause, retry, self._max_retries, delay)
        self._sleep(delay)
