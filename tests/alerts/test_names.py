"""Names, not ids or enums: the rules list, the alerts pages and the dry run name people,
organizations and NinjaOne's enum values the way a technician says them."""

from __future__ import annotations

import pytest

from flask_ninjaone.alerts.catalog import ACTIVITY_TYPES, CONDITION_STATUS_CODES, NODE_CLASSES, SEVERITIES
from flask_ninjaone.enum_labels import enum_label
from flask_ninjaone.models import OrganizationMapping
from sample_host.database import db
from sample_host.models import User
from tests.alerts.conftest import World
from tests.alerts.test_pages import PREFIX, _login


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
