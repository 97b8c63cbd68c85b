"""Locations → sites and node roles/classes → asset types, end to end: the fake NinjaOne over real
HTTP → the mappings → a sync (or one device's re-read, as a webhook does) → the sample host."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from flask_ninjaone import tenant_scope
from flask_ninjaone.connection.api_client import client_for
from flask_ninjaone.host import FieldChoice
from flask_ninjaone.models import DeviceTypeRule, Integration, LocationSite, MatchKind, OrganizationMapping
from flask_ninjaone.organizations import client_mapping, device_types, sites
from flask_ninjaone.organizations.client_mapping import MappingError, UnknownOrganization
from flask_ninjaone.state import get_state
from flask_ninjaone.sync.asset_records import content_hash, payload_target_hash, to_asset_record
from flask_ninjaone.sync.engine import sync_one_device
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.testing.connect import connect_tenant
from flask_ninjaone.testing.fake_ninjaone.node_roles import role_id_for
from flask_ninjaone.testing.relay import WebhookRelay
from sample_host.database import db
from sample_host.models import Asset, Site
from tests.support.sync_checks import fake_devices, ninja_assets


def _integration(integration_id: int) -> Integration:
    integration = db.session.get(Integration, integration_id)
    assert integration is not None
    return integration


def _org_with_two_locations(fake) -> tuple[int, int, int]:
    """An organization of the fake with a device, and two of its locations (a second one added)."""
    device = fake_devices(fake)[0]
    organization = device["organizationId"]
    first = device["locationId"]
    second = fake.state.add_location(organization, "Harbour Depot")["id"]
    return organization, first, second


def _asset(tenant_id: str, device_id: int) -> Asset:
    db.session.expire_all()
    return next(a for a in ninja_assets(tenant_id) if a.external_id == str(device_id))


def test_a_mapped_location_puts_its_devices_on_the_site_and_a_move_moves_them(acme, fake):
    tenant, integration_id = acme
    organization, first, second = _org_with_two_locations(fake)
    run_sync(integration_id)  # learns the new location
    integration = _integration(integration_id)
    site = sites.create_site_for(db.session, integration, organization, first)
    on_first = [d["id"] for d in fake_devices(fake) if d["locationId"] == first]
    elsewhere = [
        d["id"]
        for d in fake_devices(fake)
        if d["organizationId"] == organization and d["locationId"] != first
    ]
    run = run_sync(integration_id)
    assert run.state == "succeeded", run.error
    assert run.counts["updated"] == len(on_first)
    assert {_asset(tenant.id, device_id).site_id for device_id in on_first} == {int(site.id)}
    assert {_asset(tenant.id, device_id).site_id for device_id in elsewhere} <= {None}

    # The device moves to the other (unmapped) location: the next sync puts it on the client, no site.
    mover = on_first[0]
    fake.state.move_device(mover, organization, second)
    run_sync(integration_id)
    assert _asset(tenant.id, mover).site_id is None
    assert _asset(tenant.id, mover).location == "Harbour Depot"

    # Mapped back by a webhook's re-read of the one device: the site follows the location.
    other = sites.create_site_for(db.session, _integration(integration_id), organization, second)
    assert (
        sync_one_device(db.session, _integration(integration_id), _client(integration_id), mover) == "synced"
    )
    assert _asset(tenant.id, mover).site_id == int(other.id)
    fake.state.move_device(mover, organization, first)
    assert (
        sync_one_device(db.session, _integration(integration_id), _client(integration_id), mover) == "synced"
    )
    assert _asset(tenant.id, mover).site_id == int(site.id)


def _client(integration_id: int):
    return client_for(_integration(integration_id))


def test_site_suggestions_use_the_normalized_name_and_unmapping_clears_the_site(acme, fake):
    tenant, integration_id = acme
    organization, first, _ = _org_with_two_locations(fake)
    run_sync(integration_id)
    integration = _integration(integration_id)
    row = db.session.scalars(
        select(OrganizationMapping).where(OrganizationMapping.organization_id == organization)
    ).one()
    name = next(loc["name"] for loc in row.locations if loc["id"] == first)
    db.session.add(
        Site(tenant_id=int(tenant.id), client_id=int(row.host_client_id), name=f"  {name.upper()}, Inc. ")
    )
    db.session.commit()
    page = sites.organization_sites(db.session, integration, organization)
    (view,) = [view for view in page.locations if view.location_id == first]
    assert view.site is None and view.suggestion is not None
    sites.map_location(db.session, integration, organization, first, view.suggestion.id)
    run_sync(integration_id)
    device_id = next(d["id"] for d in fake_devices(fake) if d["locationId"] == first)
    assert _asset(tenant.id, device_id).site_id == int(view.suggestion.id)
    sites.map_location(db.session, integration, organization, first, None)
    run_sync(integration_id)
    assert _asset(tenant.id, device_id).site_id is None


def test_bad_site_input_is_refused_and_changes_nothing(acme, fake):
    tenant, integration_id = acme
    organization, first, _ = _org_with_two_locations(fake)
    run_sync(integration_id)
    integration = _integration(integration_id)
    rows = db.session.scalars(select(OrganizationMapping).order_by(OrganizationMapping.organization_id)).all()
    other_org = next(row for row in rows if row.organization_id != organization and row.locations)
    foreign_location = other_org.locations[0]["id"]
    other_client_site = get_state().host.create_site(tenant.id, other_org.host_client_id, "Elsewhere")
    db.session.commit()
    # A location of another organization.
    with pytest.raises(sites.UnknownLocation):
        sites.map_location(db.session, integration, organization, foreign_location, None)
    # A site id the host does not know, another client's site, and ids at and past the size limit.
    for bad in ("999999", other_client_site.id, "9" * sites.SITE_ID_MAX, "9" * (sites.SITE_ID_MAX + 1), ""):
        with pytest.raises(MappingError):
            sites.map_location(db.session, integration, organization, first, bad)
    # An organization this connection does not have (another tenant's ids are just that).
    with pytest.raises(UnknownOrganization):
        sites.map_location(db.session, integration, 987_654, first, None)
    assert db.session.scalar(select(func.count(LocationSite.id))) == 0


def test_an_unmapped_organization_has_no_sites_page(acme, fake):
    _, integration_id = acme
    integration = _integration(integration_id)
    row = db.session.scalars(select(OrganizationMapping)).first()
    client_mapping.map_organization(db.session, integration, row.organization_id, None, auto_sync=True)
    with pytest.raises(MappingError, match="Map .* to a client first"):
        sites.organization_sites(db.session, integration, row.organization_id)


# -- device types -------------------------------------------------------------------------------------------


def test_a_type_rule_rewrites_the_devices_it_moves_though_their_payloads_did_not_change(
    acme,
    fake,
    device_loads,
):
    tenant, integration_id = acme
    run_sync(integration_id)
    integration = _integration(integration_id)
    servers = {d["id"] for d in fake_devices(fake) if d["nodeClass"] == "WINDOWS_SERVER"}
    assert servers
    device_types.save_rule(
        db.session, integration, organization_id=0, kind=MatchKind.ROLE,
        value=str(role_id_for("WINDOWS_SERVER")), host_asset_type="firewall",
    )  # fmt: skip
    device_loads.clear()
    fake.state.reset_counters()
    run = run_sync(integration_id)
    assert set(device_loads) == servers and run.counts["updated"] == len(servers)
    # The rules cost the sync no request: roles are read by the page and when a role rule is saved.
    counts = fake.state.request_counts()
    assert "GET /v2/noderole/list" not in counts and counts["GET /v2/devices-detailed"] == 1
    assert {_asset(tenant.id, device_id).asset_type for device_id in servers} == {"firewall"}

    # An organization's class rule overrides the tenant-wide role rule for that organization only.
    server = next(d for d in fake_devices(fake) if d["id"] in servers)
    device_types.save_rule(
        db.session, integration, organization_id=server["organizationId"], kind=MatchKind.NODE_CLASS,
        value="windows_server", host_asset_type="laptop",
    )  # fmt: skip
    run_sync(integration_id)
    for device_id in servers:
        device = fake.state.require_device(device_id)
        wanted = "laptop" if device["organizationId"] == server["organizationId"] else "firewall"
        assert _asset(tenant.id, device_id).asset_type == wanted

    # Without rules the class default comes back, on the next sync.
    for rule in device_types.rules(db.session, integration):
        device_types.delete_rule(db.session, integration, rule.id)
    device_loads.clear()
    run_sync(integration_id)
    assert set(device_loads) == servers
    assert {_asset(tenant.id, device_id).asset_type for device_id in servers} == {"server"}


def test_a_custom_role_maps_its_devices(acme, fake):
    tenant, integration_id = acme
    server = next(d for d in fake_devices(fake) if d["nodeClass"] == "WINDOWS_SERVER")
    role = fake.state.add_node_role("SQL Server", role_id_for("WINDOWS_SERVER"))
    fake.state.update_device(server["id"], {"nodeRoleId": role["id"]})
    device_types.save_rule(
        db.session, _integration(integration_id), organization_id=0, kind=MatchKind.ROLE,
        value=str(role["id"]), host_asset_type="other",
    )  # fmt: skip
    run_sync(integration_id)
    assert _asset(tenant.id, server["id"]).asset_type == "other"


@pytest.mark.parametrize(
    ("kind", "value", "host_type", "message"),
    [
        (MatchKind.ROLE, "424242", "server", "lists no node role 424242"),  # a role NinjaOne does not list
        (MatchKind.ROLE, "1" * 19, "server", "not a NinjaOne node role id"),  # past a 64-bit id
        (MatchKind.ROLE, "-3", "server", "not a NinjaOne node role id"),
        (MatchKind.NODE_CLASS, "TOASTER", "server", "not a NinjaOne node class"),
        (MatchKind.NODE_CLASS, "X" * 5000, "server", "not a NinjaOne node class"),
        (MatchKind.NODE_CLASS, "WINDOWS_SERVER", "spaceship", "not one of this application's asset types"),
        (MatchKind.NODE_CLASS, "WINDOWS_SERVER", "s" * 65, "not one of this application's asset types"),
        ("colour", "red", "server", "matches a node role or a node class"),
    ],
)
def test_bad_type_rules_are_refused_and_change_nothing(acme, fake, kind, value, host_type, message):
    _, integration_id = acme
    with pytest.raises(MappingError, match=message):
        device_types.save_rule(
            db.session, _integration(integration_id), organization_id=0, kind=kind, value=value,
            host_asset_type=host_type,
        )  # fmt: skip
    assert db.session.scalar(select(func.count(DeviceTypeRule.id))) == 0


def test_an_override_for_an_organization_of_no_connection_is_refused(acme, fake):
    _, integration_id = acme
    with pytest.raises(MappingError, match="No NinjaOne organization 987654"):
        device_types.save_rule(
            db.session, _integration(integration_id), organization_id=987_654, kind=MatchKind.NODE_CLASS,
            value="MAC", host_asset_type="laptop",
        )  # fmt: skip
    with pytest.raises(device_types.UnknownRule):
        device_types.delete_rule(db.session, _integration(integration_id), 987_654)


def test_a_type_the_host_no_longer_lists_is_not_sent(acme, fake, monkeypatch):
    tenant, integration_id = acme
    integration = _integration(integration_id)
    device_types.save_rule(
        db.session, integration, organization_id=0, kind=MatchKind.NODE_CLASS, value="MAC",
        host_asset_type="laptop",
    )  # fmt: skip
    host = get_state().host
    monkeypatch.setattr(host, "asset_types", lambda tenant_id: [FieldChoice("server", "Server")])
    assert device_types.type_table(db.session, integration).rules == {}
    monkeypatch.setattr(host, "asset_types", lambda tenant_id: None)
    assert device_types.type_table(db.session, integration).rules == {}


def test_type_table_precedence() -> None:
    table = device_types.TypeTable(
        {
            (0, "class", "WINDOWS_SERVER"): "server",
            (0, "role", "5001"): "database",
            (7, "class", "WINDOWS_SERVER"): "org-server",
            (7, "role", "5001"): "org-database",
        }
    )
    assert table.resolve(7, 5001, "WINDOWS_SERVER") == "org-database"
    assert table.resolve(7, 1002, "WINDOWS_SERVER") == "org-server"
    assert table.resolve(8, 5001, "WINDOWS_SERVER") == "database"
    assert table.resolve(8, 1002, "windows_server ") == "server"
    assert table.resolve(8, 1002, "MAC") is None
    # Raw payload oddities match nothing rather than raising.
    assert table.resolve("7", "5001", None) is None
    assert table.resolve(None, True, 5) is None
    assert device_types.TypeTable().resolve(7, 5001, "MAC") is None


def test_the_fingerprints_include_the_site_and_the_mapped_type() -> None:
    device = {"id": 1, "nodeClass": "WINDOWS_SERVER", "systemName": "srv"}
    base = {"client_id": "1", "host_asset_id": None, "location_name": None, "ninjaone_url": None}
    plain = to_asset_record(device, **base)
    typed = to_asset_record(device, **base, host_asset_type="firewall")
    sited = to_asset_record(device, **base, site_id="4")
    hashes = {content_hash(r, organization_id=1, location_id=2) for r in (plain, typed, sited)}
    assert len(hashes) == 3
    target = {"client_id": "1", "location_name": None, "base_url": "https://x", "pending_synced": False}
    fingerprints = {
        payload_target_hash("p", **target),
        payload_target_hash("p", **target, site_id="4"),
        payload_target_hash("p", **target, host_asset_type="firewall"),
    }
    assert len(fingerprints) == 3


def test_cli_devices_json_rows_carry_the_site_and_the_asset_type(acme, fake, app):
    tenant, integration_id = acme
    organization, first, _ = _org_with_two_locations(fake)
    run_sync(integration_id)
    integration = _integration(integration_id)
    site = sites.create_site_for(db.session, integration, organization, first)
    device = next(d for d in fake_devices(fake) if d["locationId"] == first)
    device_types.save_rule(
        db.session, integration, organization_id=0, kind=MatchKind.NODE_CLASS, value=device["nodeClass"],
        host_asset_type="firewall",
    )  # fmt: skip
    run_sync(integration_id)
    listed = app.test_cli_runner().invoke(args=["ninjaone", "devices", "--tenant", "acme", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {row["device_id"]: row for row in json.loads(listed.output)}
    row = rows[device["id"]]
    assert (row["site_id"], row["site"], row["asset_type"]) == (site.id, site.name, "firewall")
    assert (row["location_id"], row["node_class"], row["node_role_id"]) == (
        first,
        device["nodeClass"],
        device["nodeRoleId"],
    )
    assert row["location"]
    elsewhere = [r for r in rows.values() if r["location_id"] != first]
    assert elsewhere and {r["site"] for r in elsewhere} == {None}


def test_the_rule_count_is_bounded(acme, fake, monkeypatch):
    _, integration_id = acme
    integration = _integration(integration_id)
    monkeypatch.setattr(device_types, "MAX_RULES", 2)
    for node_class in ("MAC", "LINUX_SERVER"):
        device_types.save_rule(
            db.session, integration, organization_id=0, kind=MatchKind.NODE_CLASS, value=node_class,
            host_asset_type="server",
        )  # fmt: skip
    # At the limit, changing an existing rule's type still works; a new rule is refused.
    device_types.save_rule(
        db.session,
        integration,
        organization_id=0,
        kind=MatchKind.NODE_CLASS,
        value="MAC",
        host_asset_type="laptop",
    )
    with pytest.raises(MappingError, match="at most 2"):
        device_types.save_rule(
            db.session, integration, organization_id=0, kind=MatchKind.NODE_CLASS, value="ANDROID",
            host_asset_type="mobile",
        )  # fmt: skip
    assert sorted(
        (r.match_value, r.host_asset_type) for r in device_types.rules(db.session, integration)
    ) == [
        ("LINUX_SERVER", "server"),
        ("MAC", "laptop"),
    ]


def test_a_device_moving_location_moves_site_through_its_webhook(app, fake):
    """NinjaOne's NODE_UPDATED delivery, through the receiver: the device is re-read and its asset
    lands on the new location's site (and on no site when the location has none)."""
    assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    organization, first, second = _org_with_two_locations(fake)
    relay = WebhookRelay(fake.state)  # the webhook the connection registers delivers into the relay
    connected = connect_tenant(fake.url, "acme")
    with tenant_scope(connected.tenant.id):
        site = sites.create_site_for(db.session, _integration(connected.integration_id), organization, second)
        mover = next(d["id"] for d in fake_devices(fake) if d["locationId"] == first)
        relay.discard()
        fake.state.move_device(mover, organization, second)
        with app.test_client() as client:
            responses = relay.deliver(client)
        assert responses and {response.status_code for response in responses} == {202}
        assert _asset(connected.tenant.id, mover).site_id == int(site.id)
        fake.state.move_device(mover, organization, first)
        with app.test_client() as client:
            assert {response.status_code for response in relay.deliver(client)} == {202}
        assert _asset(connected.tenant.id, mover).site_id is None
