"""Configuration: every key is ``NINJAONE_``-prefixed, defaulted here and read through :func:`setting`.

One table of defaults (with a line of documentation each) is the single source of truth: ``init_app``
fills missing keys from it, rejects unknown ``NINJAONE_*`` keys (a typo would otherwise be silently
ignored), and the configuration reference in ``docs/`` is generated from it so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

PREFIX = "NINJAONE_"


@dataclass(frozen=True)
class Setting:
    """A configuration key's default and the sentence that documents it."""

    default: Any
    doc: str
    required: bool = False
    #: Smallest accepted value of a numeric setting (checked at startup).
    minimum: float | None = None


SETTINGS: dict[str, Setting] = {
    "NINJAONE_ENCRYPTION_KEYS": Setting(
        None,
        "Fernet keys protecting secrets at rest, newest first (list or comma-separated string). "
        "Generate one with `flask ninjaone generate-key`; rotate by prepending a new key and running "
        "`flask ninjaone rotate-keys`.",
        required=True,
    ),
    "NINJAONE_REDIS_URL": Setting(
        None,
        "Redis URL for background jobs (RQ). Unset (development): jobs run inline in the calling process, "
        "except the pages' long actions (Sync now, Refresh inventory now, Sync selected), which run on one "
        "background thread of the web process so the page answers at once; that thread is not durable "
        "(a restart loses its queue), so production sets Redis and runs workers.",
    ),
    "NINJAONE_QUEUE_NAME": Setting(
        "ninjaone", "Name of the RQ queue of the extension's long jobs (syncs, inventory refreshes)."
    ),
    "NINJAONE_URGENT_QUEUE_NAME": Setting(
        None,
        "Name of the RQ queue of short jobs someone waits for (webhook drains, alert work, the "
        "schedule); workers serve it before NINJAONE_QUEUE_NAME. Unset: `<NINJAONE_QUEUE_NAME>-urgent`.",
    ),
    "NINJAONE_JOB_TIMEOUT": Setting(3600, "Seconds a background job may run before RQ kills it."),
    "NINJAONE_URL_PREFIX": Setting("/integrations/ninjaone", "URL prefix of the extension's pages."),
    "NINJAONE_WEBHOOK_PREFIX": Setting(
        "/webhooks/ninjaone", "URL prefix of the webhook receiver (kept outside the pages' prefix)."
    ),
    "NINJAONE_PUBLIC_BASE_URL": Setting(
        None,
        "Public base URL of the host (e.g. https://psa.example.com) used to build the OAuth redirect "
        "and webhook URLs. Unset: derived from the current request.",
    ),
    "NINJAONE_BASE_URL_OVERRIDES": Setting(
        {}, "Mapping of region key (app, us2, eu, oc, ca, fed) to another base URL, e.g. a test server."
    ),
    "NINJAONE_ALLOW_HTTP_BASE_URL": Setting(
        False, "Allow plain-http custom base URLs for hosts other than localhost (never in production)."
    ),
    "NINJAONE_ALLOWED_BASE_URLS": Setting(
        (),
        "Instance URLs, besides NinjaOne's regions, that tenant admins may choose on the settings page "
        "(list or comma-separated string; each exactly as the page would save it, e.g. "
        "`https://ninja.example.com`). A listed URL is trusted: it may resolve to a private or "
        "loopback address and may go through a proxy. Every other URL a tenant could reach is "
        "refused when it resolves to a loopback, private, link-local, metadata or other non-public "
        "address, at connection time. The demo and the test suite list their fake NinjaOne here.",
    ),
    "NINJAONE_SCOPES": Setting(
        "monitoring management control offline_access", "OAuth scopes requested when connecting."
    ),
    "NINJAONE_HTTP_TIMEOUT": Setting(
        30.0,
        "Seconds a NinjaOne API request may wait to connect, or for the next bytes of its answer "
        "(per read: see NINJAONE_HTTP_DEADLINE for the whole answer).",
    ),
    "NINJAONE_HTTP_DEADLINE": Setting(
        60.0,
        "Seconds one NinjaOne API exchange may take in all, from connecting to the last byte of the "
        "answer; a server still answering then is cut off (the request counts as timed out).",
    ),
    "NINJAONE_HTTP_MAX_RETRIES": Setting(
        5, "Retries of an idempotent NinjaOne request after throttling, 5xx or a connection error."
    ),
    "NINJAONE_SYNC_LEASE_SECONDS": Setting(
        300,
        "Seconds a sync's lease lives without renewal (renewed every page); after a worker dies, "
        "the next sync may start once it has expired.",
    ),
    "NINJAONE_SWEEP_SECONDS": Setting(
        15,
        "Seconds between two sweeps of the webhook inbox by the workers (deliveries stored while "
        "Redis was down, claims of dead workers); an idle worker also wakes this often.",
    ),
    "NINJAONE_DELIVERY_LEASE_SECONDS": Setting(
        30,
        "Seconds a webhook delivery's claim lives without renewal (renewed while its attempt works); "
        "a delivery whose worker or database connection died is taken over once it has expired.",
    ),
    "NINJAONE_FULL_SYNC_INTERVAL_HOURS": Setting(
        24,
        "Hours between complete device walks of each auto-syncing integration (at least 1). Scheduled "
        "syncs are otherwise incremental (the activity feed); the complete walk catches whatever the "
        "feed did not mention.",
        minimum=1,
    ),
    "NINJAONE_DRAIN_BUDGET_SECONDS": Setting(
        10.0,
        "Seconds a webhook drain works for one tenant before it hands the rest over to a new drain at "
        "the back of the queue (other tenants' drains go first); also the most time one delivery "
        "attempt may spend on NinjaOne, retries and waits included.",
    ),
    "NINJAONE_BULK_ACTION_CONFIRM_ABOVE": Setting(
        10,
        "Devices a bulk action from the asset list (reboot, patch scan, maintenance) may reach on one "
        "confirmation click; above it, in every tenant, the person must type the number of devices. "
        "0 asks for it always. One request names at most 500 devices whatever this says.",
        minimum=0,
    ),
    "NINJAONE_MAX_INSTANCES_PER_TENANT": Setting(
        5,
        "NinjaOne instances one tenant may connect side by side (an MSP that bought another, or one "
        "running two regions); adding one more (`flask ninjaone connect --add`) is refused.",
        minimum=1,
    ),
    "NINJAONE_REGISTER_CLI": Setting(True, "Register the `flask ninjaone` command group."),
    "NINJAONE_WEBHOOK_HEADER": Setting(
        "X-NinjaOne-Webhook-Secret",
        "Custom header NinjaOne sends with each webhook delivery, carrying the per-integration secret.",
    ),
    "NINJAONE_WEBHOOK_SECRET_GRACE_HOURS": Setting(
        24, "Hours the previous webhook secret stays valid after a rotation."
    ),
    "NINJAONE_WEBHOOK_MAX_BODY": Setting(
        262144, "Largest webhook body accepted, in bytes; larger deliveries get 413 and are not stored."
    ),
}


class ConfigError(RuntimeError):
    """The application's NinjaOne configuration is unusable; raised at startup, not at first use."""


class UnknownSettingError(KeyError):
    """A key that is not a NinjaOne setting was asked for or configured."""


def apply_defaults(app: Flask) -> None:
    """Fill defaults and reject unknown ``NINJAONE_*`` keys.

    A missing required setting (the encryption keys) is not refused here: every ``flask`` command runs
    the app factory, including the one that generates the key. It fails where it is used instead.
    """
    unknown = sorted(k for k in app.config if k.startswith(PREFIX) and k not in SETTINGS)
    if unknown:
        raise ConfigError(f"Unknown NinjaOne setting(s): {', '.join(unknown)}")
    for key, spec in SETTINGS.items():
        app.config.setdefault(key, spec.default)
        app.config[key] = _coerce(key, app.config[key], spec.default)
        _check_minimum(key, app.config[key], spec.minimum)


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Values from environment variables arrive as strings: convert them to the default's type."""
    if not isinstance(value, str) or default is None or isinstance(default, str):
        return value
    if isinstance(default, tuple):  # a list setting: comma-separated in the environment
        return tuple(part.strip() for part in value.split(",") if part.strip())
    try:
        if isinstance(default, bool):
            lowered = value.strip().lower()
            if lowered not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(value)
            return lowered in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except ValueError:
        raise ConfigError(f"{key} must be a {type(default).__name__}, got {value!r}") from None
    raise ConfigError(f"{key} cannot be set from a string")


def _check_minimum(key: str, value: Any, minimum: float | None) -> None:
    if minimum is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError(f"{key} must be a number of at least {minimum:g}, got {value!r}")


def setting(key: str, app: Flask | None = None) -> Any:
    """Read one NinjaOne setting; an unknown key raises instead of returning ``None``."""
    if key not in SETTINGS:
        raise UnknownSettingError(key)
    return (app or current_app).config[key]


def reference_markdown() -> str:
    """The configuration reference for ``docs/configuration.md`` (a test keeps the file in sync)."""
    lines = [
        "# Configuration reference",
        "",
        "Generated from `flask_ninjaone/config.py` by `flask ninjaone config-reference`; "
        "do not edit by hand.",
        "",
        "| Key | Default | Meaning |",
        "|---|---|---|",
    ]
    for key, spec in SETTINGS.items():
        default = "*(required)*" if spec.required else f"`{spec.default!r}`"
        lines.append(f"| `{key}` | {default} | {spec.doc} |")
    return "\n".join(lines) + "\n"
