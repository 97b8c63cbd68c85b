"""Changing the NinjaOne instance of a tenant, against TWO fake NinjaOnes whose organization and device
ids overlap (both number from 1). Device, organization, alert and activity ids belong to one instance,
so a connected integration refuses another base URL ("disconnect first"); after a disconnect the new
instance starts a new integration row: the old one is retired with its devices' assets marked
inactive, its mappings stay behind, and no asset, mapping or device of instance A is ever attached to
instance B's ids. Tickets keep pointing at the machine they were opened for. Page and CLI paths."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from flask_ninjaone.alerts import rule_store
from flask_ninjaone.connection.connect import tenant_integration
from flask_ninjaone.host import TicketDraft
from flask_ninjaone.models import (
    AlertRule,
    AuditEntry,
    Device,
    Integration,
    MaintenanceWindow,
    MappingState,
    OrganizationMapping,
    SyncRun,
)
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.state import get_state
from flask_ninjaone.sync.runner import run_sync
from sample_host.models import Asset
from tests.support.connection_flow import (
    DEMO_ID,
    DEMO_SECRET,
    PREFIX,
    authorize,
    ends_on_settings,
    flashed,
    page_text,
    save_credentials,
    settings_page,
    start_connect,
    tenant_db,
    tenant_id,
)


@dataclass(frozen=True)
class Machine:
    """What instance A's device looked like in the host when a ticket was opened for it."""

    device_id: int
    asset_id: str
    name: str
    serial: str | None
    ticket_id: str


def _map_and_sync(app: Flask) -> int:
    """Map the current integration's organizations (creating clients) and run a full sync."""
    with tenant_db(app) as session:
        integration = tenant_integration(session)
        assert integration is not None
        mapping.apply_suggestions(session, integration, create_missing=True)
        run = run_sync(integration.id, kind="full", trigger="manual")
        assert run.state == "succeeded", run.error
        return integration.id


def _ticket_for_a_machine(app: Flask, integration_id: int) -> Machine:
    """Open a host ticket linked to the asset of one of the integration's devices."""
    tid = tenant_id(app, "acme")
    with tenant_db(app) as session:
        device = session.scalars(
            select(Device)
            .where(Device.integration_id == integration_id, Device.host_asset_id.is_not(None))
            .order_by(Device.device_id)
        ).first()
        asset = session.get(Asset, int(device.host_asset_id))
        ticket_id = get_state().host.create_ticket(
            tid,
            TicketDraft(
                client_id=str(asset.client_id),
                title="Disk full",
                description="x",
                priority="high",
                asset_ids=(str(asset.id),),
            ),  # fmt: skip
        )
        session.commit()
        return Machine(device.device_id, str(asset.id), asset.name, asset.serial_number, str(ticket_id))


def _assert_instances_not_cross_wired(app: Flask, url_a: str, url_b: str, machine: Machine) -> None:
    tid = tenant_id(app, "acme")
    with tenant_db(app) as session:
        rows = {row.base_url: row for row in session.scalars(select(Integration))}
        assert set(rows) == {url_a, url_b}
        old, new = rows[url_a], rows[url_b]
        assert tenant_integration(session).id == new.id and new.retired_at is None
        assert old.retired_at is not None and old.status == "disconnected" and old.credential is None

        old_devices = list(session.scalars(select(Device).where(Device.integration_id == old.id)))
        new_devices = list(session.scalars(select(Device).where(Device.integration_id == new.id)))
        assert old_devices and new_devices
        # The test means something only if the two instances really share ids.
        assert {d.device_id for d in old_devices} & {d.device_id for d in new_devices}
        assert all(d.retired for d in old_devices)
        old_assets = {d.host_asset_id for d in old_devices if d.host_asset_id}
        new_assets = {d.host_asset_id for d in new_devices if d.host_asset_id}
        assert old_assets and new_assets and not old_assets & new_assets
        # Where the host offered one of A's assets (same NinjaOne id), the sync said why it declined.
        declined = [
            item
            for run in session.scalars(select(SyncRun).where(SyncRun.integration_id == new.id))
            for item in run.conflicts
            if "not_adopted" in item
        ]
        assert declined and all(item["not_adopted"] in old_assets for item in declined)

        # Instance A's assets: kept (tickets point at them), inactive, and saying why.
        for asset in session.scalars(select(Asset).where(Asset.id.in_([int(a) for a in old_assets]))):
            assert asset.status == "inactive"
            assert url_a in asset.inactive_reason and url_b in asset.inactive_reason
        assert get_state().host.asset_device_id(tid, machine.asset_id) is None

        # The ticket still points at the same machine, untouched by instance B's device of that id.
        assert get_state().host.ticket_asset_ids(tid, machine.ticket_id) == [machine.asset_id]
        asset = session.get(Asset, int(machine.asset_id))
        assert (asset.name, asset.serial_number) == (machine.name, machine.serial)

        # Organization mappings were not carried over: B's organizations were mapped on their own,
        # A's rows stayed with A.
        old_orgs = list(
            session.scalars(select(OrganizationMapping).where(OrganizationMapping.integration_id == old.id))
        )
        assert old_orgs and all(org.state == MappingState.MAPPED for org in old_orgs)
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "instance_changed")).one()
        assert audit.detail["from"] == url_a and audit.detail["to"] == url_b


def _new_instance_unmapped(app: Flask, url_b: str) -> None:
    """Right after connecting B: every one of its organizations is unmapped, whatever A had mapped."""
    with tenant_db(app) as session:
        integration = tenant_integration(session)
        assert integration.base_url == url_b
        orgs = list(
            session.scalars(
                select(OrganizationMapping).where(OrganizationMapping.integration_id == integration.id)
            )
        )
        assert len(orgs) == 3
        assert all(org.state == MappingState.UNMAPPED and org.host_client_id is None for org in orgs)


# -- the settings page -----------------------------------------------------------------------------------


def _connect_on_the_page(admin, url: str) -> None:
    started = start_connect(admin)
    assert started.status_code == 302 and started.location.startswith(url), flashed(admin)
    ends_on_settings(admin.get(authorize(started.location)))


def test_page_refuses_another_instance_while_connected_then_starts_a_new_integration(
    web_app, fake, fake_b, admin
):
    ends_on_settings(save_credentials(admin, fake.url))
    _connect_on_the_page(admin, fake.url)
    old_id = _map_and_sync(web_app)
    machine = _ticket_for_a_machine(web_app, old_id)
    assert "disconnect first, then save it" in settings_page(admin)  # said before anyone tries

    # While connected: refused, with the way out, and nothing changed.
    refused = save_credentials(admin, fake_b.url)
    assert refused.status_code == 400
    text = page_text(refused)
    assert "Disconnect" in text and fake.url in text
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert (integration.id, integration.base_url, integration.status) == (old_id, fake.url, "connected")
    assert fake.state.webhooks.configs()  # the webhook at A was not removed behind the admin's back

    # Disconnect, then save the new instance: a new integration; A's assets are marked inactive.
    ends_on_settings(admin.post(PREFIX + "/disconnect"))
    ends_on_settings(save_credentials(admin, fake_b.url))
    assert any("previous NinjaOne instance" in message for message in flashed(admin))
    _connect_on_the_page(admin, fake_b.url)
    _new_instance_unmapped(web_app, fake_b.url)

    _map_and_sync(web_app)
    _assert_instances_not_cross_wired(web_app, fake.url, fake_b.url, machine)


def test_page_new_instance_needs_the_secret_again(web_app, fake, fake_b, admin):
    """An integration that never held an instance's ids may be pointed elsewhere, but the stored secret
    does not silently follow a newly typed URL (it would be sent to that URL)."""
    ends_on_settings(save_credentials(admin, fake.url))
    blank = save_credentials(admin, fake_b.url, client_secret="")
    assert blank.status_code == 400 and "Enter the Client Secret" in page_text(blank)
    ends_on_settings(save_credentials(admin, fake_b.url))
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()  # the same row: it held no identities
        assert integration.base_url == fake_b.url


def test_a_blank_secret_never_goes_to_a_new_url_region_or_client(web_app, fake, fake_b, admin):
    """Same client id, blank secret: a new custom URL, a region or another client id is refused with
    nothing written, and Connect afterwards still talks to the saved instance only: the secret is
    never POSTed to the URL typed without it (issue 14, item 3)."""
    ends_on_settings(save_credentials(admin, fake.url))
    with tenant_db(web_app) as session:
        before = session.scalars(select(Integration)).one()
        saved = (before.base_url, before.region, before.credential.client_id, before.credential.client_secret)
    fake_b.state.reset_counters()
    for change in ({"custom_url": fake_b.url}, {"region": "eu"}, {"client_id": "another-client"}):
        fields = {"client_secret": "", **change}
        refused = save_credentials(admin, change.get("custom_url", fake.url), **fields)
        assert refused.status_code == 400 and "Enter the Client Secret" in page_text(refused), change
    with tenant_db(web_app) as session:
        after = session.scalars(select(Integration)).one()
        assert (after.base_url, after.region, after.credential.client_id,
                after.credential.client_secret) == saved  # fmt: skip
    started = start_connect(admin)
    assert started.status_code == 302 and started.location.startswith(fake.url)
    assert fake_b.state.request_counts() == {}


# -- the CLI ---------------------------------------------------------------------------------------------


def test_cli_refuses_another_instance_while_connected_then_starts_a_new_integration(web_app, fake, fake_b):
    runner = web_app.test_cli_runner()

    def cli(*args: str):
        return runner.invoke(args=["ninjaone", *args])

    def connect(url: str):
        return cli("connect", "--tenant", "acme", "--client-id", DEMO_ID, "--client-secret", DEMO_SECRET,
                   "--base-url", url)  # fmt: skip

    assert connect(fake.url).exit_code == 0
    old_id = _map_and_sync(web_app)
    machine = _ticket_for_a_machine(web_app, old_id)
    with tenant_db(web_app) as session:
        rule_store.create_rule(session, name="Org 1 is urgent", conditions={"organization_ids": [1]},
                               actions={"priority": "urgent"})  # fmt: skip
        rule_store.create_rule(session, name="Everything", conditions={}, actions={}, catch_all=True)
        rule_store.create_window(session, {"name": "Org 2 patch night", "organization_id": 2,
                                           "starts_at": "2030-01-01T00:00:00+00:00",
                                           "ends_at": "2030-01-01T04:00:00+00:00"})  # fmt: skip
        quiet = {"name": "A's quiet night", "starts_at": "2030-01-02T00:00:00+00:00",
                 "ends_at": "2030-01-02T04:00:00+00:00"}  # fmt: skip
        rule_store.create_window(session, quiet, integration_id=tenant_integration(session).id)

    refused = connect(fake_b.url)
    assert refused.exit_code != 0
    assert "flask ninjaone disconnect" in refused.output and fake.url in refused.output
    assert "Traceback" not in refused.output
    assert json.loads(cli("status", "--tenant", "acme", "--json").output)["instance_url"] == fake.url

    assert cli("disconnect", "--tenant", "acme", "--yes").exit_code == 0
    switched = connect(fake_b.url)
    assert switched.exit_code == 0, switched.output
    assert "previous NinjaOne instance" in switched.output
    assert "Org 1 is urgent" in switched.output and "Org 2 patch night" in switched.output
    with tenant_db(web_app) as session:
        # Organization 1 of B is another customer: the rule naming it is off, the catch-all is not;
        # the window for A's organization 2 is gone; A's window naming no id follows the move to B.
        rules = {rule.name: rule.active for rule in session.scalars(select(AlertRule))}
        assert rules == {"Org 1 is urgent": False, "Everything": True}
        windows = {
            window.name: window.integration_id for window in session.scalars(select(MaintenanceWindow))
        }
        assert windows == {"A's quiet night": tenant_integration(session).id}
        # The rule naming A's organization was A's; the move takes it to B (to edit there), and the
        # catch-all stays for every instance.
        scopes = {rule.name: rule.integration_id for rule in session.scalars(select(AlertRule))}
        assert scopes == {"Org 1 is urgent": tenant_integration(session).id, "Everything": None}
        assert tenant_integration(session).id != old_id
    info = json.loads(cli("status", "--tenant", "acme", "--json").output)
    assert info["instance_url"] == fake_b.url and info["device_count"] == 0
    assert info["organizations"]["mapped"] == 0
    _new_instance_unmapped(web_app, fake_b.url)

    assert cli("map", "--tenant", "acme", "--all", "--create-missing-clients").exit_code == 0
    synced = cli("sync", "--tenant", "acme", "--full", "--wait")
    assert synced.exit_code == 0, synced.output
    _assert_instances_not_cross_wired(web_app, fake.url, fake_b.url, machine)

    # Back to A: its own row (its ids, its mappings) comes back; B's is retired in turn.
    assert cli("disconnect", "--tenant", "acme", "--yes").exit_code == 0
    assert connect(fake.url).exit_code == 0
    with tenant_db(web_app) as session:
        current = tenant_integration(session)
        assert current.id == old_id and current.retired_at is None
        assert session.scalars(select(Integration).where(Integration.base_url == fake_b.url)).one().retired_at
    assert cli("sync", "--tenant", "acme", "--full", "--wait").exit_code == 0
    with tenant_db(web_app) as session:
        asset = session.get(Asset, int(machine.asset_id))
        assert asset.status == "active" and (asset.name, asset.serial_number) == (
            machine.name,
            machine.serial,
        )


def test_page_changing_back_before_connecting_the_new_instance_returns_to_the_old_integration(
    web_app, fake, fake_b, admin
):
    """Disconnected from A, B saved (a new, still empty integration), then A saved again: A's own
    integration comes back and B's empty one is dropped (it held nothing)."""
    ends_on_settings(save_credentials(admin, fake.url))
    _connect_on_the_page(admin, fake.url)
    old_id = _map_and_sync(web_app)
    ends_on_settings(admin.post(PREFIX + "/disconnect"))
    ends_on_settings(save_credentials(admin, fake_b.url))
    ends_on_settings(save_credentials(admin, fake.url))
    with tenant_db(web_app) as session:
        rows = list(session.scalars(select(Integration)))
        assert [(row.id, row.base_url, row.retired_at) for row in rows] == [(old_id, fake.url, None)]
        assert tenant_integration(session).credential.client_id == DEMO_ID
    _connect_on_the_page(admin, fake.url)
    with tenant_db(web_app) as session:
        run = run_sync(old_id, kind="full", trigger="manual")
        assert run.state == "succeeded", run.error
        devices = list(session.scalars(select(Device).where(Device.integration_id == old_id)))
        assert devices and not any(device.retired for device in devices)
        statuses = session.scalars(
            select(Asset.status).where(Asset.id.in_([int(d.host_asset_id) for d in devices]))
        ).all()
        assert set(statuses) == {"active"}  # A's own assets, back with A's next full sync


def test_cli_refused_by_the_new_instance_still_says_the_old_one_was_retired(web_app, fake, fake_b):
    """The move is saved before NinjaOne is asked: when the new instance refuses the client, the error
    also says what happened to the old one, rather than leaving it to be discovered."""
    runner = web_app.test_cli_runner()

    def connect(url: str, secret: str = DEMO_SECRET):
        return runner.invoke(args=["ninjaone", "connect", "--tenant", "acme", "--client-id", DEMO_ID,
                                   "--client-secret", secret, "--base-url", url])  # fmt: skip

    assert connect(fake.url).exit_code == 0  # loads A's organizations: the integration holds A's ids
    assert runner.invoke(args=["ninjaone", "disconnect", "--tenant", "acme", "--yes"]).exit_code == 0
    refused = connect(fake_b.url, secret="wrong")
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert "refused the connection" in refused.output and "previous NinjaOne instance" in refused.output
    with tenant_db(web_app) as session:
        assert tenant_integration(session).base_url == fake_b.url
        assert session.scalars(select(Integration).where(Integration.base_url == fake.url)).one().retired_at
    assert connect(fake_b.url).exit_code == 0
