"""Rules people can write: the rule form's pickers come from the catalog, this tenant's alerts and
the host (``HostAdapter.ticket_field_choices``), with the free-text fields as the fallback."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from flask_ninjaone.host import FieldChoice
from flask_ninjaone.models import AlertRule, OrganizationMapping
from flask_ninjaone.state import get_state
from sample_host.database import db
from sample_host.models import User
from tests.support.alert_pages import FORM, PREFIX, _login
from tests.support.alerts_world import World
from tests.support.rule_tests import run_rule_test


def _form(world: World) -> str:
    return _login(world.app, "admin@acme.test").get(PREFIX + "/rules/new").get_data(as_text=True)


def test_conditions_come_from_the_catalog_and_this_tenants_alerts_with_counts(world: World) -> None:
    world.trigger(world.device(0).device_id, condition="disk")
    world.trigger(world.device(1).device_id, condition="disk")
    world.trigger(world.device(2).device_id, condition="cpu")
    body = _form(world)
    select = body[body.index('name="conditions"') : body.index("</select>", body.index('name="conditions"'))]
    assert (
        "data-ninjaone-multiselect"
        in body[body.index('id="conditions"') - 200 : body.index('id="conditions"') + 200]
    )
    assert re.search(r'value="agent_cond_disk_free_space_le"[^>]*>Disk free space at or below a threshold '
                     r"\(agent_cond_disk_free_space_le\) — 2 alerts<", select)  # fmt: skip
    assert "— 1 alert<" in select  # the cpu condition, seen once
    assert 'value="agent_cond_eventlog2"' in select  # from the catalog, never seen here
    assert 'label="Conditions of your policies"' in select  # seen condition uids, by their source name
    assert "multiselect.js" in body


def test_a_picked_and_a_typed_condition_are_saved_and_shown_again(world: World) -> None:
    client = _login(world.app, "admin@acme.test")
    data = {
        **FORM,
        "name": "Disk",
        "conditions": ["agent_cond_disk_free_space_le"],
        "other_conditions": "My check",
    }
    assert client.post(PREFIX + "/rules/new", data=data).status_code == 302
    with world.scope() as session:
        rule = session.scalars(select(AlertRule)).one()
        assert rule.conditions["conditions"] == ["agent_cond_disk_free_space_le", "My check"]
        rule_id = rule.id
    edit = client.get(PREFIX + f"/rules/{rule_id}/edit").get_data(as_text=True)
    assert re.search(
        r'selected value="agent_cond_disk_free_space_le"|value="agent_cond_disk_free_space_le" selected', edit
    )
    assert re.search(r'<textarea[^>]*name="other_conditions"[^>]*>\s*My check</textarea>', edit)


def test_boards_and_priority_labels_come_from_the_host(world: World) -> None:
    body = _form(world)
    assert re.search(r'<select[^>]*name="board"', body)
    assert '<option value="Projects">Projects</option>' in body
    assert ">P1 – Urgent</option>" in body
    client = _login(world.app, "admin@acme.test")
    assert (
        client.post(PREFIX + "/rules/new", data={**FORM, "name": "R", "board": "Projects"}).status_code == 302
    )
    refused = client.post(PREFIX + "/rules/new", data={**FORM, "name": "S", "board": "Nowhere"})
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    "answer",
    [
        None,
        [],
        "Service Desk",
        [("Alerts", "Alerts")],
        [FieldChoice("", "Empty")],
        [FieldChoice("x" * 65, "Long")],
    ],
)
def test_without_usable_host_choices_the_board_is_free_text(
    world: World, monkeypatch: pytest.MonkeyPatch, answer: object
) -> None:
    with world.app.app_context():
        host = get_state().host
    monkeypatch.setattr(type(host), "ticket_field_choices", lambda self, tenant_id, field: answer)
    body = _form(world)
    assert re.search(r'<input[^>]*name="board"[^>]*type="text"|<input[^>]*type="text"[^>]*name="board"', body)
    assert ">P1 – Urgent<" not in body and ">Urgent</option>" in body
    client = _login(world.app, "admin@acme.test")
    assert (
        client.post(PREFIX + "/rules/new", data={**FORM, "name": "Free", "board": "Anything"}).status_code
        == 302
    )


def test_a_rules_board_the_host_no_longer_lists_stays_selectable(world: World) -> None:
    rule_id = world.add_rule("Old board", actions={"board": "Retired board"})
    client = _login(world.app, "admin@acme.test")
    edit = client.get(PREFIX + f"/rules/{rule_id}/edit").get_data(as_text=True)
    assert "Retired board (no longer listed)" in edit
    saved = client.post(
        PREFIX + f"/rules/{rule_id}/edit", data={**FORM, "name": "Old board", "board": "Retired board"}
    )
    assert saved.status_code == 302


def test_the_dry_run_shows_each_alerts_fields_and_the_clause_that_failed(world: World) -> None:
    device = world.device(0)
    world.trigger(device.device_id, severity="MINOR", condition="disk")
    rule_id = world.add_rule("Critical only", conditions={"severities": ["CRITICAL"]})
    body = run_rule_test(_login(world.app, "admin@acme.test"), world.app, rule_id)
    row = body[body.index('data-failed="severity"') :]
    row = row[: row.index("</tr>")]
    assert "agent_cond_disk_free_space_le" in row  # the condition's code
    assert "Disk C: free space" in row  # the message
    assert "Minor" in row and "Condition / Triggered" in row
    assert device.name in row
    assert re.search(r'<dt class="ninjaone-dry-run__why--no" data-failed-field>Severity</dt>', row)
    assert "no match: severity Minor is not one of Critical" in row
    with world.scope() as session:
        org_name = session.scalar(
            select(OrganizationMapping.name).where(
                OrganizationMapping.organization_id == device.organization_id
            )
        )
    assert org_name in row


def test_the_dry_run_and_the_list_name_people_and_conditions(world: World) -> None:
    with world.app.app_context():
        tomas = str(db.session.scalar(select(User.id).where(User.name == "Tomás Reyes")))
        db.session.remove()
    world.trigger(world.device(0).device_id, condition="disk")
    rule_id = world.add_rule(
        "Disk", conditions={"conditions": ["agent_cond_disk_free_space_le"]}, actions={"assignee_id": tomas}
    )
    client = _login(world.app, "admin@acme.test")
    body = run_rule_test(client, world.app, rule_id)
    assert "assignee Tomás Reyes" in body and f"assignee user {tomas}" not in body
    assert "<dd>Disk free space at or below a threshold" in body
    listing = client.get(PREFIX + "/rules/").get_data(as_text=True)
    assert "condition: Disk free space at or below a threshold" in listing
