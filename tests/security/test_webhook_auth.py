"""The webhook receiver cannot be talked into accepting a delivery without the integration's own secret,
and an accepted delivery can only ever touch its own tenant."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from flask_ninjaone.models import Integration, WebhookDelivery
from flask_ninjaone.models.base import utcnow
from sample_host.database import db
from tests.support.security_world import (
    PREFIX,
    WEBHOOK_HEADER,
    WEBHOOK_PREFIX,
    condition_delivery,
    post_delivery,
    state_changes,
    tenant_db,
)

ACTIVITY = {
    "id": 880001,
    "activityTime": 1742391675.5,
    "deviceId": 1,
    "activityType": "SYSTEM",
    "statusCode": "SOMETHING_UNHANDLED",
    "message": "probe",
}


def _secret_variants(world) -> dict[str, tuple[str, str | None]]:
    """name → (receiver path, header value) of every way to present a wrong secret."""
    acme, globex = world.acme, world.globex
    secret = acme.webhook_secret
    return {
        "missing header": (acme.receiver_path, None),
        "empty header": (acme.receiver_path, ""),
        "wrong secret": (acme.receiver_path, "not-the-secret"),
        "globex's secret on acme's URL": (acme.receiver_path, globex.webhook_secret),
        "acme's secret on globex's URL": (globex.receiver_path, secret),
        "leading space": (acme.receiver_path, " " + secret),
        "trailing space": (acme.receiver_path, secret + " "),
        "trailing tab": (acme.receiver_path, secret + "\t"),
        "upper case": (acme.receiver_path, secret.upper()),
        "swapped case": (acme.receiver_path, secret.swapcase()),
        "one character short": (acme.receiver_path, secret[:-1]),
        "one character more": (acme.receiver_path, secret + "0"),
        "twice": (acme.receiver_path, secret + secret),
        "as a list": (acme.receiver_path, f"{secret}, {secret}"),
        "non-ASCII": (acme.receiver_path, secret[:-1] + "é"),
        "100 KB header": (acme.receiver_path, "a" * 100_000),
        "secret then 100 KB": (acme.receiver_path, secret + "a" * 100_000),
    }


def _stored(world) -> int:
    with world.app.app_context():
        with db.engine.connect() as connection:
            count = connection.execute(select(func.count()).select_from(WebhookDelivery.__table__)).scalar()
        db.session.remove()
    return int(count or 0)


def _assert_rejected(world, response, status: int, *secrets: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_data(as_text=True)
    assert response.json == {}, "a rejection explains nothing"
    for secret in secrets:
        assert secret not in body


VARIANT_NAMES = [
    "missing header", "empty header", "wrong secret", "globex's secret on acme's URL",
    "acme's secret on globex's URL", "leading space", "trailing space", "trailing tab", "upper case",
    "swapped case", "one character short", "one character more", "twice", "as a list", "non-ASCII",
    "100 KB header", "secret then 100 KB",
]  # fmt: skip


def test_the_variant_list_is_complete(world) -> None:
    assert sorted(VARIANT_NAMES) == sorted(_secret_variants(world))


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_a_wrong_secret_is_401_and_stores_nothing(world, variant: str) -> None:
    path, header = _secret_variants(world)[variant]
    before = world.state()
    response = post_delivery(world.app, path, header, ACTIVITY)
    _assert_rejected(world, response, 401, world.acme.webhook_secret, world.globex.webhook_secret)
    assert not state_changes(before, world.state())


def test_the_right_secret_is_accepted(world) -> None:
    """Control: the same delivery with the real secret is stored, so the refusals above are the check."""
    before = _stored(world)
    response = post_delivery(world.app, world.acme.receiver_path, world.acme.webhook_secret, ACTIVITY)
    assert response.status_code == 202
    assert _stored(world) == before + 1


@pytest.mark.parametrize(
    "where",
    ["query string", "authorization header", "form field", "other header name"],
)
def test_the_secret_counts_only_in_its_header(world, where: str) -> None:
    secret, path = world.acme.webhook_secret, world.acme.receiver_path
    client = world.app.test_client()
    before = _stored(world)
    if where == "query string":
        response = client.post(path, query_string={"secret": secret, WEBHOOK_HEADER: secret}, json=ACTIVITY)
    elif where == "authorization header":
        response = client.post(path, headers={"Authorization": f"Bearer {secret}"}, json=ACTIVITY)
    elif where == "form field":
        response = client.post(path, data={WEBHOOK_HEADER: secret, "secret": secret})
    else:
        response = client.post(path, headers={"X-Webhook-Secret": secret, "X-Secret": secret}, json=ACTIVITY)
    _assert_rejected(world, response, 401, secret)
    assert _stored(world) == before


@pytest.mark.parametrize(
    "public_id",
    ["not-a-real-id", "x" * 65, "..", "1", "' OR '1'='1"],
    ids=["unknown", "too-long", "dots", "integration-pk", "sql"],
)
def test_an_unknown_receiver_id_is_404(world, public_id: str) -> None:
    before = _stored(world)
    response = post_delivery(world.app, f"{WEBHOOK_PREFIX}/{public_id}", world.acme.webhook_secret, ACTIVITY)
    _assert_rejected(world, response, 404, world.acme.webhook_secret)
    assert _stored(world) == before


@pytest.mark.parametrize("configured", [None, ""], ids=["none", "empty-string"])
@pytest.mark.parametrize("presented", [None, ""], ids=["no-header", "empty-header"])
def test_an_integration_without_a_secret_accepts_nothing(world, configured, presented) -> None:
    with tenant_db(world.app, "acme") as session:
        integration = session.scalars(select(Integration)).one()
        integration.webhook_secret = configured
        integration.webhook_previous_secret = configured
        integration.webhook_previous_secret_expires_at = utcnow() + timedelta(hours=1)
        session.commit()
    before = _stored(world)
    response = post_delivery(world.app, world.acme.receiver_path, presented, ACTIVITY)
    _assert_rejected(world, response, 401)
    assert _stored(world) == before


def test_after_disconnect_the_old_secret_is_refused(world) -> None:
    assert world.client("admin").post(PREFIX + "/disconnect").status_code == 302
    before = _stored(world)
    response = post_delivery(world.app, world.acme.receiver_path, world.acme.webhook_secret, ACTIVITY)
    _assert_rejected(world, response, 401, world.acme.webhook_secret)
    assert _stored(world) == before


def test_an_expired_previous_secret_is_refused(world) -> None:
    with tenant_db(world.app, "acme") as session:
        integration = session.scalars(select(Integration)).one()
        integration.webhook_secret = "the-rotated-secret-000000000000000000000"
        integration.webhook_previous_secret = world.acme.webhook_secret
        integration.webhook_previous_secret_expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    response = post_delivery(world.app, world.acme.receiver_path, world.acme.webhook_secret, ACTIVITY)
    _assert_rejected(world, response, 401, world.acme.webhook_secret)


# -- an accepted delivery stays in its tenant ---------------------------------------------------------------


def _globex_delivery(world, status_code: str) -> dict:
    """A delivery about globex's device (its id, organization and expanded record), as acme's
    NinjaOne could never send but a forger holding acme's secret could."""
    body = copy.deepcopy(condition_delivery(world.fakes["globex"].state, world.globex.device_id, "forged"))
    body["id"] = 770000 + len(status_code)
    body["statusCode"] = status_code
    if status_code != "TRIGGERED":
        body["activityType"] = "SYSTEM"
        body.pop("seriesUid", None)
    return body


@pytest.mark.parametrize(
    "status_code", ["TRIGGERED", "NODE_DELETED", "NODE_UPDATED", "PATCH_MANAGEMENT_FAILED"]
)
def test_a_delivery_naming_globex_objects_changes_nothing_of_globex(world, status_code: str) -> None:
    before = world.state()
    body = _globex_delivery(world, status_code)
    response = post_delivery(world.app, world.acme.receiver_path, world.acme.webhook_secret, body)
    assert response.status_code == 202
    changes = state_changes(before, world.state())
    touched = [str(change) for change in changes if change.owner == world.globex.tenant_id]
    assert not touched, "\n".join(touched)
    assert all(change.owner == world.acme.tenant_id for change in changes), "\n".join(map(str, changes))
