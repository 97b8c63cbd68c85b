"""Remote access: Remote Connect links for RMM-managed assets (see :mod:`.service`)."""

from .service import (
    AUDIT_ACTION,
    EXPIRY_MARGIN,
    MAX_CACHE,
    MESSAGES,
    RemoteOutcome,
    RemoteResult,
    open_remote,
    record_refused,
)

__all__ = [
    "AUDIT_ACTION",
    "EXPIRY_MARGIN",
    "MAX_CACHE",
    "MESSAGES",
    "RemoteOutcome",
    "RemoteResult",
    "open_remote",
    "record_refused",
]
