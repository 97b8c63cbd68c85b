"""An asset both instances feed (issue 22): answered "same machine" to the adoption question, alpha's
and beta's devices feed one asset. Its panel has a section per device, each named after its instance,
with that device's own status, alerts and patches, and buttons (Remote Connect, refresh, device
actions) that go to that device in its own instance. An asset with one device keeps its one panel."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from flask_ninjaone.forms.instance import DEVICE_INSTANCE_FIELD
from flask_ninjaone.models import Alert, Device, Integration, SyncRun
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.webhooks import processing
from tests.support.actions import DASHBOARD, JSON, REBOOT, submission
from tests.support.adoption import same_serial_in_beta
from tests.support.connection_flow import PREFIX, page_text, tenant_db
from tests.support.instance_cli import Cli, ok
from tests.support.webhook_deliveries import post


@dataclass(frozen=True)
class Fed:
    """The asset, and each instance's device feeding it: name → (instance id, device id, device name)."""

    asset_id: str
    devices: dict[str, tuple[int, int, str]]


def _sync(cli: Cli, name: str) -> None:
    ok(cli("sync", "--tenant", "acme", "--instance", name, "--full", "--wait"))


@pytest.fixture
def fed(web_app: Flask, cli: Cli, two_instances: dict[str, FakeNinjaOne]) -> Fed:
    """beta enrolls alpha's machine (online, same serial); "same machine" is answered and synced."""
    beta = two_instances["beta"]
    created, alpha_device = same_serial_in_beta(web_app, beta)
    beta.state.update_device(created["id"], {"offline": False})
    _sync(cli, "beta")
    ok(cli("adoption", "answer", "--tenant", "acme", "--instance", "beta", "--device", str(created["id"]),
           "link"))  # fmt: skip
    _sync(cli, "beta")
    with tenant_db(web_app) as session:
        ids = {row.name: row.id for row in session.scalars(select(Integration))}
        rows = session.scalars(select(Device).where(Device.host_asset_id == alpha_device.host_asset_id)).all()
        devices = {name: (row.integration_id, row.device_id, row.name)
                   for row in rows for name, i in ids.items() if row.integration_id == i}  # fmt: skip
    assert set(devices) == {"alpha", "beta"} and devices["beta"][1] == created["id"]
    assert devices["alpha"][2] != devices["beta"][2]
    return Fed(str(alpha_device.host_asset_id), devices)


def _sections(page: str) -> dict[int, str]:
    """Each device section of the panel, by its instance id."""
    found = re.findall(r'(<section [^>]*data-device-section="(\d+)".*?</section>)', page, re.S)
    return {int(instance): html for html, instance in found}


def _form(section: str, action: str) -> dict[str, str]:
    """The hidden fields of the section's form posting to ``action``."""
    match = re.search(rf'<form [^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', section, re.S)
    assert match is not None, action
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', match.group(1)))


def _reset(fakes: dict[str, FakeNinjaOne]) -> None:
    for fake in fakes.values():
        fake.state.reset_counters()


def test_the_panel_shows_each_instances_device_in_a_named_section(web_app, two_instances, fed, admin):
    beta_id, beta_device, _ = fed.devices["beta"]
    beta_alert = "5c1e0000-0000-4000-8000-0000000000b1"
    activity = two_instances["beta"].state.trigger_condition(beta_device, series_uid=beta_alert)[
        "activities"
    ][0]
    with tenant_db(web_app) as session:
        beta = session.get(Integration, beta_id)
        receiver, secret = f"/webhooks/ninjaone/{beta.public_id}", beta.webhook_secret
    assert post(web_app.test_client(), receiver, activity, secret=secret).status_code < 300
    with tenant_db(web_app) as session:
        processing.drain(session)
        alert = session.scalars(select(Alert).where(Alert.series_uid == beta_alert)).one()
        message = alert.message or alert.source_name

    page = page_text(admin.get(f"/assets/{fed.asset_id}"))
    sections = _sections(page)
    assert list(sections) == [fed.devices["alpha"][0], beta_id]  # oldest instance first
    assert page.count('<section class="ninjaone ninjaone-panel ninjaone-rmm') == 2
    for name, (instance_id, device_id, device_name) in fed.devices.items():
        section = sections[instance_id]
        other = fed.devices["beta" if name == "alpha" else "alpha"]
        assert f'data-instance="{name}"' in section and "data-same-machine" in section
        assert device_name in section and other[2] not in section
        url = f"{two_instances[name].url}/#/deviceDashboard/{device_id}/overview"
        assert url in section.replace("&amp;", "&")
    assert message and message in sections[beta_id] and message not in sections[fed.devices["alpha"][0]]
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "two sections, no id twice"


def test_each_sections_buttons_act_on_its_own_device(web_app, two_instances, fed, login):
    tech = login("technician")
    page = page_text(tech.get(f"/assets/{fed.asset_id}"))
    sections = _sections(page)
    beta_id, beta_device, _ = fed.devices["beta"]
    beta = sections[beta_id]

    _reset(two_instances)
    fields = _form(beta, f"{PREFIX}/remote/assets/{fed.asset_id}/connect")
    assert fields[DEVICE_INSTANCE_FIELD] == str(beta_id)
    answer = tech.post(f"{PREFIX}/remote/assets/{fed.asset_id}/connect", data=fields, headers=JSON)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["url"].startswith(f"{two_instances['beta'].url}/#/deviceDashboard/{beta_device}")
    assert DASHBOARD not in two_instances["alpha"].state.request_counts()

    with tenant_db(web_app) as session:
        before = set(session.scalars(select(SyncRun.id)))
    refresh = f"{PREFIX}/assets/{fed.asset_id}/refresh"
    assert tech.post(refresh, data=_form(beta, refresh), headers=JSON).status_code == 202
    with tenant_db(web_app) as session:
        runs = [
            (row.integration_id, row.kind) for row in session.scalars(select(SyncRun)) if row.id not in before
        ]
    assert runs == [(beta_id, "device")]

    reboot = f"{PREFIX}/actions/assets/{fed.asset_id}/reboot"
    fields = {**_form(beta, reboot), "mode": "NORMAL"}
    confirm = tech.post(reboot, data=fields)
    assert confirm.status_code == 200 and fed.devices["beta"][2] in confirm.get_data(as_text=True)
    _reset(two_instances)
    token = submission(confirm.get_data(as_text=True))
    assert tech.post(reboot, data={**fields, "submission": token}).status_code == 303
    assert two_instances["beta"].state.request_counts().get(REBOOT) == 1
    assert REBOOT not in two_instances["alpha"].state.request_counts()
    sections = _sections(page_text(tech.get(f"/assets/{fed.asset_id}")))  # each lists its device's actions
    assert "data-action-state=" in sections[beta_id]
    assert "data-action-state=" not in sections[fed.devices["alpha"][0]]


def test_a_form_without_the_device_field_acts_on_the_oldest_instances_device_and_bad_values_are_refused(
    web_app, two_instances, fed, login
):
    tech = login("technician")
    alpha_id, alpha_device, _ = fed.devices["alpha"]
    connect = f"{PREFIX}/remote/assets/{fed.asset_id}/connect"
    answer = tech.post(connect, headers=JSON)  # a script, an older page: as before, the oldest instance's
    assert answer.get_json()["url"].startswith(
        f"{two_instances['alpha'].url}/#/deviceDashboard/{alpha_device}"
    )
    for bad in ("abc", "-1", "1" * 40):
        refused = tech.post(connect, data={DEVICE_INSTANCE_FIELD: bad}, headers=JSON)
        assert refused.status_code == 400, bad
    _reset(two_instances)
    with tenant_db(web_app) as session:  # an instance that feeds no device to this asset: not managed
        other = session.scalars(
            select(Device.host_asset_id).where(
                Device.integration_id == alpha_id, Device.host_asset_id != fed.asset_id,
                Device.host_asset_id.is_not(None), Device.retired.is_(False),
            )
        ).first()  # fmt: skip
    only_alpha = tech.post(
        f"{PREFIX}/remote/assets/{other}/connect",
        data={DEVICE_INSTANCE_FIELD: str(fed.devices["beta"][0])},
        headers=JSON,
    )
    assert only_alpha.status_code == 404 and only_alpha.get_json()["result"] == "not_managed"
    assert DASHBOARD not in two_instances["alpha"].state.request_counts()
    assert DASHBOARD not in two_instances["beta"].state.request_counts()


def test_an_asset_with_one_device_keeps_its_one_panel(web_app, two_instances, fed, admin: FlaskClient):
    with tenant_db(web_app) as session:
        single = session.scalars(
            select(Device.host_asset_id).where(
                Device.host_asset_id != fed.asset_id, Device.host_asset_id.is_not(None),
                Device.retired.is_(False),
            )
        ).first()  # fmt: skip
    page = page_text(admin.get(f"/assets/{single}"))
    assert page.count('<section class="ninjaone ninjaone-panel ninjaone-rmm') == 1
    assert 'id="ninjaone-rmm"' in page and 'id="ninjaone-software"' in page
    assert "data-same-machine" not in page and "data-device-section" not in page
