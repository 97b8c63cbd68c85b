"""Configuration from the environment: database URL, secrets, NINJAONE_* pass-through, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from sample_host import create_app
from sample_host.config import DEMO_NINJAONE_ENCRYPTION_KEY, DEV_SECRET_KEY, database_uri, load_config


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, "sqlite:////srv/instance/sample_host.db"),
        ("postgresql://u:p@db/psa", "postgresql+psycopg://u:p@db/psa"),
        ("postgres://u:p@db/psa", "postgresql+psycopg://u:p@db/psa"),
        ("postgresql+psycopg://u:p@db/psa", "postgresql+psycopg://u:p@db/psa"),
        ("sqlite:////tmp/other.db", "sqlite:////tmp/other.db"),
    ],
)
def test_database_uri(url: str | None, expected: str) -> None:
    assert database_uri(url, "/srv/instance") == expected


def test_defaults_without_environment() -> None:
    config = load_config({}, "/srv/instance")
    assert config["SECRET_KEY"] == DEV_SECRET_KEY
    assert config["NINJAONE_ENCRYPTION_KEYS"] == DEMO_NINJAONE_ENCRYPTION_KEY


def test_environment_wins_and_ninjaone_keys_pass_through_as_strings() -> None:
    config = load_config(
        {
            "SECRET_KEY": "s3cret",
            "NINJAONE_ENCRYPTION_KEYS": "k1,k2",
            "NINJAONE_REDIS_URL": "redis://cache:6379/0",
            "NINJAONE_TEST_DATABASE_URL": "postgresql://ci/test",  # the test suite's, not the app's
            "UNRELATED": "x",
        },
        "/srv/instance",
    )
    assert config["SECRET_KEY"] == "s3cret"
    assert config["NINJAONE_ENCRYPTION_KEYS"] == "k1,k2"
    assert config["NINJAONE_REDIS_URL"] == "redis://cache:6379/0"
    assert "NINJAONE_TEST_DATABASE_URL" not in config and "UNRELATED" not in config


def test_factory_reads_environment_and_test_config_overrides_last(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("NINJAONE_URL_PREFIX", "/rmm")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app({"SECRET_KEY": "from-test"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")
    assert app.config["SECRET_KEY"] == "from-test"
    assert any(rule.rule.startswith("/rmm/") for rule in app.url_map.iter_rules())
    assert "csrf" in app.extensions and "migrate" in app.extensions and "ninjaone" in app.extensions
