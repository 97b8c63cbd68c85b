"""Webhook configuration, webhook removal and token revocation are owed until NinjaOne confirms them:
a 429 (or an outage) no longer loses them, a long Retry-After is rescheduled rather than slept."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import Text, select, type_coerce, update

from flask_ninjaone import owed_writes
from flask_ninjaone.models import Integration, OwedKind, OwedWrite
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.tenancy import system_scope
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from tests.support.connection_flow import (
    DEMO_ID,
    PREFIX,
    connect,
    ends_on_settings,
    flashed,
    settings_page,
    tenant_db,
)


@pytest.fixture(autouse=True)
def _no_faults_left(fake):
    yield
    fake.state.faults.clear()


def _tokens(app) -> tuple[str, str]:
    with tenant_db(app) as session:
        credential = session.scalars(select(Integration)).one().credential
        return credential.access_token, credential.refresh_token


def _live(fake, access_token: str) -> bool:
    response = requests.get(
        f"{fake.url}/v2/organizations", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    )
    assert response.status_code in (200, 401), response.status_code
    return response.status_code == 200


def _refresh_live(fake, refresh_token: str) -> bool:
    stored = fake.state.oauth._refresh.get(refresh_token)  # the fake's own record of the token
    return stored is not None and not stored.revoked


def _owed(app) -> list[OwedWrite]:
    with tenant_db(app) as session:
        rows = list(session.scalars(select(OwedWrite).order_by(OwedWrite.id)))
        session.expunge_all()
        return rows


def _raw_payload(app) -> str:
    with tenant_db(app) as session:
        return session.scalar(select(type_coerce(OwedWrite.payload, Text)))


def _time_passes_and_tick(app) -> list[str]:
    """The owed writes' waits are over; the scheduler tick sends them (jobs run inline here)."""
    with app.app_context(), system_scope():
        db.session.execute(update(OwedWrite).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        try:
            return owed_writes.sweep(db.session)
        finally:
            db.session.remove()


def _throttle(fake, path: str, method: str, *, retry_after: int | None = 600) -> None:
    fake.state.faults.inject(Fault(path=path, kind="rate_limit", method=method, retry_after=retry_after))


def _disconnect_throttled(web_app, fake, admin, path: str, method: str) -> tuple[str, str]:
    """Connect, then disconnect while NinjaOne answers ``method path`` with a 10-minute 429."""
    ends_on_settings(connect(admin, fake.url))
    tokens = _tokens(web_app)
    assert fake.state.webhooks.config(DEMO_ID) is not None
    _throttle(fake, path, method)
    ends_on_settings(admin.post(PREFIX + "/disconnect"))
    return tokens


def test_a_webhook_removal_that_meets_429_is_done_later_and_only_then_the_tokens_revoked(
    web_app, fake, admin
) -> None:
    access, refresh = _disconnect_throttled(web_app, fake, admin, "/v2/webhook", "DELETE")
    assert fake.state.webhooks.config(DEMO_ID) is not None
    assert _live(fake, access), "the token that can still remove the webhook was kept alive"
    notes = flashed(admin)
    assert any("could not be removed in NinjaOne yet" in note and "429" in note for note in notes)
    assert any("could not be revoked in NinjaOne yet" in note for note in notes)
    # Disconnected here, the credentials erased; NinjaOne is still owed the removal, then the revocation.
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.status == "disconnected" and integration.credential is None
    (owed,) = _owed(web_app)
    assert owed.kind == OwedKind.RELEASE and owed.attempts == 1 and "429" in owed.last_error
    assert access in owed.payload and access not in _raw_payload(web_app)  # kept, but encrypted at rest

    _time_passes_and_tick(web_app)
    assert fake.state.webhooks.config(DEMO_ID) is None
    assert not _live(fake, access) and not _refresh_live(fake, refresh)
    assert _owed(web_app) == []


def test_a_token_revocation_that_meets_429_is_done_later(web_app, fake, admin) -> None:
    access, refresh = _disconnect_throttled(web_app, fake, admin, "/ws/oauth/revoke", "POST")
    notes = flashed(admin)
    assert any("could not be revoked in NinjaOne yet" in note for note in notes)
    assert not any("could not be removed" in note for note in notes)
    assert fake.state.webhooks.config(DEMO_ID) is None  # the removal went through before the 429
    assert _live(fake, access) and _refresh_live(fake, refresh)
    (owed,) = _owed(web_app)
    assert owed.next_attempt_at >= utcnow() + timedelta(seconds=590)  # NinjaOne's Retry-After

    fake.state.reset_counters()
    _time_passes_and_tick(web_app)
    assert not _live(fake, access) and not _refresh_live(fake, refresh)
    assert "DELETE /v2/webhook" not in fake.state.request_counts()  # a confirmed step is not repeated
    assert _owed(web_app) == []


def test_a_webhook_registration_that_meets_429_is_sent_later(web_app, fake, admin) -> None:
    _throttle(fake, "/v2/webhook", "PUT")
    ends_on_settings(connect(admin, fake.url))
    assert "It is sent again automatically until NinjaOne accepts it." in settings_page(admin)
    assert fake.state.webhooks.config(DEMO_ID) is None
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.webhook_state == "error"
        public_id = integration.public_id
    (owed,) = _owed(web_app)
    assert owed.kind == OwedKind.WEBHOOK and owed.attempts == 1

    _time_passes_and_tick(web_app)
    config = fake.state.webhooks.config(DEMO_ID)
    assert config is not None and config.url.endswith(f"/webhooks/ninjaone/{public_id}")
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.webhook_state == "active" and integration.webhook_error is None
    assert _owed(web_app) == []


def test_a_removal_still_owed_leaves_the_webhook_of_a_new_connection_alone(web_app, fake, admin) -> None:
    old_access, _ = _disconnect_throttled(web_app, fake, admin, "/v2/webhook", "DELETE")
    ends_on_settings(connect(admin, fake.url))  # the same API client connects again
    new_config = fake.state.webhooks.config(DEMO_ID)
    assert new_config is not None

    fake.state.reset_counters()
    _time_passes_and_tick(web_app)
    assert fake.state.webhooks.config(DEMO_ID) == new_config
    assert "DELETE /v2/webhook" not in fake.state.request_counts()
    assert not _live(fake, old_access)  # the old connection's tokens are revoked all the same
    assert _owed(web_app) == []


def test_a_short_retry_after_on_a_write_is_waited_out_by_the_client(web_app, fake, admin) -> None:
    ends_on_settings(connect(admin, fake.url))
    _throttle(fake, "/v2/webhook", "DELETE", retry_after=1)
    ends_on_settings(admin.post(PREFIX + "/disconnect"))
    assert any("webhook removed in NinjaOne, tokens revoked" in note for note in flashed(admin))
    assert fake.state.webhooks.config(DEMO_ID) is None
    assert _owed(web_app) == []


def test_rotating_the_secret_settles_an_owed_webhook_registration(web_app, fake, admin) -> None:
    _throttle(fake, "/v2/webhook", "PUT")
    ends_on_settings(connect(admin, fake.url))
    assert [owed.kind for owed in _owed(web_app)] == [OwedKind.WEBHOOK]
    ends_on_settings(admin.post(PREFIX + "/webhook/rotate"))
    assert fake.state.webhooks.config(DEMO_ID) is not None
    assert _owed(web_app) == []
