"""Patch-management and antivirus deliveries, end to end through the receiver.

Each test changes what the fake NinjaOne reports for one device, posts a real-shaped activity to the
webhook receiver (which stores it and drains the inbox), and checks the delivery's outcome and the
device's patch and antivirus rows against what the fake now holds — and that nothing else changed.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.inventory.compliance import antivirus_state, patch_compliance
from flask_ninjaone.inventory.refresh import refresh_inventory
from flask_ninjaone.models import Device, Patch, WebhookDelivery
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from flask_ninjaone.webhooks.processing import classify
from sample_host.database import db
from tests.support.patch_rows import FAILED_OS_PATCH, FAILED_SOFTWARE_PATCH
from tests.support.webhook_deliveries import _delivery, post, receiver_path
from tests.support.world import connect_tenant

AV_OFF = {
    "productName": "SentinelOne Agent",
    "productState": "OFF",
    "definitionStatus": "OUT_OF_DATE",
    "version": "23.3.3.264",
}


def activity(activity_id: int, device_id: int, activity_type: str, status_code: str, **fields: Any) -> dict:
    """A delivery shaped like samples/webhook-condition-triggered.json (``device`` expanded)."""
    body = {
        "id": activity_id,
        "activityTime": 1742391675.556,
        "deviceId": device_id,
        "seriesUid": "7d2f1c9a-4b3e-4f5a-9c8d-0e1f2a3b4c5d",
        "activityType": activity_type,
        "statusCode": status_code,
        "status": status_code.replace("_", " ").title(),
        "sourceName": "NinjaOne",
        "subject": "",
        "message": fields.pop("message", "Patch installation failed"),
        "type": activity_type.replace("_", " ").title(),
        "device": {"id": device_id, "organizationId": 1, "nodeClass": "WINDOWS_WORKSTATION",
                   "approvalStatus": "APPROVED", "offline": False, "systemName": "stale-payload"},
    }  # fmt: skip
    body.update(fields)
    return body


def compliance(tenant) -> dict[int, tuple]:
    """Every live device's patch rows and antivirus/health figures, as plain values."""
    db.session.expire_all()
    with tenant_scope(tenant.id):
        patches: dict[int, list[tuple]] = {}
        for row in db.session.scalars(select(Patch).order_by(Patch.kind, Patch.patch_uid)):
            patches.setdefault(row.device_id, []).append(
                (row.kind, row.patch_uid, row.name, row.status, row.severity, row.last_seen)
            )
        return {
            device.device_id: (
                patches.get(device.device_id, []),
                device.antivirus,
                device.os_patches_failed,
                device.os_patches_pending,
                device.software_patches_failed,
                device.software_patches_pending,
                device.threats_active,
                device.health_status,
            )
            for device in db.session.scalars(select(Device).where(Device.retired.is_(False)))
        }


def device_state(tenant, device_id: int) -> Device:
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return db.session.scalars(select(Device).where(Device.device_id == device_id)).one()


def stored_patches(tenant, device_id: int, kind: str) -> list[tuple[str, str]]:
    with tenant_scope(tenant.id):
        return sorted(
            db.session.execute(
                select(Patch.patch_uid, Patch.status).where(Patch.device_id == device_id, Patch.kind == kind)
            ).all()
        )


def fake_patches(fake: FakeNinjaOne, device_id: int, kind: str) -> list[tuple[str, str]]:
    rows = (
        fake.state.device_os_patches(device_id)
        if kind == "os"
        else fake.state.device_software_patches(device_id)
    )
    return sorted((row["id"], row["status"]) for row in rows)


@pytest.fixture
def world(app, connected, fake):
    """acme synced with its inventory refreshed once; a Windows agent of a mapped organization."""
    tenant, integration_id, path = connected
    with tenant_scope(tenant.id):
        assert refresh_inventory(integration_id).state == "succeeded"
        device_id = db.session.scalars(
            select(Device.device_id)
            .where(Device.retired.is_(False), Device.node_class == "WINDOWS_WORKSTATION")
            .order_by(Device.device_id)
        ).first()
    assert device_id is not None
    db.session.remove()
    return tenant, integration_id, path, device_id


def test_every_patch_and_antivirus_category_is_a_compliance_event():
    for activity_type, code in [
        ("PATCH_MANAGEMENT", "PATCH_MANAGEMENT_INSTALL_FAILED"),
        ("PATCH_MANAGEMENT", "PATCH_MANAGEMENT_SCAN_COMPLETED"),
        ("SOFTWARE_PATCH_MANAGEMENT", "SOFTWARE_PATCH_MANAGEMENT_INSTALL_FAILED"),
        ("ANTIVIRUS", "SENTINEL_ONE_THREAT_DETECTED"),
        ("ANTIVIRUS", "BDAS_BITDEFENDER_THREAT_QUARANTINED"),
    ]:
        assert classify({"activityType": activity_type, "statusCode": code, "deviceId": 1}) == "compliance"


def test_patch_install_failed_rereads_the_devices_patches(app, world, fake):
    tenant, _, path, device_id = world
    before = compliance(tenant)
    fake.state.set_device_inventory(device_id, {"osPatches": [FAILED_OS_PATCH], "softwarePatches": []})
    fake.state.reset_counters()

    body = activity(7001, device_id, "PATCH_MANAGEMENT", "PATCH_MANAGEMENT_INSTALL_FAILED")
    assert post(app.test_client(), path, body).status_code == 202

    delivery = _delivery(7001)
    assert (delivery.status, delivery.error) == ("done", None)
    assert stored_patches(tenant, device_id, "os") == [(FAILED_OS_PATCH["id"], "FAILED")]
    assert stored_patches(tenant, device_id, "software") == []
    device = device_state(tenant, device_id)
    assert (device.os_patches_failed, device.os_patches_pending) == (1, 0)
    assert (device.software_patches_failed, device.software_patches_pending) == (0, 0)
    assert patch_compliance(device) == "failed"
    # Only that device was re-read, with the per-device endpoints (no fleet-wide walk).
    requests = fake.state.request_counts()
    assert requests["GET /v2/device/{id}/os-patches"] == 1
    assert requests["GET /v2/device/{id}/software-patches"] == 1
    assert requests["GET /v2/queries/antivirus-status"] == 1
    assert requests["GET /v2/queries/device-health"] == 1
    assert "GET /v2/queries/os-patches" not in requests and "GET /v2/devices-detailed" not in requests
    after = compliance(tenant)
    assert {key: value for key, value in after.items() if key != device_id} == {
        key: value for key, value in before.items() if key != device_id
    }

    # The same state delivered again writes nothing: the rows keep their last_seen.
    body = activity(7002, device_id, "PATCH_MANAGEMENT", "PATCH_MANAGEMENT_SCAN_COMPLETED")
    assert post(app.test_client(), path, body).status_code == 202
    assert _delivery(7002).status == "done"
    assert compliance(tenant) == after


def test_software_patch_install_failed_rereads_the_third_party_patches(app, world, fake):
    tenant, _, path, device_id = world
    fake.state.set_device_inventory(device_id, {"softwarePatches": [FAILED_SOFTWARE_PATCH]})
    body = activity(7003, device_id, "SOFTWARE_PATCH_MANAGEMENT", "SOFTWARE_PATCH_MANAGEMENT_INSTALL_FAILED")
    assert post(app.test_client(), path, body).status_code == 202
    assert _delivery(7003).status == "done"
    assert stored_patches(tenant, device_id, "software") == [(FAILED_SOFTWARE_PATCH["id"], "FAILED")]
    assert stored_patches(tenant, device_id, "os") == fake_patches(fake, device_id, "os")
    assert device_state(tenant, device_id).software_patches_failed == 1


def test_antivirus_threat_rereads_the_antivirus_state(app, world, fake):
    tenant, _, path, device_id = world
    fake.state.set_device_inventory(device_id, {"antivirus": [AV_OFF], "threats": {"activeThreatsCount": 2}})
    body = activity(7004, device_id, "ANTIVIRUS", "SENTINEL_ONE_THREAT_DETECTED", message="Threat detected")
    assert post(app.test_client(), path, body).status_code == 202

    assert _delivery(7004).status == "done"
    device = device_state(tenant, device_id)
    assert device.antivirus["products"] == [
        {"name": "SentinelOne Agent", "state": "OFF", "definitions": "OUT_OF_DATE", "version": "23.3.3.264"}
    ]
    assert antivirus_state(device.antivirus, device.node_class) == "unprotected"
    assert (device.threats_active, device.health_status) == (2, "UNHEALTHY")


@pytest.mark.parametrize("device_id", [987654321, 0, -5])
def test_unknown_device_is_ignored_without_asking_ninjaone(app, world, fake, device_id):
    tenant, _, path, _ = world
    before = compliance(tenant)
    fake.state.reset_counters()
    body = activity(7005, device_id, "PATCH_MANAGEMENT", "PATCH_MANAGEMENT_INSTALL_FAILED")
    assert post(app.test_client(), path, body).status_code == 202
    delivery = _delivery(7005)
    assert (delivery.status, delivery.error) == ("ignored", None)
    assert not [endpoint for endpoint in fake.state.request_counts() if "/v2/" in endpoint]
    assert compliance(tenant) == before


def test_a_device_id_that_is_not_an_integer_is_refused_and_nothing_is_stored(app, world):
    _, _, path, device_id = world
    body = activity(7011, device_id, "ANTIVIRUS", "WEBROOT_THREAT_DETECTED")
    body["deviceId"] = str(device_id)
    assert post(app.test_client(), path, body).status_code == 422
    db.session.expire_all()
    with tenant_scope(world[0].id):
        assert db.session.scalars(select(WebhookDelivery)).all() == []


def test_device_deleted_in_ninjaone_keeps_its_rows_until_the_deletion_retires_it(app, world, fake):
    tenant, _, path, device_id = world
    before = compliance(tenant)
    fake.state.delete_device(device_id)
    body = activity(7006, device_id, "PATCH_MANAGEMENT", "PATCH_MANAGEMENT_INSTALL_FAILED")
    assert post(app.test_client(), path, body).status_code == 202
    assert _delivery(7006).status == "ignored"
    assert compliance(tenant) == before


def test_throttled_reread_writes_nothing_and_the_retry_completes(app, world, fake):
    tenant, _, path, device_id = world
    app.config["NINJAONE_HTTP_MAX_RETRIES"] = 0
    before = compliance(tenant)
    fake.state.set_device_inventory(device_id, {"osPatches": [FAILED_OS_PATCH]})
    # The OS patches are read, then the software patches are throttled: nothing may be half-written.
    fake.state.faults.inject(
        Fault(path=f"/v2/device/{device_id}/software-patches", kind="rate_limit", retry_after=1, times=1)
    )
    body = activity(7007, device_id, "PATCH_MANAGEMENT", "PATCH_MANAGEMENT_INSTALL_FAILED")
    assert post(app.test_client(), path, body).status_code == 202
    waiting = _delivery(7007)  # waiting for NinjaOne's Retry-After; a throttled attempt is not counted
    assert (waiting.status, waiting.attempts) == ("pending", 0) and "429" in waiting.error
    assert compliance(tenant) == before

    result = app.test_cli_runner().invoke(args=["ninjaone", "inbox", "replay", "--tenant", "acme"])
    assert result.exit_code == 0, result.output
    done = _delivery(7007)
    assert (done.status, done.attempts, done.error) == ("done", 1, None)
    assert stored_patches(tenant, device_id, "os") == [(FAILED_OS_PATCH["id"], "FAILED")]


def test_deliveries_touch_only_their_own_integrations_devices(app, world, fake):
    """globex is connected to another NinjaOne instance whose device ids overlap acme's."""
    acme, _, acme_path, device_id = world
    state = FakeState()
    seed_fleet(state, devices=40, organizations=2, seed=5)
    with FakeNinjaOne(state) as other:
        app.config["NINJAONE_ALLOWED_BASE_URLS"] += (other.url,)  # the operator lists globex's too
        globex, globex_integration = connect_tenant(other, "globex")
        globex_path = receiver_path(globex.id)
        # A device only globex's instance has: its id is far above every id of acme's instance.
        other.state.reserve_device_id(gap=10_000)
        organization = other.state.organizations_page(None, 1)[0]["id"]
        only_globex = other.state.create_device(organization, "WINDOWS_WORKSTATION")["id"]
        with tenant_scope(globex.id):
            assert run_sync(globex_integration, kind="full").state == "succeeded"
            assert refresh_inventory(globex_integration).state == "succeeded"
        db.session.remove()
        globex_before = compliance(globex)
        assert device_id in globex_before and only_globex in globex_before
        assert only_globex not in compliance(acme)

        # acme's delivery about its device re-reads acme's instance and writes acme's rows only.
        fake.state.set_device_inventory(device_id, {"osPatches": [FAILED_OS_PATCH]})
        other.state.set_device_inventory(device_id, {"osPatches": [], "softwarePatches": []})
        body = activity(7008, device_id, "PATCH_MANAGEMENT", "PATCH_MANAGEMENT_INSTALL_FAILED")
        assert post(app.test_client(), acme_path, body).status_code == 202
        assert _delivery(7008).status == "done"
        assert stored_patches(acme, device_id, "os") == [(FAILED_OS_PATCH["id"], "FAILED")]
        assert compliance(globex) == globex_before

        # globex's device delivered to acme's receiver: acme does not hold it, nothing is read or written.
        other.state.set_device_inventory(only_globex, {"osPatches": [FAILED_OS_PATCH]})
        acme_before = compliance(acme)
        fake.state.reset_counters()
        body = activity(7009, only_globex, "PATCH_MANAGEMENT", "PATCH_MANAGEMENT_INSTALL_FAILED")
        assert post(app.test_client(), acme_path, body).status_code == 202
        assert _delivery(7009).status == "ignored"
        assert not [endpoint for endpoint in fake.state.request_counts() if "/v2/" in endpoint]
        assert compliance(acme) == acme_before and compliance(globex) == globex_before

        # Delivered to globex's own receiver, it is re-read from globex's instance.
        body = activity(7010, only_globex, "PATCH_MANAGEMENT", "PATCH_MANAGEMENT_INSTALL_FAILED")
        assert post(app.test_client(), globex_path, body).status_code == 202
        assert _delivery(7010).status == "done"
        assert stored_patches(globex, only_globex, "os") == [(FAILED_OS_PATCH["id"], "FAILED")]
        assert compliance(acme) == acme_before
