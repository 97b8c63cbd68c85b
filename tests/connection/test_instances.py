"""Several NinjaOne instances side by side for one tenant (issue 22), against TWO fake NinjaOnes whose
organization and device ids overlap (both number from 1): connect, map, sync, webhooks, device actions
and disconnect through the ``flask ninjaone`` commands, each naming its instance with ``--instance``.
Nothing of one instance may ever be found under the other's ids; a command that does not say which
instance is refused while the tenant has several; the same URL twice and one instance past the limit
are refused."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from flask_ninjaone.actions.start import AGENT_CLASSES
from flask_ninjaone.alerts import rule_store
from flask_ninjaone.connection import instances
from flask_ninjaone.models import Alert, Device, Integration, OrganizationMapping, SyncRun, WebhookDelivery
from flask_ninjaone.sync.asset_records import device_name
from flask_ninjaone.tasks.sync import schedule_tick
from flask_ninjaone.tenancy import system_scope
from flask_ninjaone.webhooks import processing
from sample_host.models import Asset, Ticket
from tests.support.connection_flow import (
    DEMO_ID,
    DEMO_SECRET,
    PREFIX,
    SETTINGS,
    authorize,
    bound_to,
    ends_on_settings,
    flashed,
    page_text,
    save_credentials,
    settings_page,
    start_connect,
    tenant_db,
)
from tests.support.instance_cli import connect, json_of, ok
from tests.support.webhook_deliveries import activity, post


def _integrations(app: Flask) -> dict[str, Integration]:
    with tenant_db(app) as session:
        rows = {row.name: row for row in session.scalars(select(Integration))}
        session.expunge_all()
    return rows


def test_two_instances_with_overlapping_ids_keep_their_own_devices_organizations_and_assets(
    web_app, cli, two_instances
):
    rows = _integrations(web_app)
    assert set(rows) == {"alpha", "beta"} and all(row.retired_at is None for row in rows.values())
    assert {name: row.status for name, row in rows.items()} == {"alpha": "connected", "beta": "connected"}
    with tenant_db(web_app) as session:
        devices = {
            name: list(session.scalars(select(Device).where(Device.integration_id == row.id)))
            for name, row in rows.items()
        }
        names = {name: {d.device_id: d.name for d in rows_} for name, rows_ in devices.items()}
        # The test means something only if the two instances really share ids.
        shared = {d.device_id for d in devices["alpha"]} & {d.device_id for d in devices["beta"]}
        assert shared
        for name, fake in two_instances.items():
            for device in devices[name]:
                assert device.name == device_name(fake.state.device(device.device_id))
                asset = session.get(Asset, int(device.host_asset_id))
                assert asset is not None and asset.name == device.name and asset.status == "active"
        assets = {name: {d.host_asset_id for d in rows_} for name, rows_ in devices.items()}
        assert all(len(assets[name]) == len(devices[name]) for name in devices)
        assert not assets["alpha"] & assets["beta"]
        for name, fake in two_instances.items():
            orgs = session.scalars(
                select(OrganizationMapping).where(OrganizationMapping.integration_id == rows[name].id)
            )
            fake_orgs = {org["id"]: org["name"] for org in fake.state.organizations_page(None, 1000)}
            assert {org.organization_id: org.name for org in orgs} == fake_orgs

    for name, fake in two_instances.items():
        listed = json_of(cli("devices", "--tenant", "acme", "--instance", name, "--json"))
        assert {row["device_id"]: row["name"] for row in listed} == names[name]
        orgs = json_of(cli("orgs", "--tenant", "acme", "--instance", name, "--json", "--no-refresh"))
        assert {org["id"]: org["name"] for org in orgs} == {
            org["id"]: org["name"] for org in fake.state.organizations_page(None, 1000)
        }
    # An instance is also found by its id, and its name in any case.
    by_id = json_of(cli("status", "--tenant", "acme", "--instance", str(rows["beta"].id), "--json"))
    by_name = json_of(cli("status", "--tenant", "acme", "--instance", "BETA", "--json"))
    assert by_id == by_name and by_id["instance_url"] == two_instances["beta"].url


def test_status_lists_every_instance(web_app, cli, two_instances):
    info = json_of(cli("status", "--tenant", "acme", "--json"))
    assert [row["instance"]["name"] for row in info["instances"]] == ["alpha", "beta"]
    assert [row["instance_url"] for row in info["instances"]] == [fake.url for fake in two_instances.values()]
    assert all(row["device_count"] > 0 for row in info["instances"])
    text = ok(cli("status", "--tenant", "acme")).output
    assert "[alpha]" in text and "[beta]" in text and two_instances["beta"].url in text


@pytest.mark.parametrize(
    "command",
    [
        ("devices",),
        ("orgs",),
        ("sync",),
        ("inventory",),
        ("webhook-url",),
        ("disconnect", "--yes"),
        ("device", "reboot", "--device", "1"),
        ("map", "--all"),
        ("inbox", "list"),
    ],
)
def test_a_command_that_does_not_name_the_instance_is_refused_while_there_are_several(
    web_app, cli, two_instances, command
):
    head = 2 if command[0] in ("device", "inbox") else 1  # a group's command, then its options
    result = cli(*command[:head], "--tenant", "acme", *command[head:])
    assert result.exit_code != 0
    assert "2 NinjaOne instances" in result.output and "--instance" in result.output
    assert "alpha" in result.output and "beta" in result.output
    rows = _integrations(web_app)
    assert {row.status for row in rows.values()} == {"connected"}  # nothing happened to either
    for fake in two_instances.values():  # no device of either instance was rebooted
        assert not any("reboot" in key for key in fake.state.request_counts())
    unknown = cli("devices", "--tenant", "acme", "--instance", "gamma")
    assert unknown.exit_code != 0 and "No NinjaOne instance 'gamma'" in unknown.output


def test_device_actions_reach_the_named_instance_only(web_app, cli, two_instances):
    rows = _integrations(web_app)
    with tenant_db(web_app) as session:
        alpha_ids = set(
            session.scalars(select(Device.device_id).where(Device.integration_id == rows["alpha"].id))
        )
        device_id = next(
            device.device_id
            for device in session.scalars(
                select(Device).where(Device.integration_id == rows["beta"].id).order_by(Device.device_id)
            )
            if device.device_id in alpha_ids
            and device.node_class in AGENT_CLASSES
            and device.agent_status == "online"
        )
    ok(cli("device", "reboot", "--tenant", "acme", "--instance", "beta", "--device", str(device_id)))
    reboot = "POST /v2/device/{id}/reboot/{mode}"
    assert two_instances["beta"].state.request_counts()[reboot] == 1
    assert reboot not in two_instances["alpha"].state.request_counts()


def test_a_second_instance_at_the_same_url_is_refused(web_app, cli, fake, fake_b):
    ok(connect(cli, fake.url, "--name", "alpha"))
    again = connect(cli, fake.url, "--add", "--name", "again")
    assert again.exit_code != 0 and "already has the NinjaOne instance at" in again.output
    ok(connect(cli, fake_b.url, "--add", "--name", "beta"))
    # Nor may one instance be moved onto the other's URL.
    moved = connect(cli, fake.url, "--instance", "beta")
    assert moved.exit_code != 0 and "already has the NinjaOne instance at" in moved.output
    rows = _integrations(web_app)
    assert {name: row.base_url for name, row in rows.items()} == {"alpha": fake.url, "beta": fake_b.url}


def test_one_instance_past_the_limit_is_refused(web_app, cli, fake, fake_b):
    web_app.config["NINJAONE_MAX_INSTANCES_PER_TENANT"] = 1
    ok(connect(cli, fake.url))
    refused = connect(cli, fake_b.url, "--add")
    assert refused.exit_code != 0 and "NINJAONE_MAX_INSTANCES_PER_TENANT" in refused.output
    assert [row.base_url for row in _integrations(web_app).values()] == [fake.url]
    assert not fake_b.state.token_grant_counts()  # NinjaOne B was never asked for a token


def test_instance_names_are_unique_per_tenant_and_never_digits(web_app, cli, fake, fake_b):
    ok(connect(cli, fake.url))
    default = next(iter(_integrations(web_app)))
    assert default == fake.url.split("://")[1]  # host and port: two fakes on one host differ by port
    taken = connect(cli, fake_b.url, "--add", "--name", default.upper())
    assert taken.exit_code != 0 and "already has a NinjaOne instance named" in taken.output
    digits = connect(cli, fake_b.url, "--add", "--name", "42")
    assert digits.exit_code != 0 and "only digits" in digits.output
    assert len(_integrations(web_app)) == 1
    with tenant_db(web_app) as session:
        assert instances.instance_for(session, None).name == default  # the only one needs no name
        with pytest.raises(instances.InstanceError, match="No NinjaOne instance"):
            instances.instance_for(session, "nosuch")
    own_default = fake_b.url.split("://")[1]  # naming a new instance what it would be called anyway
    ok(connect(cli, fake_b.url, "--add", "--name", own_default))
    assert set(_integrations(web_app)) == {default, own_default}


def test_a_webhook_of_one_instance_is_refused_at_the_other_receiver(web_app, cli, two_instances):
    rows = _integrations(web_app)
    alpha, beta = rows["alpha"], rows["beta"]
    assert alpha.webhook_state == beta.webhook_state == "active"
    assert alpha.webhook_secret and beta.webhook_secret and alpha.webhook_secret != beta.webhook_secret
    client = web_app.test_client()
    beta_path = f"/webhooks/ninjaone/{beta.public_id}"
    refused = post(client, beta_path, activity(990001, deviceId=1), secret=alpha.webhook_secret)
    assert refused.status_code == 401
    accepted = post(client, beta_path, activity(990002, deviceId=1), secret=beta.webhook_secret)
    assert accepted.status_code < 300
    with tenant_db(web_app) as session:
        stored = session.execute(
            select(WebhookDelivery.integration_id, WebhookDelivery.activity_id).where(
                WebhookDelivery.activity_id.in_((990001, 990002))
            )
        ).all()
    assert stored == [(beta.id, 990002)]
    for name, expected in (("alpha", False), ("beta", True)):  # each instance's inbox lists its own
        listed = json_of(cli("inbox", "list", "--tenant", "acme", "--instance", name, "--json"))
        assert (990002 in {row["activity_id"] for row in listed}) is expected


def test_disconnecting_one_instance_while_the_other_syncs(
    web_app, cli, two_instances, monkeypatch: pytest.MonkeyPatch
):
    """beta's sync is held inside its device walk (its NinjaOne answers only when released) while
    alpha is disconnected: alpha ends disconnected, beta's sync completes, its devices and assets
    untouched and its connection intact."""
    beta_fake = two_instances["beta"]
    before = json_of(cli("status", "--tenant", "acme", "--instance", "beta", "--json"))["device_count"]
    entered, release = threading.Event(), threading.Event()
    walk = beta_fake.state.devices_page

    def held_walk(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(60)
        return walk(*args, **kwargs)

    monkeypatch.setattr(beta_fake.state, "devices_page", held_walk)
    results: list[Result] = []
    syncing = threading.Thread(
        target=lambda: results.append(
            cli("sync", "--tenant", "acme", "--instance", "beta", "--full", "--wait")
        )
    )
    syncing.start()
    try:
        assert entered.wait(60), "beta's sync never reached its NinjaOne"
        disconnected = ok(cli("disconnect", "--tenant", "acme", "--instance", "alpha", "--yes"))
        assert "Disconnected acme" in disconnected.output
    finally:
        release.set()
        syncing.join(120)
    assert results and results[0].exit_code == 0, results[0].output if results else "no result"
    rows = _integrations(web_app)
    assert (rows["alpha"].status, rows["beta"].status) == ("disconnected", "connected")
    with tenant_db(web_app) as session:
        beta_runs = session.scalars(
            select(SyncRun.state).where(SyncRun.integration_id == rows["beta"].id).order_by(SyncRun.id)
        ).all()
        assert beta_runs[-1] == "succeeded"
        live = session.scalar(
            select(func.count())
            .select_from(Device)
            .where(Device.integration_id == rows["beta"].id, Device.retired.is_(False))
        )
        assert live == before
        asset_ids = session.scalars(
            select(Device.host_asset_id).where(Device.integration_id == rows["beta"].id)
        ).all()
        statuses = session.scalars(select(Asset.status).where(Asset.id.in_([int(a) for a in asset_ids])))
        assert set(statuses) == {"active"} and len(asset_ids) == before
    assert beta_fake.state.webhooks.configs()  # beta's webhook was not removed with alpha's


def test_an_alert_of_one_instance_opens_its_ticket_for_that_instances_machine(web_app, two_instances):
    """beta raises a condition on a device id alpha has too: the alert, its asset and its ticket's
    client are beta's device's, and nothing is recorded under alpha."""
    rows = _integrations(web_app)
    alpha, beta = rows["alpha"], rows["beta"]
    with tenant_db(web_app) as session:
        rule_store.create_rule(session, name="Everything", conditions={}, actions={}, catch_all=True)
        session.commit()
        mine = {
            d.device_id: d for d in session.scalars(select(Device).where(Device.integration_id == beta.id))
        }
        theirs = {
            d.device_id: d for d in session.scalars(select(Device).where(Device.integration_id == alpha.id))
        }
        device_id = min(mine.keys() & theirs.keys())
        expected_asset, other_asset = mine[device_id].host_asset_id, theirs[device_id].host_asset_id
        expected_client = session.scalar(
            select(OrganizationMapping.host_client_id).where(
                OrganizationMapping.integration_id == beta.id,
                OrganizationMapping.organization_id == mine[device_id].organization_id,
            )
        )
    triggered = two_instances["beta"].state.trigger_condition(device_id)["activities"][0]
    client = web_app.test_client()
    response = post(client, f"/webhooks/ninjaone/{beta.public_id}", triggered, secret=beta.webhook_secret)
    assert response.status_code < 300
    with tenant_db(web_app) as session:
        processing.drain(session)
        alerts = session.scalars(select(Alert)).all()
        assert [(a.integration_id, a.device_id, a.host_asset_id) for a in alerts] == [
            (beta.id, device_id, expected_asset)
        ]
        assert expected_asset != other_asset and alerts[0].ticket_id is not None
        ticket = session.get(Ticket, int(alerts[0].ticket_id))
        assert ticket is not None and str(ticket.client_id) == expected_client


def test_the_scheduled_jobs_sync_each_instance_under_its_own_ids(web_app, two_instances):
    """beta's NinjaOne drops a device whose id alpha has too; the scheduler's sync jobs (each carrying
    its integration id) retire beta's machine and leave alpha's, same id, alive."""
    rows = _integrations(web_app)
    alpha, beta = rows["alpha"], rows["beta"]
    with tenant_db(web_app) as session:
        alpha_ids, beta_ids = (
            set(session.scalars(select(Device.device_id).where(Device.integration_id == row.id)))
            for row in (alpha, beta)
        )
        device_id = min(alpha_ids & beta_ids)
        for row in session.scalars(select(Integration)):
            row.last_sync_at = row.last_full_sync_at = None  # both due, for a full walk
        session.commit()
    two_instances["beta"].state.delete_device(device_id, unlogged=True)
    with web_app.app_context(), system_scope():
        due = schedule_tick()
    assert sorted(due) == sorted([alpha.id, beta.id])
    with tenant_db(web_app) as session:
        devices = {
            row.integration_id: row
            for row in session.scalars(select(Device).where(Device.device_id == device_id))
        }
        assert devices[beta.id].retired and not devices[alpha.id].retired
        statuses = {
            integration_id: session.get(Asset, int(device.host_asset_id)).status
            for integration_id, device in devices.items()
        }
    assert statuses == {alpha.id: "active", beta.id: "inactive"}


# -- the settings page -----------------------------------------------------------------------------------


def _facts_instance(page: str) -> str:
    """The URL the page's Connection facts show (the instance the page is about)."""
    return page.split("<dt>Instance</dt>", 1)[1].split("</dd>", 1)[0]


def test_the_page_adds_a_second_instance_and_the_oauth_state_finishes_the_instance_it_started_for(
    web_app, fake, fake_b, admin
):
    ends_on_settings(save_credentials(admin, fake.url))
    started = start_connect(admin)
    ends_on_settings(admin.get(authorize(started.location)))
    page = settings_page(admin)
    assert "Add another NinjaOne instance" in page and "NinjaOne instances" not in page  # one: today's page
    assert "Adding another NinjaOne instance" in page_text(admin.get(SETTINGS + "?add=1"))

    ends_on_settings(save_credentials(admin, fake_b.url, add=True))
    rows = _integrations(web_app)
    assert sorted(row.base_url for row in rows.values()) == sorted([fake.url, fake_b.url])
    alpha = next(row for row in rows.values() if row.base_url == fake.url)
    beta = next(row for row in rows.values() if row.base_url == fake_b.url)
    page = settings_page(admin)
    assert "NinjaOne instances" in page and alpha.name in page and beta.name in page
    assert fake_b.url in _facts_instance(page)  # the page goes on with the instance just added
    assert page.count(">Not connected</td>") == 1  # B, saved but never connected (not "Disconnected")

    # Connect B, but look at A before NinjaOne sends the browser back: the callback still finishes B.
    started = start_connect(admin, page)
    assert started.location.startswith(fake_b.url), flashed(admin)
    assert fake.url in _facts_instance(page_text(admin.get(SETTINGS + f"?instance={alpha.id}")))
    ends_on_settings(admin.get(authorize(started.location)))
    rows = {row.id: row for row in _integrations(web_app).values()}
    assert rows[alpha.id].status == rows[beta.id].status == "connected"
    assert fake_b.url in _facts_instance(settings_page(admin))

    # Disconnecting on the page disconnects the instance shown, only.
    alpha_page = page_text(admin.get(SETTINGS + f"?instance={alpha.id}"))
    ends_on_settings(admin.post(PREFIX + "/disconnect", data=bound_to(alpha_page)))
    statuses = {row.id: row.status for row in _integrations(web_app).values()}
    assert statuses == {alpha.id: "disconnected", beta.id: "connected"}


def test_the_page_refuses_the_same_url_twice_and_one_instance_past_the_limit(web_app, fake, fake_b, admin):
    ends_on_settings(save_credentials(admin, fake.url))
    again = save_credentials(admin, fake.url, add=True)
    assert again.status_code == 400 and "already has the NinjaOne instance at" in page_text(again)
    web_app.config["NINJAONE_MAX_INSTANCES_PER_TENANT"] = 1
    assert "Add another NinjaOne instance" not in settings_page(admin)
    refused = save_credentials(admin, fake_b.url, add=True)
    assert refused.status_code == 400 and "NINJAONE_MAX_INSTANCES_PER_TENANT" in page_text(refused)
    assert [row.base_url for row in _integrations(web_app).values()] == [fake.url]


def test_only_managers_add_instances_and_nobody_picks_another_tenants(web_app, fake, admin, login):
    ends_on_settings(save_credentials(admin, fake.url))
    assert login("viewer").get(SETTINGS + "?add=1").status_code == 403
    with tenant_db(web_app, "globex") as session:
        assert not session.scalars(select(Integration)).all()
    globex_admin = login("admin", tenant="globex")
    acme_id = next(iter(_integrations(web_app).values())).id
    assert globex_admin.get(SETTINGS + f"?instance={acme_id}").status_code == 404


def test_an_instance_url_another_tenant_uses_is_its_own_integration_for_each(web_app, cli, fake, fake_b):
    """Two workspaces may use the same NinjaOne instance (one region serves many MSPs): acme adding the
    URL globex uses gets an integration of its own (its own receiver id, devices and mappings), and
    neither workspace sees, counts or is refused because of the other's."""
    ok(cli("connect", "--tenant", "globex", "--client-id", DEMO_ID, "--client-secret", DEMO_SECRET,
           "--base-url", fake_b.url))  # fmt: skip
    ok(cli("map", "--tenant", "globex", "--all", "--create-missing-clients"))
    ok(cli("sync", "--tenant", "globex", "--full", "--wait"))
    ok(connect(cli, fake.url, "--name", "alpha"))
    ok(connect(cli, fake_b.url, "--add", "--name", "beta"))  # globex's URL: not refused for acme
    ok(cli("map", "--tenant", "acme", "--instance", "beta", "--all", "--create-missing-clients"))
    ok(cli("sync", "--tenant", "acme", "--instance", "beta", "--full", "--wait"))
    acme = _integrations(web_app)
    with tenant_db(web_app, "globex") as session:
        (globex,) = session.scalars(select(Integration)).all()
        globex_devices = session.scalar(select(func.count()).select_from(Device))
        session.expunge_all()
    assert set(acme) == {"alpha", "beta"} and acme["beta"].base_url == globex.base_url == fake_b.url
    assert acme["beta"].id != globex.id and acme["beta"].public_id != globex.public_id
    with tenant_db(web_app) as session:
        beta_devices = session.scalar(select(func.count()).select_from(Device).where(
            Device.integration_id == acme["beta"].id))  # fmt: skip
    assert beta_devices == globex_devices > 0  # the same fleet, synced twice: once per workspace
    listed = json_of(cli("status", "--tenant", "globex", "--json"))
    assert listed["instance_url"] == fake_b.url and "instances" not in listed  # globex still has one
