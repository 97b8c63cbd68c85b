"""The extension object: registration, configuration accessor, startup errors."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.cli import routes_command
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from flask_ninjaone import ConfigError, NinjaOne
from flask_ninjaone.config import SETTINGS, UnknownSettingError, setting
from flask_ninjaone.crypto import EncryptedText, fernet_for
from flask_ninjaone.models import metadata
from flask_ninjaone.state import get_state
from sample_host.adapter import SampleHostAdapter


def test_state_lives_in_app_extensions(app):
    state = get_state(app)
    assert app.extensions["ninjaone"] is state
    assert state.host is not None
    assert app.config["NINJAONE_URL_PREFIX"] == "/integrations/ninjaone"


def test_double_registration_raises(app):
    with pytest.raises(RuntimeError, match="already registered"):
        NinjaOne(app, host=get_state(app).host)


def test_unknown_setting_key_is_rejected_at_startup(make_app):
    with pytest.raises(ConfigError, match="NINJAONE_URL_PREFIXX"):
        make_app(NINJAONE_URL_PREFIXX="/oops")


def test_accessor_rejects_unknown_key(app):
    assert setting("NINJAONE_QUEUE_NAME") == "ninjaone"
    with pytest.raises(UnknownSettingError):
        setting("NINJAONE_NOT_A_SETTING")


@pytest.mark.parametrize("keys", [None, "", "   ", "not-a-fernet-key"])
def test_without_a_valid_key_the_app_starts_and_only_secrets_fail(make_app, keys):
    """Every ``flask`` command runs the app factory: a missing key must not break ``flask db``,
    ``flask routes`` or ``generate-key`` (the command that makes the key)."""
    app = make_app(NINJAONE_ENCRYPTION_KEYS=keys)
    runner = app.test_cli_runner()
    generated = runner.invoke(args=["ninjaone", "generate-key"])
    assert generated.exit_code == 0 and Fernet(generated.output.strip().encode())
    routes = runner.invoke(routes_command)
    assert routes.exit_code == 0 and "ninjaone" in routes.output
    with app.app_context(), pytest.raises(ConfigError, match="NINJAONE_ENCRYPTION_KEYS"):
        fernet_for()
    with app.app_context(), pytest.raises(ConfigError, match="NINJAONE_ENCRYPTION_KEYS"):
        EncryptedText().process_bind_param("a client secret", None)


def test_a_missing_key_says_how_to_make_one(make_app, caplog):
    app = make_app(NINJAONE_ENCRYPTION_KEYS=None)
    assert "flask ninjaone generate-key" in caplog.text  # logged at startup, ...
    with app.app_context(), pytest.raises(ConfigError, match="flask ninjaone generate-key"):
        fernet_for()  # ... and raised where a secret is used


@pytest.mark.parametrize("hours", [0, -3, "0", "soon", True])
def test_full_sync_interval_below_one_hour_is_a_startup_error(make_app, hours):
    with pytest.raises(ConfigError, match="NINJAONE_FULL_SYNC_INTERVAL_HOURS"):
        make_app(NINJAONE_FULL_SYNC_INTERVAL_HOURS=hours)


def test_full_sync_interval_from_the_environment_is_a_number(make_app):
    assert make_app(NINJAONE_FULL_SYNC_INTERVAL_HOURS="6").config["NINJAONE_FULL_SYNC_INTERVAL_HOURS"] == 6


def test_malformed_encryption_key_names_the_entry_not_the_value(make_app, encryption_key):
    app = make_app(NINJAONE_ENCRYPTION_KEYS=f"{encryption_key},not-a-fernet-key")
    with app.app_context(), pytest.raises(ConfigError, match="entry #2") as info:
        fernet_for()
    assert "not-a-fernet-key" not in str(info.value)


def test_needs_flask_sqlalchemy_first(encryption_key):
    bare = Flask("bare")
    bare.config["NINJAONE_ENCRYPTION_KEYS"] = encryption_key
    bare.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    with pytest.raises(ConfigError, match="Flask-SQLAlchemy"):
        NinjaOne(bare, host=SampleHostAdapter())
    SQLAlchemy().init_app(bare)
    with pytest.raises(ConfigError, match="HostAdapter"):
        NinjaOne(bare, host=object())  # type: ignore[arg-type]


def test_defaults_cover_every_setting_with_documentation():
    for key, spec in SETTINGS.items():
        assert key.startswith("NINJAONE_")
        assert len(spec.doc) > 20, key


def test_pages_under_configurable_prefix(make_app):
    default = make_app()
    custom = make_app(NINJAONE_URL_PREFIX="/rmm")
    assert any(r.rule.startswith("/integrations/ninjaone/") for r in default.url_map.iter_rules())
    rules = [r.rule for r in custom.url_map.iter_rules() if r.endpoint.startswith("ninjaone.")]
    assert rules and all(rule.startswith("/rmm") for rule in rules)


def test_cli_group_registered(app):
    result = app.test_cli_runner().invoke(args=["ninjaone", "--help"])
    assert result.exit_code == 0
    for command in ("generate-key", "rotate-keys", "worker"):
        assert command in result.output


def test_settings_from_environment_strings_are_coerced(make_app):
    app = make_app(NINJAONE_HTTP_MAX_RETRIES="2", NINJAONE_HTTP_TIMEOUT="7.5", NINJAONE_REGISTER_CLI="false")
    assert app.config["NINJAONE_HTTP_MAX_RETRIES"] == 2
    assert app.config["NINJAONE_HTTP_TIMEOUT"] == 7.5
    assert app.config["NINJAONE_REGISTER_CLI"] is False
    with pytest.raises(ConfigError, match="NINJAONE_HTTP_MAX_RETRIES must be a int"):
        make_app(NINJAONE_HTTP_MAX_RETRIES="many")
    with pytest.raises(ConfigError, match="NINJAONE_BASE_URL_OVERRIDES cannot be set from a string"):
        make_app(NINJAONE_BASE_URL_OVERRIDES="eu=https://x")


@pytest.mark.parametrize("csrf_first", [True, False], ids=["csrf-before", "csrf-after"])
def test_the_receiver_is_exempt_from_csrf_in_either_init_order(encryption_key, csrf_first):
    """With CSRFProtect initialised after the extension, every delivery used to get 400 "The CSRF token
    is missing". A 404 for an unknown receiver id shows the request reached the receiver."""
    app = Flask("host")
    app.config.update(
        SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite://", NINJAONE_ENCRYPTION_KEYS=encryption_key
    )
    db = SQLAlchemy()
    db.init_app(app)
    csrf = CSRFProtect()
    if csrf_first:
        csrf.init_app(app)
    NinjaOne(app, host=SampleHostAdapter())
    if not csrf_first:
        csrf.init_app(app)
    with app.app_context():
        metadata.create_all(db.engine)
    client = app.test_client()
    assert client.post("/webhooks/ninjaone/unknown-receiver-id", json={"id": 1}).status_code == 404
    assert client.post("/integrations/ninjaone/connect").status_code == 400  # pages keep their CSRF check
