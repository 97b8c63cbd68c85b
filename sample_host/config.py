"""Configuration from the environment, the way a twelve-factor deployment of the host would do it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

# Development-only fallback: sessions signed with a published key can be forged. Set SECRET_KEY in
# any deployment that is reachable by someone other than you.
DEV_SECRET_KEY = "sample-host-dev-secret-key-not-for-production"

# !!! DEMO ONLY !!! A fixed, PUBLIC Fernet key so the demo can store NinjaOne credentials without any
# setup. Anything encrypted with it is readable by anyone who has this source file. Real deployments
# MUST set NINJAONE_ENCRYPTION_KEYS (generate with cryptography.fernet.Fernet.generate_key()).
DEMO_NINJAONE_ENCRYPTION_KEY = "n8vyXEBhoVrk1WnBzJ8vrv59-_jxNtSCpjnsUmR7GkY="


def database_uri(url: str | None, instance_path: str) -> str:
    """``DATABASE_URL`` made usable by SQLAlchemy, or a SQLite file in the instance folder.

    Hosting platforms hand out ``postgres://``/``postgresql://`` URLs; SQLAlchemy would pick psycopg2
    for those, but the installed driver is psycopg 3.
    """
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "sample_host.db")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Settings from ``environ``: database, secret key, and every ``NINJAONE_*`` variable verbatim
    (the extension validates its own keys, so the host passes them through as strings)."""
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": database_uri(environ.get("DATABASE_URL"), instance_path),
        "SECRET_KEY": environ.get("SECRET_KEY") or DEV_SECRET_KEY,
        "NINJAONE_ENCRYPTION_KEYS": DEMO_NINJAONE_ENCRYPTION_KEY,
    }
    config.update(
        {
            key: value
            for key, value in environ.items()
            # NINJAONE_TEST_* point the test suite at PostgreSQL/Redis; they are not app settings,
            # and the extension rejects NINJAONE_* keys it does not know.
            if key.startswith("NINJAONE_") and not key.startswith("NINJAONE_TEST_")
        }
    )
    return config
