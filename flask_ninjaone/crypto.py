"""Secrets at rest: Fernet encryption of client secrets, tokens and webhook secrets.

Keys come from ``NINJAONE_ENCRYPTION_KEYS`` (newest first). :class:`MultiFernet` decrypts with any
listed key and encrypts with the first, so rotation is: prepend a new key, deploy, run
``flask ninjaone rotate-keys`` (re-encrypts every secret under the newest key), then drop the old key.
Encryption happens in a column type, so no code path can store a secret in plaintext by forgetting
to call an encrypt function.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from .config import ConfigError


def parse_keys(raw: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Accept a list or a comma/whitespace-separated string of Fernet keys."""
    if raw is None:
        return []
    items = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)
    return [item.strip() for item in items if item and item.strip()]


def build_fernet(raw: str | list[str] | tuple[str, ...] | None) -> MultiFernet:
    """Build the key ring, with a startup error that says which key is malformed (not the key itself)."""
    keys = parse_keys(raw)
    if not keys:
        raise ConfigError(
            "NINJAONE_ENCRYPTION_KEYS is not set: secrets cannot be stored or read. "
            "Generate a key with `flask ninjaone generate-key` and set it"
        )
    fernets = []
    for index, key in enumerate(keys):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"NINJAONE_ENCRYPTION_KEYS entry #{index + 1} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from exc
    return MultiFernet(fernets)


def fernet_for(app: Flask | None = None) -> MultiFernet:
    """The key ring of ``app`` (built once at ``init_app``); raises the configuration error that kept
    it from being built (a missing or malformed ``NINJAONE_ENCRYPTION_KEYS``)."""
    app = app or current_app
    state = app.extensions["ninjaone"]
    if state.fernet is None:
        raise ConfigError(str(state.key_error))
    return state.fernet


class SecretDecryptionError(RuntimeError):
    """A stored secret cannot be decrypted with any configured key (a key was removed too early)."""


class EncryptedText(TypeDecorator[str]):
    """A text column stored as a Fernet token; reads give back the plaintext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return fernet_for().encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return fernet_for().decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise SecretDecryptionError(
                "A stored NinjaOne secret cannot be decrypted with NINJAONE_ENCRYPTION_KEYS; "
                "restore the previous key"
            ) from exc
