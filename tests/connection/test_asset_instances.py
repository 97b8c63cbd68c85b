"""The asset side of several NinjaOne instances (issue 22): every page that starts from a host asset
(its RMM panel, the asset list's badges, Remote Connect, the ticket panel, technician actions, the
selection tools) works on the asset's own device in the device's own instance, never on "the tenant's
first instance". The two fakes number their devices from 1, so a page that looked a device id up in the
wrong instance would show (or reboot) another machine: these tests pick a device id both instances use.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, render_template_string, session
from flask.testing import FlaskClient
from sqlalchemy import select

from flask_ninjaone.actions.start import AGENT_CLASSES
from flask_ninjaone.connection.connect import save_credentials
from flask_ninjaone.inventory.compliance import AssetSummary, asset_summaries
from flask_ninjaone.jobs import inline_runner
from flask_ninjaone.models import AuditEntry, Device, DeviceAction, Integration, SyncRun
from flask_ninjaone.remote.service import AUDIT_ACTION
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from sample_host.adapter import SOURCE
from sample_host.models import Asset, Client, Ticket
from tests.support.actions import DASHBOARD, JSON, REBOOT, submission
from tests.support.connection_flow import DEMO_ID, DEMO_SECRET, PREFIX, tenant_db, tenant_id, user_id
from tests.support.instance_cli import connect, ok


@dataclass(frozen=True)
class Twin:
    """One instance's device of the shared id, and the host asset it feeds."""

    device_id: int
    name: str
    asset_id: str
    integration_id: int


def _twins(app: Flask) -> dict[str, Twin]:
    """alpha's and beta's devices of one shared id: two machines (other names), both online agents."""
    with tenant_db(app) as db_session:
        ids = {row.name: row.id for row in db_session.scalars(select(Integration))}
        devices = {
            name: {
                row.device_id: row
                for row in db_session.scalars(select(Device).where(Device.integration_id == i))
            }
            for name, i in ids.items()
        }
        for device_id, alpha in sorted(devices["alpha"].items()):
            beta = devices["beta"].get(device_id)
            pair = {"alpha": alpha, "beta": beta}
            if beta is None or alpha.name == beta.name:
                continue
            if all(row.node_class in AGENT_CLASSES and row.agent_status == "online" for row in (alpha, beta)):
                return {
                    name: Twin(device_id, row.name, str(row.host_asset_id), row.integration_id)
                    for name, row in pair.items()
                }
    raise AssertionError("the two fakes share no online agent device id")


def _panel(client: FlaskClient, asset_id: str) -> str:
    response = client.get(f"{PREFIX}/assets/{asset_id}/panel")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _reset(fakes: dict[str, FakeNinjaOne]) -> None:
    for fake in fakes.values():
        fake.state.reset_counters()


def _summaries(app: Flask, asset_ids: list[str]) -> dict[str, AssetSummary]:
    with tenant_db(app):
        return asset_summaries(asset_ids)


def _badges(app: Flask, asset_id: str) -> str:
    """The asset list's badges of one asset, as a host template renders them for a technician."""
    with app.test_request_context("/"):
        session["user_id"] = user_id(app, "tech@acme.test", "acme")
        return render_template_string(
            '{% from "ninjaone/asset_macros.html" import asset_badges %}'
            "{{ asset_badges(ninjaone_asset_summaries([asset_id]).get(asset_id)) }}",
            asset_id=asset_id,
        )


def test_the_asset_panel_shows_the_devices_own_instance(web_app, cli, two_instances, admin):
    twins = _twins(web_app)
    for name, twin in twins.items():
        other = twins["beta" if name == "alpha" else "alpha"]
        panel = _panel(admin, twin.asset_id)
        assert twin.name in panel and other.name not in panel
        assert f'data-instance="{name}"' in panel and 'data-health="connected"' in panel
        assert f"{two_instances[name].url}/#/deviceDashboard/{twin.device_id}/overview" in panel.replace(
            "&amp;", "&"
        )
        # The host's own asset page carries the same panel.
        page = admin.get(f"/assets/{twin.asset_id}").get_data(as_text=True)
        assert f'data-instance="{name}"' in page and twin.name in page

    # alpha disconnected: alpha's asset shows its last known state, beta's stays live.
    ok(cli("disconnect", "--tenant", "acme", "--instance", "alpha", "--yes"))
    alpha_panel, beta_panel = _panel(admin, twins["alpha"].asset_id), _panel(admin, twins["beta"].asset_id)
    assert 'data-health="disconnected"' in alpha_panel and "data-stale" in alpha_panel
    assert "Remote Connect" not in alpha_panel
    assert 'data-health="connected"' in beta_panel and "data-stale" not in beta_panel
    assert "Remote Connect" in beta_panel and "Refresh this device now" in beta_panel


def test_asset_list_badges_come_from_each_devices_instance(web_app, cli, two_instances):
    twins = _twins(web_app)
    summaries = _summaries(web_app, [twin.asset_id for twin in twins.values()])
    for name, twin in twins.items():
        summary = summaries[twin.asset_id]
        assert summary.instance == name and not summary.stale
        assert summary.ninjaone_url.startswith(two_instances[name].url)
    assert 'data-instance="beta"' in _badges(web_app, twins["beta"].asset_id)

    ok(cli("disconnect", "--tenant", "acme", "--instance", "alpha", "--yes"))
    summaries = _summaries(web_app, [twin.asset_id for twin in twins.values()])
    assert summaries[twins["alpha"].asset_id].stale and not summaries[twins["beta"].asset_id].stale
    assert "last known" in _badges(web_app, twins["alpha"].asset_id)
    assert "last known" not in _badges(web_app, twins["beta"].asset_id)


def test_remote_connect_asks_the_devices_own_instance_and_the_audit_names_it(
    web_app, two_instances, login, admin
):
    twins = _twins(web_app)
    tech = login("technician")
    for name, twin in twins.items():
        _reset(two_instances)
        answer = tech.post(f"{PREFIX}/remote/assets/{twin.asset_id}/connect", headers=JSON)
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["url"].startswith(
            f"{two_instances[name].url}/#/deviceDashboard/{twin.device_id}"
        )
        other = "beta" if name == "alpha" else "alpha"
        assert two_instances[name].state.request_counts().get(DASHBOARD) == 1
        assert DASHBOARD not in two_instances[other].state.request_counts()
    with tenant_db(web_app) as db_session:
        entries = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION).order_by(AuditEntry.id)
        )
        named = [
            (entry.target_id, entry.detail["instance"], entry.detail["integration_id"]) for entry in entries
        ]
    assert named == [(twin.asset_id, name, twin.integration_id) for name, twin in twins.items()]
    log = admin.get(f"{PREFIX}/remote/audit").get_data(as_text=True)
    assert 'data-instance="alpha"' in log and 'data-instance="beta"' in log


def _ticket_with(app: Flask, *asset_ids: str) -> int:
    """An acme ticket linking ``asset_ids``."""
    with tenant_db(app) as db_session:
        tenant = int(tenant_id(app, "acme"))
        ticket = db_session.scalars(
            select(Ticket).where(Ticket.tenant_id == tenant).order_by(Ticket.id)
        ).first()
        ticket.assets = [db_session.get(Asset, int(asset_id)) for asset_id in asset_ids]
        db_session.commit()
        return ticket.id


def test_the_ticket_panel_and_its_remote_connect_follow_each_assets_instance(web_app, two_instances, login):
    twins = _twins(web_app)
    ticket_id = _ticket_with(web_app, twins["alpha"].asset_id, twins["beta"].asset_id)
    tech = login("technician")
    page = tech.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert twins["alpha"].name in page and twins["beta"].name in page
    assert 'data-instance="alpha"' in page and 'data-instance="beta"' in page
    for name, twin in twins.items():
        assert f"{two_instances[name].url}/#/deviceDashboard/{twin.device_id}/overview" in page

    _reset(two_instances)
    answer = tech.post(
        f"{PREFIX}/remote/assets/{twins['beta'].asset_id}/connect",
        data={"ticket_id": str(ticket_id)},
        headers=JSON,
    )
    assert answer.status_code == 200 and answer.get_json()["url"].startswith(two_instances["beta"].url)
    assert two_instances["beta"].state.request_counts().get(DASHBOARD) == 1
    assert DASHBOARD not in two_instances["alpha"].state.request_counts()
    with tenant_db(web_app) as db_session:
        entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION)).one()
        assert entry.detail["ticket_id"] == str(ticket_id) and entry.detail["instance"] == "beta"


def test_a_technician_action_from_the_page_goes_to_the_devices_own_instance(web_app, two_instances, login):
    twins = _twins(web_app)
    tech = login("technician")
    url = f"{PREFIX}/actions/assets/{twins['beta'].asset_id}/reboot"
    confirm = tech.post(url, data={"mode": "NORMAL"})
    assert confirm.status_code == 200 and twins["beta"].name in confirm.get_data(as_text=True)
    _reset(two_instances)
    token = submission(confirm.get_data(as_text=True))
    assert tech.post(url, data={"mode": "NORMAL", "submission": token}).status_code == 303
    assert two_instances["beta"].state.request_counts().get(REBOOT) == 1
    assert REBOOT not in two_instances["alpha"].state.request_counts()
    with tenant_db(web_app) as db_session:
        action = db_session.scalars(select(DeviceAction)).one()
        assert (action.integration_id, action.device_id) == (
            twins["beta"].integration_id,
            twins["beta"].device_id,
        )


def test_no_form_value_reaches_a_device_of_the_other_instance(web_app, two_instances, login):
    """Pages name an asset, never a device id or an instance: extra values naming alpha's instance and
    device are ignored, and a host link that carries only a device id (no mirrored device says which
    instance it is of) reaches neither instance."""
    twins = _twins(web_app)
    tech = login("technician")
    alpha = twins["alpha"]
    crafted = {"integration_id": str(alpha.integration_id), "device_id": str(alpha.device_id),
               "instance": "alpha", "mode": "NORMAL", "submission": "crafted-1"}  # fmt: skip
    _reset(two_instances)
    assert (
        tech.post(f"{PREFIX}/actions/assets/{twins['beta'].asset_id}/reboot", data=crafted).status_code == 303
    )
    bulk = {**crafted, "kind": "reboot", "asset_ids": twins["beta"].asset_id, "submission": "crafted-2"}
    assert tech.post(f"{PREFIX}/actions/bulk", data=bulk).status_code == 200
    assert two_instances["beta"].state.request_counts().get(REBOOT) == 2
    assert REBOOT not in two_instances["alpha"].state.request_counts()

    opened = tech.get(f"{PREFIX}/assets/open-selected", query_string={"asset_ids": twins["beta"].asset_id,
                                                                       "instance": "alpha"})  # fmt: skip
    assert opened.status_code == 303 and opened.location.startswith(two_instances["beta"].url)
    both = [twin.asset_id for twin in twins.values()]
    several = tech.get(f"{PREFIX}/assets/open-selected", query_string={"asset_ids": both})
    listed = several.get_data(as_text=True)
    for name, twin in twins.items():  # the same device id twice: two machines, each of its instance
        link = f"{two_instances[name].url}/#/deviceDashboard/{twin.device_id}/overview"
        assert link in listed.replace("&amp;", "&") and f'data-instance="{name}"' in listed

    # An asset the host links to the shared device id, that no mirrored device is linked to.
    with tenant_db(web_app) as db_session:
        tenant = int(tenant_id(web_app, "acme"))
        client_id = db_session.scalars(select(Client.id).where(Client.tenant_id == tenant)).first()
        orphan = Asset(tenant_id=tenant, client_id=client_id, name="Hand-linked", external_source=SOURCE,
                       external_id=str(twins["alpha"].device_id), status="active")  # fmt: skip
        db_session.add(orphan)
        db_session.commit()
        orphan_id = str(orphan.id)
    _reset(two_instances)
    answer = tech.post(f"{PREFIX}/remote/assets/{orphan_id}/connect", headers=JSON)
    assert answer.status_code == 404 and answer.get_json()["result"] == "not_managed"
    reboot = tech.post(
        f"{PREFIX}/actions/assets/{orphan_id}/reboot", data={**crafted, "submission": "crafted-3"}
    )
    assert reboot.status_code == 404
    for fake in two_instances.values():
        assert DASHBOARD not in fake.state.request_counts() and REBOOT not in fake.state.request_counts()


def test_sync_selected_reads_each_device_from_its_own_instance(web_app, two_instances, login):
    """A selection spanning both instances is one run per instance, each asking its own NinjaOne."""
    twins = _twins(web_app)
    tech = login("technician")
    _reset(two_instances)
    answer = tech.post(
        f"{PREFIX}/assets/sync-selected",
        data={"asset_ids": [twins["alpha"].asset_id, twins["beta"].asset_id]},
        headers=JSON,
    )
    assert answer.status_code == 202 and answer.get_json()["ok"], answer.get_json()
    assert "alpha: " in answer.get_json()["message"] and "beta: " in answer.get_json()["message"]
    inline_runner(web_app).wait()
    with tenant_db(web_app) as db_session:
        runs = db_session.scalars(select(SyncRun).where(SyncRun.kind == "devices").order_by(SyncRun.id))
        done = sorted((run.integration_id, run.state) for run in runs)
    assert done == sorted((twin.integration_id, "succeeded") for twin in twins.values())
    for fake in two_instances.values():  # each instance was asked (for its own device only)
        assert fake.state.request_counts()


def test_the_asset_list_follows_the_run_its_url_names_of_either_instance(web_app, two_instances, login):
    twins = _twins(web_app)
    tech = login("technician")
    with inline_runner(web_app).held():
        runs = {
            name: tech.post(
                f"{PREFIX}/assets/sync-selected", data={"asset_ids": twin.asset_id}, headers=JSON
            ).get_json()["run"]
            for name, twin in twins.items()
        }
        for name, run in runs.items():  # both queued at once: the list shows the one its URL names
            other = runs["beta" if name == "alpha" else "alpha"]
            listing = tech.get(f"/assets/?ninjaone_run={run['id']}").get_data(as_text=True)
            assert f'href="{run["run_url"]}"' in listing and f'href="{other["run_url"]}"' not in listing
    inline_runner(web_app).wait()


def test_the_asset_buttons_work_whichever_instance_the_settings_page_shows(web_app, two_instances, admin):
    """A third instance, saved but never connected, chosen on the settings page: the asset list's
    buttons still act on each asset's own device (they do not depend on the instance shown there)."""
    twins = _twins(web_app)
    with tenant_db(web_app) as db_session:
        gamma = save_credentials(db_session, client_id=DEMO_ID, client_secret=DEMO_SECRET, region=None,
                                 custom_url="https://gamma.example.com", set_by_operator=True, add=True,
                                 name="gamma").integration.id  # fmt: skip
    assert admin.get(f"{PREFIX}/?instance={gamma}").status_code == 200
    alpha = twins["alpha"].asset_id
    synced = admin.post(f"{PREFIX}/assets/sync-selected", data={"asset_ids": alpha}, headers=JSON)
    assert synced.status_code == 202, synced.get_json()
    refreshed = admin.post(f"{PREFIX}/assets/{twins['beta'].asset_id}/refresh", headers=JSON)
    assert refreshed.status_code == 202, refreshed.get_json()
    opened = admin.get(f"{PREFIX}/assets/open-selected", query_string={"asset_ids": alpha})
    assert opened.status_code == 303 and opened.location.startswith(two_instances["alpha"].url)
    inline_runner(web_app).wait()


def test_a_single_instance_tenant_shows_no_instance_name(web_app, cli, fake, admin):
    web_app.config["NINJAONE_PUBLIC_BASE_URL"] = "http://localhost"
    ok(connect(cli, fake.url, "--name", "alpha"))
    ok(cli("map", "--tenant", "acme", "--all", "--create-missing-clients"))
    ok(cli("sync", "--tenant", "acme", "--full", "--wait"))
    with tenant_db(web_app) as db_session:
        device = db_session.scalars(select(Device).where(Device.host_asset_id.is_not(None))).first()
        asset_id, name = str(device.host_asset_id), device.name
    panel = _panel(admin, asset_id)
    assert name in panel and "data-instance" not in panel and "alpha" not in panel
    assert _summaries(web_app, [asset_id])[asset_id].instance is None
    assert "data-instance" not in _badges(web_app, asset_id)
    ticket_id = _ticket_with(web_app, asset_id)
    page = admin.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert name in page and "data-instance" not in page
    assert admin.post(f"{PREFIX}/remote/assets/{asset_id}/connect", headers=JSON).status_code == 200
    log = admin.get(f"{PREFIX}/remote/audit").get_data(as_text=True)
    assert name in log and "data-instance" not in log


def test_a_tenant_without_any_instance_says_not_connected(web_app, admin):
    with tenant_db(web_app) as db_session:
        tenant = int(tenant_id(web_app, "acme"))
        asset_id = str(db_session.scalars(select(Asset.id).where(Asset.tenant_id == tenant)).first())
    assert "NinjaOne is not connected for this workspace" in _panel(admin, asset_id)
    assert _summaries(web_app, [asset_id]) == {}
