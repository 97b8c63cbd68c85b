"""Can NinjaOne reach the receiver: a public base URL it can use, and no CSRF check in the way?"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import Flask, got_request_exception

from ..config import setting
from .results import Check, fail, ok, short_error

CSRF = "csrf_exemption"
PUBLIC_URL = "public_base_url"
#: Where the receiver logs rejected requests (:mod:`flask_ninjaone.webhooks.ratelimited_log`).
RECEIVER_LOG = logging.getLogger("flask_ninjaone.webhooks")
SET_URL = "Set NINJAONE_PUBLIC_BASE_URL to the https address NinjaOne reaches this host at (e.g. https://psa.example.com)"


def check_csrf_exemption(app: Flask) -> Check:
    """POST a delivery to a receiver id nobody has, through the whole app: the receiver answers 404.

    NinjaOne posts without a CSRF token, so anything in the host that checks one on the receiver
    (``CSRFProtect`` with ``WTF_CSRF_CHECK_DEFAULT = False`` and ``csrf.protect()`` in a
    ``before_request``, a blanket login requirement, …) rejects every delivery — and nothing else
    would say so. The request goes through the host's own hooks exactly as a delivery does; an
    unknown id is rejected before anything is stored.
    """
    prefix = "/" + setting("NINJAONE_WEBHOOK_PREFIX", app).strip("/")
    url = f"{prefix}/doctor-{secrets.token_hex(16)}"
    raised: list[BaseException] = []

    def record(_sender: Flask, exception: BaseException, **_: object) -> None:
        raised.append(exception)

    try:
        with got_request_exception.connected_to(record, app), _quiet(app.logger, RECEIVER_LOG):
            response = app.test_client().post(url, json={"id": 0, "activityTime": 0})
    except Exception as exc:  # noqa: BLE001 — whatever the host's hooks raise, report it
        return fail(CSRF, f"POST {prefix}/<id> raised {short_error(exc)}", "Fix that error first")
    body = response.get_data(as_text=True)
    if response.status_code == 404:
        return ok(CSRF, f"POST {prefix}/<unknown id> reaches the receiver (404), no CSRF check in the way")
    if response.status_code == 400 and "csrf" in body.lower():
        return fail(
            CSRF,
            f"POST {prefix}/<id> is rejected by a CSRF check (400): every delivery is",
            "Exempt the receiver: call csrf.exempt(app.blueprints['ninjaone_webhooks']) if the host "
            "calls csrf.protect() itself, or leave CSRFProtect's default check on",
        )
    if raised:
        return fail(
            CSRF,
            f"POST {prefix}/<id> passed the host's checks but the receiver failed ({short_error(raised[0])})",
            "Fix that error first (usually the database check)",
        )
    return fail(
        CSRF,
        f"POST {prefix}/<id> answers {response.status_code} instead of the receiver's 404: "
        "something in the host intercepts deliveries",
        "Let POSTs to the webhook prefix through the host's before_request hooks (login, CSRF, "
        "redirects) unchanged",
    )


def check_public_base_url(app: Flask) -> Check:
    """``NINJAONE_PUBLIC_BASE_URL`` is set and an absolute http(s) URL, https unless it is loopback.

    Without it the webhook URL and the OAuth redirect come from whatever request connected, and a
    connect from the CLI registers no webhook at all. Over plain http every delivery carries its
    secret header in clear, so only loopback (a developer's machine) may use it.
    """
    value = setting("NINJAONE_PUBLIC_BASE_URL", app)
    if not value:
        return fail(
            PUBLIC_URL,
            "NINJAONE_PUBLIC_BASE_URL is not set: webhook and OAuth URLs depend on the "
            "request that connected",
            SET_URL,
        )
    try:
        parts = urlsplit(str(value))
        parts.port  # noqa: B018 — raises on a port that is not a number
    except ValueError:
        return fail(PUBLIC_URL, "NINJAONE_PUBLIC_BASE_URL is not a URL", SET_URL)
    if parts.username or parts.password:
        return fail(PUBLIC_URL, "NINJAONE_PUBLIC_BASE_URL must not carry credentials", SET_URL)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return fail(
            PUBLIC_URL,
            f"NINJAONE_PUBLIC_BASE_URL {value!r} is not an absolute http(s) URL without query or fragment",
            SET_URL,
        )
    if parts.scheme == "http" and not _loopback(parts.hostname):
        return fail(
            PUBLIC_URL,
            f"NINJAONE_PUBLIC_BASE_URL {value!r} is plain http: webhook secrets and "
            "OAuth codes would cross the network in clear",
            SET_URL,
        )
    return ok(PUBLIC_URL, f"NINJAONE_PUBLIC_BASE_URL is {value}")


@contextmanager
def _quiet(*loggers: logging.Logger) -> Iterator[None]:
    """Keep the probe out of the logs: its rejection (and a failure it reports itself) is no news."""
    previous = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, disabled in zip(loggers, previous, strict=True):
            logger.disabled = disabled


def _loopback(hostname: str) -> bool:
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False
