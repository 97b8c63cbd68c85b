"""A leaked webhook secret can be shut out at once (issue 14, item 8): after a rotation the previous
secret is accepted for the grace period, unless an admin revokes it ("Revoke previous secret now" on the
settings page, ``flask ninjaone rotate-webhook-secret --revoke-previous`` or
``revoke-previous-webhook-secret``). From then on a delivery with it gets 401 in every process, even
one whose receiver cache read the integration while the old secret was still accepted."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from flask_ninjaone.models import AuditEntry, Integration
from flask_ninjaone.models.base import utcnow
from tests.support.security_world import PREFIX, post_delivery, tenant_db

_ids = itertools.count(990001)


def _delivery() -> dict:
    return {
        "id": next(_ids),
        "activityTime": 1742391675.5,
        "deviceId": 1,
        "activityType": "SYSTEM",
        "statusCode": "SOMETHING_UNHANDLED",
        "message": "probe",
    }


def _secrets(world) -> tuple[str, str | None]:
    with tenant_db(world.app, "acme") as session:
        integration = session.scalars(select(Integration)).one()
        return integration.webhook_secret, integration.webhook_previous_secret


def _rotated(world) -> tuple[str, str]:
    """Rotate acme's secret on the page; returns (new, old) and checks the old one still passes."""
    current, _previous = _secrets(world)
    admin = world.client("admin")
    assert admin.post(f"{PREFIX}/webhook/rotate").status_code == 302
    new, old = _secrets(world)
    assert old == current and new != old
    return new, old


def test_revoking_the_previous_secret_refuses_it_at_once_in_every_process(world):
    path = world.acme.receiver_path
    other_process = world.make_app(NINJAONE_WEBHOOK_MAX_BODY=262143)  # its own app, its own cache
    new, old = _rotated(world)
    page = world.client("admin").get(f"{PREFIX}/").get_data(as_text=True)
    assert f'action="{PREFIX}/webhook/revoke-previous"' in page and "Revoke previous secret now" in page
    for app in (world.app, other_process):  # both read the integration while the old secret passes
        assert post_delivery(app, path, old, _delivery()).status_code == 202

    admin = world.client("admin")
    response = admin.post(f"{PREFIX}/webhook/revoke-previous")

    assert response.status_code == 302
    for app in (other_process, world.app):
        assert post_delivery(app, path, old, _delivery()).status_code == 401
        assert post_delivery(app, path, new, _delivery()).status_code == 202
    assert _secrets(world) == (new, None)
    with tenant_db(world.app, "acme") as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "webhook_previous_secret_revoked")
        ).one()
        assert entry.user_name and entry.target_id == str(world.acme.integration_id)
        assert old not in str(entry.detail) and new not in str(entry.detail)
    page = admin.get(f"{PREFIX}/").get_data(as_text=True)
    assert "only the current one is accepted from now on" in page
    assert "Revoke previous secret now" not in page


def test_nothing_to_revoke_is_said_and_changes_nothing(world):
    admin = world.client("admin")
    assert admin.post(f"{PREFIX}/webhook/revoke-previous").status_code == 302
    assert "no previous webhook secret to revoke" in admin.get(f"{PREFIX}/").get_data(as_text=True)
    assert _secrets(world) == (world.acme.webhook_secret, None)


def test_a_previous_secret_past_its_grace_is_not_offered_for_revoking(world):
    """The stored row keeps the old secret until the next rotation; once its grace ended the page must
    neither say it is accepted nor offer to revoke it, and the status command says the same."""
    _new, old = _rotated(world)
    with tenant_db(world.app, "acme") as session:
        integration = session.scalars(select(Integration)).one()
        integration.webhook_previous_secret_expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    admin = world.client("admin")
    page = admin.get(f"{PREFIX}/").get_data(as_text=True)
    assert "Revoke previous secret now" not in page and "previous secret is accepted until" not in page
    result = world.app.test_cli_runner().invoke(args=["ninjaone", "status", "--tenant", "acme", "--json"])
    assert json.loads(result.output)["webhook"]["previous_secret_valid_until"] is None, result.output
    assert post_delivery(world.app, world.acme.receiver_path, old, _delivery()).status_code == 401
    assert admin.post(f"{PREFIX}/webhook/revoke-previous").status_code == 302
    assert "no previous webhook secret to revoke" in admin.get(f"{PREFIX}/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["technician", "viewer", "anonymous"])
def test_only_managers_may_revoke(world, role):
    new, old = _rotated(world)
    response = world.client(role).post(f"{PREFIX}/webhook/revoke-previous")
    assert response.status_code in (302, 401, 403)
    assert _secrets(world) == (new, old)
    assert post_delivery(world.app, world.acme.receiver_path, old, _delivery()).status_code == 202


def test_revoking_needs_the_csrf_token(world):
    new, old = _rotated(world)
    app = world.make_app(WTF_CSRF_ENABLED=True)
    world.client("admin", app=app).post(f"{PREFIX}/webhook/revoke-previous")
    assert _secrets(world) == (new, old)


def test_globex_cannot_revoke_acme_s_previous_secret(world):
    new, old = _rotated(world)
    world.client("admin", "globex").post(f"{PREFIX}/webhook/revoke-previous")
    assert _secrets(world) == (new, old)


def test_the_cli_rotates_and_revokes_at_once_or_revokes_later(world):
    runner = world.app.test_cli_runner()
    path = world.acme.receiver_path
    first = world.acme.webhook_secret
    result = runner.invoke(args=["ninjaone", "rotate-webhook-secret", "--tenant", "acme",
                                 "--public-url", "http://localhost", "--revoke-previous"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "the previous secret is refused from now on" in result.output
    second, previous = _secrets(world)
    assert previous is None and first not in result.output and second not in result.output
    assert post_delivery(world.app, path, first, _delivery()).status_code == 401

    new, old = _rotated(world)
    result = runner.invoke(args=["ninjaone", "revoke-previous-webhook-secret", "--tenant", "acme"])
    assert result.exit_code == 0, result.output
    assert _secrets(world) == (new, None)
    assert post_delivery(world.app, path, old, _delivery()).status_code == 401
    again = runner.invoke(args=["ninjaone", "revoke-previous-webhook-secret", "--tenant", "acme"])
    assert again.exit_code == 1 and "no previous webhook secret to revoke" in again.output
