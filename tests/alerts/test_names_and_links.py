"""Names, not ids or enums: the rules list, the alerts pages and the dry run name people,
organizations and NinjaOne's enum values the way a technician says them."""

from __future__ import annotations

import pytest

from flask_ninjaone.alerts.catalog import ACTIVITY_TYPES, CONDITION_STATUS_CODES, NODE_CLASSES, SEVERITIES
from flask_ninjaone.enum_labels import enum_label
from flask_ninjaone.models import AlertRule, Device, OrganizationMapping, WebhookDelivery
from sample_host.database import db
from sample_host.models import User
from tests.support.alert_pages import FORM, HOSTILE, PREFIX, _login
from tests.support.alerts_world import World


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("WINDOWS_WORKSTATION", "Windows workstation"),
        ("UNHEALTHY", "Unhealthy"),
        ("NEEDS_ATTENTION", "Needs attention"),
        ("CRITICAL", "Critical"),
        ("VMWARE_VM_GUEST", "VMware virtual machine"),
        ("APPLE_IOS", "Apple iOS"),
        ("NINJA_REMOTE", "NinjaOne Remote"),
        ("SOMETHING_NEW", "Something new"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_enum_labels(value: str | None, label: str) -> None:
    assert enum_label(value) == label


def test_every_catalog_value_has_a_readable_label() -> None:
    """No label shouts or keeps an underscore, and "Ninja" is always "NinjaOne"."""
    for value in (*SEVERITIES, *ACTIVITY_TYPES, *CONDITION_STATUS_CODES, *NODE_CLASSES):
        label = enum_label(value)
        assert "_" not in label and (label != value or value in ("RDP", "PSA", "MDM")), value
        assert "Ninja" not in label or "NinjaOne" in label, label


def _tomas(world: World) -> str:
    with world.app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.name == "Tomás Reyes"))
        db.session.remove()
    return str(user_id)


def test_rules_list_names_people_organizations_and_classes(world: World) -> None:
    tomas = _tomas(world)
    device = world.device(0)
    with world.scope() as session:
        org_name = session.scalar(
            db.select(OrganizationMapping.name).where(
                OrganizationMapping.organization_id == device.organization_id
            )
        )
    world.add_rule(
        "Servers",
        conditions={
            "severities": ["CRITICAL", "MAJOR"],
            "organization_ids": [device.organization_id],
            "device_classes": ["WINDOWS_WORKSTATION"],
        },
        actions={"assignee_id": tomas, "notify_user_ids": [tomas]},
    )
    body = _login(world.app, "admin@acme.test").get(PREFIX + "/rules/").get_data(as_text=True)
    assert "assignee Tomás Reyes" in body and "notify Tomás Reyes" in body
    assert f"assignee {tomas}" not in body
    assert f"organization: {org_name}" in body
    assert "device class: Windows workstation" in body and "WINDOWS_WORKSTATION" not in body
    assert "severity: Major, Critical" in body


def test_alert_pages_show_labels_not_enums(world: World) -> None:
    world.add_rule("Catch-all", catch_all=True)
    uid = world.trigger(world.device(0).device_id, severity="CRITICAL")["alert"]["uid"]
    alert = world.alert(uid)
    client = _login(world.app, "admin@acme.test")
    listing = client.get(PREFIX + "/alerts/").get_data(as_text=True)
    assert ">Critical</span>" in listing and ">CRITICAL<" not in listing
    detail = client.get(PREFIX + f"/alerts/{alert.id}").get_data(as_text=True)
    assert "<dd>Critical" in detail and "<dd>Active" in detail
    assert "Condition / Triggered" in detail


def _row(body: str, alert_id: int) -> str:
    start = body.index(f'data-alert="{alert_id}"')
    return body[start : body.index("</tr>", start)]


def test_create_ticket_is_offered_only_where_no_ticket_exists(world: World) -> None:
    world.add_rule("Quiet", conditions={"severities": ["MINOR"]}, actions={"mode": "record_only"})
    world.add_rule("Catch-all", catch_all=True)
    ticketed = world.alert(world.trigger(world.device(0).device_id, severity="MAJOR")["alert"]["uid"])
    quiet = world.alert(world.trigger(world.device(1).device_id, severity="MINOR")["alert"]["uid"])
    assert ticketed.ticket_id and quiet.ticket_id is None
    client = _login(world.app, "tech@acme.test")
    listing = client.get(PREFIX + "/alerts/").get_data(as_text=True)
    assert "data-create-ticket" in _row(listing, quiet.id)
    assert "data-create-ticket" not in _row(listing, ticketed.id)
    assert "data-create-ticket" in client.get(PREFIX + f"/alerts/{quiet.id}").get_data(as_text=True)
    assert "data-create-ticket" not in client.get(PREFIX + f"/alerts/{ticketed.id}").get_data(as_text=True)
    viewer = _login(world.app, "viewer@acme.test")
    assert "data-create-ticket" not in viewer.get(PREFIX + "/alerts/").get_data(as_text=True)


def test_create_ticket_from_the_list_flashes_a_link_to_the_ticket(world: World) -> None:
    world.add_rule("Quiet", catch_all=True, actions={"mode": "record_only"})
    alert = world.alert(world.trigger(world.device(0).device_id, severity="MINOR")["alert"]["uid"])
    client = _login(world.app, "tech@acme.test")
    response = client.post(
        PREFIX + f"/alerts/{alert.id}/ticket",
        data={"return_to": "list", "integration": alert.integration_id},
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert response.request.path == PREFIX + "/alerts/"
    ticket_id = world.alert(alert.series_uid).ticket_id
    number = world.ticket(ticket_id)["number"]
    assert f'Ticket <a href="/tickets/{ticket_id}">#{number}</a> created.' in body
    assert "data-create-ticket" not in _row(body, alert.id)


def test_inbox_rows_link_to_their_alert_ticket_and_asset(world: World) -> None:
    world.add_rule("Catch-all", catch_all=True)
    device = world.device(0)
    alert = world.alert(world.trigger(device.device_id, severity="MAJOR")["alert"]["uid"])
    with world.scope() as session:
        session.add(
            WebhookDelivery(
                integration_id=world.integration_id, activity_id=987654, activity_type="CONDITION",
                status_code="TRIGGERED", device_id=device.device_id, series_uid=alert.series_uid,
                payload={}, status="done",
            )
        )  # fmt: skip
        session.commit()
    body = _login(world.app, "admin@acme.test").get(PREFIX + "/inbox/").get_data(as_text=True)
    row = body[body.index('data-delivery="') :]
    row = row[: row.index("</tr>")]
    assert f'href="{PREFIX}/alerts/{alert.id}" data-alert-link' in row
    assert f'href="/tickets/{alert.ticket_id}" data-ticket-label' in row
    assert f'href="/assets/{device.host_asset_id}" data-asset-label' in row
    assert "Condition / Triggered" in row


def test_the_saved_rule_flash_links_the_rule_and_escapes_its_name(world: World) -> None:
    client = _login(world.app, "admin@acme.test")
    body = client.post(PREFIX + "/rules/new", data={**FORM, "name": HOSTILE}, follow_redirects=True)
    html = body.get_data(as_text=True)
    with world.scope() as session:
        rule_id = session.scalar(db.select(AlertRule.id))
    assert f'Rule “<a href="{PREFIX}/rules/{rule_id}/edit">&lt;script&gt;' in html
    assert "<script>alert" not in html


def test_the_asset_panel_shows_labels_not_enums(world: World) -> None:
    world.add_rule("Catch-all", catch_all=True)
    device = world.device(0)
    world.trigger(device.device_id, severity="MAJOR")
    html = (
        _login(world.app, "tech@acme.test")
        .get(PREFIX + f"/assets/{device.host_asset_id}/panel")
        .get_data(as_text=True)
    )
    assert ">Major</span>" in html and ">MAJOR<" not in html
    assert '<td data-label="Status">Active' in html
    with world.scope() as session:
        node_class = session.scalar(db.select(Device.node_class).where(Device.device_id == device.device_id))
    assert f" · {enum_label(node_class)}</span>" in html and node_class not in html
