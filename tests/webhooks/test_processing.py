"""Processing stored deliveries: device events re-read the API; failures are visible; nothing lost."""

from __future__ import annotations

import json

from sqlalchemy import select

from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from flask_ninjaone.webhooks.processing import classify
from sample_host.database import db
from sample_host.models import Asset
from tests.support.webhook_deliveries import SECRET, _delivery, _synced_device_id, activity, post


def test_classification_table():
    assert classify({"activityType": "CONDITION", "statusCode": "TRIGGERED", "deviceId": 1}) == "alert"
    assert classify({"activityType": "SYSTEM", "statusCode": "NODE_UPDATED", "deviceId": 1}) == "resync"
    assert (
        classify({"activityType": "SYSTEM", "statusCode": "DISK_VOLUME_REMOVED", "deviceId": 1}) == "resync"
    )
    assert classify({"activityType": "MONITOR", "statusCode": "SYSTEM_REBOOTED", "deviceId": 1}) == "resync"
    assert classify({"activityType": "SYSTEM", "statusCode": "NODE_DELETED", "deviceId": 1}) == "retire"
    assert classify({"activityType": "PATCH_MANAGEMENT", "statusCode": "PATCH_MANAGEMENT_INSTALL_FAILED",
                     "deviceId": 1}) == "compliance"  # fmt: skip
    assert classify({"activityType": "SYSTEM", "statusCode": "NODE_UPDATED"}) == "ignore"  # no device
    assert classify({"activityType": "SYSTEM", "statusCode": "BRAND_NEW_CODE", "deviceId": 1}) == "ignore"


def test_node_updated_rereads_the_device_instead_of_trusting_the_payload(app, connected, fake):
    tenant, _, path = connected
    device_id = _synced_device_id(tenant)
    fake.state.update_device(device_id, {"systemName": "renamed-in-ninjaone", "displayName": "x"})
    body = activity(5001, activityType="SYSTEM", statusCode="NODE_UPDATED", deviceId=device_id,
                    device={"id": device_id, "systemName": "stale-payload-name"})  # fmt: skip
    assert post(app.test_client(), path, body).status_code == 202
    assert _delivery(5001).status == "done"
    asset = db.session.scalars(select(Asset).where(Asset.external_id == str(device_id))).one()
    assert asset.name == "renamed-in-ninjaone"


def test_node_deleted_retires_the_asset(app, connected):
    tenant, _, path = connected
    device_id = _synced_device_id(tenant)
    body = activity(5002, activityType="SYSTEM", statusCode="NODE_DELETED", deviceId=device_id)
    assert post(app.test_client(), path, body).status_code == 202
    assert _delivery(5002).status == "done"
    asset = db.session.scalars(select(Asset).where(Asset.external_id == str(device_id))).one()
    assert asset.status == "inactive"


def test_unknown_codes_are_stored_and_ignored(app, connected):
    _, _, path = connected
    assert post(app.test_client(), path, activity(5003, statusCode="SOMETHING_NEW")).status_code == 202
    delivery = _delivery(5003)
    assert delivery.status == "ignored" and delivery.error is None


def test_device_unknown_to_ninjaone_is_handled_without_error(app, connected):
    _, _, path = connected
    body = activity(5004, activityType="SYSTEM", statusCode="NODE_UPDATED", deviceId=987654321)
    assert post(app.test_client(), path, body).status_code == 202
    assert _delivery(5004).status == "done"


def test_processing_failure_is_recorded_and_replay_recovers(app, connected, fake):
    tenant, _, path = connected
    app.config["NINJAONE_HTTP_MAX_RETRIES"] = 0
    device_id = _synced_device_id(tenant)
    fake.state.faults.inject(Fault(path=f"/v2/device/{device_id}", kind="server_error", times=1))
    body = activity(5005, activityType="SYSTEM", statusCode="NODE_UPDATED", deviceId=device_id)
    assert (
        post(app.test_client(), path, body).status_code == 202
    )  # acknowledged even though processing failed
    failed = _delivery(5005)
    assert failed.status == "pending" and failed.attempts == 1 and "500" in failed.error
    result = app.test_cli_runner().invoke(args=["ninjaone", "inbox", "replay", "--tenant", "acme"])
    assert result.exit_code == 0 and "Enqueued 1" in result.output
    recovered = _delivery(5005)
    assert recovered.status == "done" and recovered.attempts == 2 and recovered.error is None


def test_a_malformed_device_is_stored_and_fails_at_its_first_attempt(app, connected):
    """The receiver checks the activity's own fields and that ``device`` is an object; the worker
    loads the device, and a payload that is not an activity fails for good, without retries."""
    _, _, path = connected
    body = activity(5008, statusCode="NODE_UPDATED", device={"id": "not-a-number", "nodeClass": 7})
    assert post(app.test_client(), path, body).status_code == 202
    failed = _delivery(5008)
    assert failed.status == "failed" and failed.attempts == 1 and failed.next_attempt_at is None
    assert failed.error.startswith("not a NinjaOne activity") and "device" in failed.error


def test_redis_down_still_stores_and_acknowledges(app, make_app, connected):
    tenant, _, path = connected
    redis_down = make_app(NINJAONE_REDIS_URL="redis://127.0.0.1:1/0")
    body = activity(
        5006, activityType="SYSTEM", statusCode="NODE_UPDATED", deviceId=_synced_device_id(tenant)
    )
    with redis_down.app_context():
        assert post(redis_down.test_client(), path, body).status_code == 202
        assert _delivery(5006).status == "pending"
        still_down = redis_down.test_cli_runner().invoke(
            args=["ninjaone", "inbox", "replay", "--tenant", "acme"]
        )
        assert (
            still_down.exit_code == 1
            and "queue is unreachable: 1 delivery(ies) stay pending" in still_down.output
        )
        assert _delivery(5006).status == "pending"
    # The queue is back (here: the inline app): a replay processes what was stored meanwhile.
    result = app.test_cli_runner().invoke(args=["ninjaone", "inbox", "replay", "--tenant", "acme"])
    assert result.exit_code == 0 and "Enqueued 1" in result.output
    assert _delivery(5006).status == "done"


def test_inbox_list_and_webhook_url(app, connected):
    _, _, path = connected
    post(app.test_client(), path, activity(5007, statusCode="SOMETHING_NEW"))
    runner = app.test_cli_runner()
    listing = json.loads(
        runner.invoke(args=["ninjaone", "inbox", "list", "--tenant", "acme", "--json"]).output
    )
    assert listing[0]["activity_id"] == 5007 and listing[0]["status"] == "ignored"
    app.config["NINJAONE_PUBLIC_BASE_URL"] = "https://psa.example.com"
    hidden = runner.invoke(args=["ninjaone", "webhook-url", "--tenant", "acme"]).output
    assert f"https://psa.example.com{path}" in hidden and SECRET not in hidden
    shown = runner.invoke(args=["ninjaone", "webhook-url", "--tenant", "acme", "--show-secret"]).output
    assert SECRET in shown
