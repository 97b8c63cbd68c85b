"""Secrets are encrypted at rest and survive key rotation."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import select, text

from flask_ninjaone import system_scope, tenant_scope
from flask_ninjaone.crypto import build_fernet
from flask_ninjaone.key_rotation import encrypted_columns
from flask_ninjaone.models import Credential, Integration
from sample_host.database import db

SECRETS = {
    "client_secret": "cs-plaintext-123",
    "access_token": "at-plaintext-456",
    "refresh_token": "rt-plaintext-789",
}
WEBHOOK_SECRET = "wh-plaintext-abc"


def _store_secrets():
    with tenant_scope("1"):
        integration = Integration(
            public_id="pub", base_url="https://app.ninjarmm.com", webhook_secret=WEBHOOK_SECRET
        )
        integration.credential = Credential(client_id="cid", **SECRETS)
        db.session.add(integration)
        db.session.commit()
    db.session.expunge_all()


def _raw_dump() -> str:
    rows = []
    for table in ("ninjaone_integrations", "ninjaone_credentials"):
        rows += [repr(tuple(row)) for row in db.session.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(rows)


def test_every_secret_column_is_encrypted():
    assert set(encrypted_columns()) == {
        ("ninjaone_integrations", "webhook_secret"),
        ("ninjaone_integrations", "webhook_previous_secret"),
        ("ninjaone_credentials", "client_secret"),
        ("ninjaone_credentials", "access_token"),
        ("ninjaone_credentials", "refresh_token"),
        ("ninjaone_remote_links", "url"),  # a Remote Connect URL embeds a session token
        ("ninjaone_owed_writes", "payload"),  # an owed release keeps the dropped connection's tokens
    }


def test_encrypted_columns_hold_no_plaintext(app):
    _store_secrets()
    dump = _raw_dump()
    for secret in [*SECRETS.values(), WEBHOOK_SECRET]:
        assert secret not in dump
    with tenant_scope("1"):
        credential = db.session.scalars(select(Credential)).one()
        assert credential.client_secret == SECRETS["client_secret"]
        assert credential.integration.webhook_secret == WEBHOOK_SECRET
        assert SECRETS["access_token"] not in repr(credential)


def test_rotate_keys_reencrypts_under_newest_key(app, encryption_key):
    _store_secrets()
    new_key = Fernet.generate_key().decode()
    # Deploy step 1: prepend the new key (old one still listed), then rotate.
    app.extensions["ninjaone"].fernet = build_fernet(f"{new_key},{encryption_key}")
    result = app.test_cli_runner().invoke(args=["ninjaone", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 4 secret(s)" in result.output
    # Step 2: drop the old key; everything must still decrypt.
    app.extensions["ninjaone"].fernet = build_fernet(new_key)
    db.session.expunge_all()
    with tenant_scope("1"):
        credential = db.session.scalars(select(Credential)).one()
        assert {k: getattr(credential, k) for k in SECRETS} == SECRETS
        assert credential.integration.webhook_secret == WEBHOOK_SECRET
    with system_scope():
        assert all(secret not in _raw_dump() for secret in SECRETS.values())
