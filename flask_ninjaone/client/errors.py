"""Typed errors raised by the NinjaOne client.

Callers (sync jobs, webhook workers, pages) decide what to do from the class alone: retry later
(:class:`RateLimited`, :class:`NetworkError`, a 5xx :class:`ApiError`), tell a human to reconnect
(:class:`ReconnectRequired`), or treat a record as gone (:class:`NotFound`).

No message built here may contain a secret: messages name the endpoint, the HTTP status and NinjaOne's
own ``resultCode``/``incidentId`` (the id NinjaOne support asks for), never headers, form bodies or tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

REDACTED = "***"
MIN_SECRET_LENGTH = 8
"""Shorter values are not credentials NinjaOne issues; replacing them would only mangle messages."""


def redact(text: str | None, secret_values: Iterable[str | None]) -> str | None:
    """Remove secrets from text a server sent back: servers sometimes echo what they rejected."""
    if text is None:
        return None
    for value in secret_values:
        if value and len(value) >= MIN_SECRET_LENGTH:
            text = text.replace(value, REDACTED)
    return text


class NinjaOneError(Exception):
    """Base class of every error raised by :mod:`flask_ninjaone.client`."""


class NetworkError(NinjaOneError):
    """NinjaOne could not be reached (DNS, refused connection, TLS, timeout) after the allowed retries.

    Transient by nature: the caller should retry the whole operation later, not mark the connection broken.
    """


class AuthError(NinjaOneError):
    """NinjaOne refused our credentials: wrong client id/secret, wrong instance, rejected code or token."""


class NotConnected(AuthError):
    """No token is stored for this connection yet: the OAuth connect flow has not been completed."""


class ReconnectRequired(AuthError):
    """The stored credentials can no longer produce an access token; only a human can fix it.

    Raised when the token endpoint rejects a refresh (``invalid_grant``/``invalid_token``, or any 400/401),
    which is how a revoked or already-rotated refresh token shows up. The client has already called
    ``TokenStore.mark_reconnect_required`` before raising, so the connection shows as broken in the UI.
    """


class RateLimited(NinjaOneError):
    """NinjaOne kept throttling (429 or an HTML throttle page) until the retry budget ran out.

    ``retry_after`` is the server's last ``Retry-After`` in seconds when it sent one, so a job can
    reschedule itself instead of hammering the API.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class ApiError(NinjaOneError):
    """NinjaOne answered with an error status.

    ``result_code`` and ``incident_id`` come from NinjaOne's JSON error body (``resultCode``,
    ``incidentId``); ``error_code`` from ``error_code`` (e.g. 10 for an unauthenticated request).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        result_code: str | None = None,
        incident_id: str | None = None,
        error_code: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.result_code = result_code
        self.incident_id = incident_id
        self.error_code = error_code

    @classmethod
    def instead_of(cls, err: ApiError, message: str) -> Self:
        """This kind of error in place of ``err``, with a message saying what to do about it and
        NinjaOne's status, result code, incident id and error code kept (raise it ``from None``)."""
        return cls(
            message,
            status=err.status,
            result_code=err.result_code,
            incident_id=err.incident_id,
            error_code=err.error_code,
        )


class NotFound(ApiError):
    """The device, organization or alert does not exist (any more) in NinjaOne (HTTP 404)."""


class WebhookForbidden(ApiError):
    """``PUT/DELETE /v2/webhook`` answered 403: only an API client of a system administrator may do that."""


class UserContextRequired(ApiError):
    """NinjaOne runs scripts only for a signed-in user's token (authorization code), not a client's."""


class InvalidResponse(NinjaOneError):
    """A 2xx answer whose body is not what the API documents (not JSON, wrong shape, wrong field types).

    ``messages`` holds marshmallow's per-field messages when schema validation failed; the payload itself
    is never copied into the error.
    """

    def __init__(self, message: str, *, messages: Any = None) -> None:
        super().__init__(message)
        self.messages = messages


class PagingError(NinjaOneError):
    """A page did not advance (same last id, or same cursor name and offset): stop rather than loop."""


def describe(error: NinjaOneError) -> str:
    """One line for people — run records, pages, the CLI — saying what failed and, for a rejected
    connection, that a human must reconnect. Safe to show: no message built here holds a secret."""
    if isinstance(error, ReconnectRequired):
        text = f"NinjaOne rejected the stored credentials; reconnect required ({error})"
    else:
        text = str(error)
    return " ".join(text.split())
