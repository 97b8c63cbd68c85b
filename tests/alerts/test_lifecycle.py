"""The alert lifecycle against the sample host: deliveries in, alerts and tickets out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from flask_ninjaone import signals
from flask_ninjaone.alerts import lifecycle, rule_store
from flask_ninjaone.models import AlertStatus, MappingState, OrganizationMapping
from sample_host import ticketing
from sample_host.database import db
from sample_host.models import Notification, Ticket, User
from tests.support.alerts_world import World


def _user(world: World, email: str = "tech@acme.test") -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


# -- trigger → ticket ------------------------------------------------------------------------------------


def test_trigger_opens_one_ticket_with_the_asset_linked(world: World, catch_all: int) -> None:
    device = world.device()
    result = world.trigger(device.device_id, condition="memory", severity="MAJOR")
    alert = world.alert(result["alert"]["uid"])
    assert alert.status == AlertStatus.ACTIVE
    assert alert.ticket_id and alert.auto_created and alert.occurrence_count == 1
    assert alert.host_asset_id == device.host_asset_id and alert.rule_id == catch_all
    ticket = world.ticket(alert.ticket_id)
    assert ticket["status"] == "open" and ticket["priority"] == "high"
    assert ticket["asset_ids"] == [device.host_asset_id]
    assert ticket["external_ref"] == alert.series_uid
    assert ticket["title"] == (
        f"[NinjaOne Alert] Memory Utilization is greater than or equal to 80% for 5 minutes on {device.name}"
    )
    description = ticket["description"]
    assert "Severity: MAJOR (ticket priority high)" in description
    assert f"/#/deviceDashboard/{device.device_id}/overview" in description
    assert "Client: " in description and "Location: " in description and "Agent: " in description
    assert ticket["client_id"] is not None


def test_repeated_trigger_adds_a_note_and_counts(world: World, catch_all: int) -> None:
    device = world.device()
    first = world.trigger(device.device_id, condition="cpu", source_config_uid="cond-cpu")
    again = world.trigger(device.device_id, condition="cpu", source_config_uid="cond-cpu")
    assert again["alert"]["uid"] == first["alert"]["uid"]  # still active: same series
    alert = world.alert(first["alert"]["uid"])
    assert alert.occurrence_count == 2
    assert len(world.tickets()) == 1
    notes = world.ticket(alert.ticket_id)["notes"]
    assert len(notes) == 1 and "occurrence 2" in notes[0]


def test_the_same_delivery_twice_changes_nothing(world: World, catch_all: int) -> None:
    device = world.device()
    result = world.trigger(device.device_id)
    world.handle(result["activities"][0])
    alert = world.alert(result["alert"]["uid"])
    assert alert.occurrence_count == 1
    assert world.ticket(alert.ticket_id)["notes"] == []


def test_reset_closes_the_ticket(world: World, catch_all: int) -> None:
    result = world.trigger(world.device().device_id)
    uid = result["alert"]["uid"]
    world.reset(uid)
    alert = world.alert(uid)
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == "NinjaOne"
    ticket = world.ticket(alert.ticket_id)
    assert ticket["status"] == "closed"
    assert any("Closed automatically" in note for note in ticket["notes"])
    assert alert.ticket_closed_at is not None


def test_reset_after_a_person_worked_the_ticket_only_adds_a_note(world: World, catch_all: int) -> None:
    result = world.trigger(world.device().device_id)
    uid = result["alert"]["uid"]
    ticket_id = world.alert(uid).ticket_id
    with world.app.app_context():
        ticket = db.session.get(Ticket, int(ticket_id))
        ticketing.add_note(ticket, "Looking into it.", _user(world))
        db.session.commit()
    world.reset(uid)
    ticket = world.ticket(ticket_id)
    assert ticket["status"] == "open"
    assert any("A person worked this ticket" in note for note in ticket["notes"])
    assert world.alert(uid).status == AlertStatus.RESOLVED


def test_rule_can_keep_tickets_open_on_reset(world: World) -> None:
    world.add_rule("Keep open", catch_all=True, actions={"close_on_reset": False})
    result = world.trigger(world.device().device_id)
    world.reset(result["alert"]["uid"])
    ticket = world.ticket(world.alert(result["alert"]["uid"]).ticket_id)
    assert ticket["status"] == "open"
    assert any("rule keeps the ticket open" in note for note in ticket["notes"])


# -- out of order, unknown, unmapped -------------------------------------------------------------------


def test_trigger_arriving_after_its_reset_opens_no_ticket(world: World, catch_all: int) -> None:
    result = world.fake.state.trigger_condition(world.device().device_id, out_of_order=True)
    trigger, reset = result["activities"]
    assert reset["id"] > trigger["id"]
    world.handle(reset)
    world.handle(trigger)
    alert = world.alert(result["alert"]["uid"])
    assert alert.status == AlertStatus.RESOLVED
    assert alert.ticket_id is None and world.tickets() == []
    assert alert.triggered_at is not None and alert.occurrence_count == 1
    assert "before its trigger" in alert.suppressed_reason


def test_reset_for_an_unknown_series_is_recorded(world: World, catch_all: int) -> None:
    device = world.device()
    activity = world.fake.state.record_activity(
        activity_type="CONDITION",
        status_code="RESET",
        device_id=device.device_id,
        series_uid=str(uuid.uuid4()),
        severity="MINOR",
        message="CPU back to normal",
        deliver=False,
    )
    world.handle(activity)
    alert = world.alert(activity["seriesUid"])
    assert alert.status == AlertStatus.RESOLVED and alert.ticket_id is None
    assert world.tickets() == []


def test_unknown_device_records_the_alert_without_asset(world: World, catch_all: int) -> None:
    device = world.device()
    result = world.fake.state.trigger_condition(device.device_id)
    activity = dict(result["activities"][0], deviceId=987654)
    world.handle(activity, expand=False)
    alert = world.alert(activity["seriesUid"])
    assert alert.device_id == 987654 and alert.host_asset_id is None
    assert alert.ticket_id is None
    assert "not synced yet" in alert.suppressed_reason


def test_unknown_device_of_a_mapped_organization_gets_a_ticket_without_asset(
    world: World, catch_all: int
) -> None:
    device = world.device()
    result = world.fake.state.trigger_condition(device.device_id)
    loaded = world.delivery(result["activities"][0])
    loaded["deviceId"] = 987655
    loaded["device"]["id"] = 987655
    with world.scope() as session:
        lifecycle.handle_condition(session, world.integration(session), loaded)
    alert = world.alert(loaded["seriesUid"])
    assert alert.ticket_id and alert.host_asset_id is None
    assert world.ticket(alert.ticket_id)["asset_ids"] == []


def test_unmapped_organization_records_without_ticket(world: World, catch_all: int) -> None:
    device = world.device()
    with world.scope() as session:
        row = session.scalars(
            select(OrganizationMapping).where(OrganizationMapping.organization_id == device.organization_id)
        ).one()
        row.host_client_id = None
        row.state = MappingState.UNMAPPED
        session.commit()
    result = world.trigger(device.device_id)
    alert = world.alert(result["alert"]["uid"])
    assert alert.ticket_id is None
    assert f"Organization {device.organization_id} is not mapped" in alert.suppressed_reason


def test_no_matching_rule_records_only(world: World) -> None:
    world.add_rule("Critical only", conditions={"severities": ["CRITICAL"]})
    result = world.trigger(world.device().device_id, severity="MINOR")
    alert = world.alert(result["alert"]["uid"])
    assert alert.ticket_id is None and alert.rule_id is None
    assert "No alert rule matched" in alert.suppressed_reason


def test_record_only_rule(world: World) -> None:
    rule_id = world.add_rule("Quiet", catch_all=True, actions={"mode": "record_only"})
    result = world.trigger(world.device().device_id)
    alert = world.alert(result["alert"]["uid"])
    assert alert.ticket_id is None and alert.rule_id == rule_id
    assert "records alerts without tickets" in alert.suppressed_reason


def test_rule_actions_shape_the_ticket(world: World) -> None:
    with world.app.app_context():
        tech = _user(world)
        tech_id = str(tech.id)
    world.add_rule(
        "Servers",
        conditions={"severities": ["MINOR"]},
        actions={
            "priority": "urgent",
            "board": "Service Desk",
            "assignee_id": tech_id,
            "notify_user_ids": [tech_id],
        },
    )
    result = world.trigger(world.device().device_id, severity="MINOR")
    ticket = world.ticket(world.alert(result["alert"]["uid"]).ticket_id)
    assert ticket["priority"] == "urgent" and ticket["board"] == "Service Desk"
    assert ticket["assignee_id"] == int(tech_id)

    with world.app.app_context():
        notes = db.session.scalars(select(Notification).where(Notification.user_id == int(tech_id))).all()
        assert len(notes) == 1 and notes[0].subject.startswith("[NinjaOne Alert]")


# -- maintenance, flapping, reopen ------------------------------------------------------------------------


def test_maintenance_window_records_without_ticket(world: World, catch_all: int) -> None:
    device = world.device()
    now = datetime.now(UTC)
    with world.scope() as session:
        rule_store.create_window(
            session,
            {
                "name": "Patch night",
                "device_id": device.device_id,
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(),
            },
        )
    result = world.trigger(device.device_id)
    alert = world.alert(result["alert"]["uid"])
    assert alert.ticket_id is None and "Patch night" in alert.suppressed_reason
    other = world.trigger(world.device(1).device_id)  # another device: not in the window
    assert world.alert(other["alert"]["uid"]).ticket_id


def test_flapping_collapses_into_one_ticket_with_one_note(world: World, catch_all: int) -> None:
    device = world.device()
    uids = []
    for _ in range(6):
        result = world.trigger(device.device_id, source_config_uid="cond-flap")
        uids.append(result["alert"]["uid"])
        world.reset(result["alert"]["uid"])
    assert len(set(uids)) == 6  # every cycle is a new series in NinjaOne
    tickets = world.tickets()
    # Cycles 1-3 follow the rules (each reset closes, no reopen window: new tickets); from the 4th the
    # problem flaps and everything lands on one ticket, which stays open.
    alerts = [world.alert(uid) for uid in uids]
    assert [a.flapping for a in alerts] == [False, False, False, True, True, True]
    assert len({a.ticket_id for a in alerts[3:]}) == 1
    flap_ticket = world.ticket(alerts[3].ticket_id)
    assert flap_ticket["status"] == "open"
    assert sum("Flapping" in note for note in flap_ticket["notes"]) == 1
    assert len(tickets) == 3 + (0 if alerts[3].ticket_id == alerts[2].ticket_id else 1)


def test_reopen_window_reopens_the_closed_ticket(world: World) -> None:
    world.add_rule("Reopen", catch_all=True, actions={"reopen_window_hours": 4})
    device = world.device()
    first = world.trigger(device.device_id, source_config_uid="cond-disk", condition="disk")
    world.reset(first["alert"]["uid"])
    ticket_id = world.alert(first["alert"]["uid"]).ticket_id
    assert world.ticket(ticket_id)["status"] == "closed"
    second = world.trigger(device.device_id, source_config_uid="cond-disk", condition="disk")
    assert second["alert"]["uid"] != first["alert"]["uid"]
    assert world.alert(second["alert"]["uid"]).ticket_id == ticket_id
    ticket = world.ticket(ticket_id)
    assert ticket["status"] == "open" and any("Reopened" in note for note in ticket["notes"])
    assert len(world.tickets()) == 1


def test_without_reopen_window_a_recurrence_opens_a_new_ticket(world: World, catch_all: int) -> None:
    device = world.device()
    first = world.trigger(device.device_id, source_config_uid="cond-disk", condition="disk")
    world.reset(first["alert"]["uid"])
    second = world.trigger(device.device_id, source_config_uid="cond-disk", condition="disk")
    assert world.alert(second["alert"]["uid"]).ticket_id != world.alert(first["alert"]["uid"]).ticket_id
    assert len(world.tickets()) == 2


def test_new_series_joins_the_open_ticket_of_the_same_condition(world: World, catch_all: int) -> None:
    device = world.device()
    first = world.trigger(device.device_id, source_config_uid="cond-x")
    # A second series of the same device + condition while the first is still open (e.g. NinjaOne
    # re-created the alert): it joins the open ticket.
    second = world.fake.state.trigger_condition(
        device.device_id, source_config_uid="cond-y", series_uid=str(uuid.uuid4())
    )
    activity = dict(second["activities"][0], sourceConfigUid="cond-x")
    world.handle(activity)
    assert world.alert(activity["seriesUid"]).ticket_id == world.alert(first["alert"]["uid"]).ticket_id
    assert len(world.tickets()) == 1


# -- acknowledge and signals -------------------------------------------------------------------------------


def test_acknowledged_in_ninjaone(world: World, catch_all: int) -> None:
    device = world.device()
    result = world.trigger(device.device_id)
    uid = result["alert"]["uid"]
    received: list[dict] = []

    def listener(sender, **kwargs):  # noqa: ANN001
        received.append(kwargs)

    ack = world.fake.state.record_activity(
        activity_type="CONDITION",
        status_code="ACKNOWLEDGED",
        device_id=device.device_id,
        series_uid=uid,
        user_id=42,
        deliver=False,
    )
    with signals.alert_acknowledged.connected_to(listener):
        world.handle(ack)
        world.handle(ack)  # a repeat does not signal twice
    alert = world.alert(uid)
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == "NinjaOne user 42"
    assert len(received) == 1 and received[0]["series_uid"] == uid


def test_signals_received_and_resolved(world: World, catch_all: int) -> None:
    got: dict[str, list[dict]] = {"received": [], "resolved": []}

    def on_received(sender, **kwargs):  # noqa: ANN001
        got["received"].append(kwargs)

    def on_resolved(sender, **kwargs):  # noqa: ANN001
        got["resolved"].append(kwargs)

    with signals.alert_received.connected_to(on_received), signals.alert_resolved.connected_to(on_resolved):
        result = world.trigger(world.device().device_id)
        world.reset(result["alert"]["uid"])
    assert len(got["received"]) == 1 and got["received"][0]["new"] is True
    assert got["received"][0]["ticket_id"] is not None
    assert got["received"][0]["tenant_id"] == world.tenant_id
    assert [r["by"] for r in got["resolved"]] == ["NinjaOne"]


def test_activity_without_series_is_ignored(world: World, catch_all: int) -> None:
    with world.scope() as session:
        lifecycle.handle_condition(
            session,
            world.integration(session),
            {
                "id": 1,
                "activityType": "CONDITION",
                "statusCode": "TRIGGERED",
                "deviceId": world.device().device_id,
            },
        )
    assert world.alerts() == []


@pytest.mark.parametrize("message", ["<script>alert('x')</script> naïve ✓ 日本語", "\x00\x07bell"])
def test_hostile_messages_are_stored_and_ticketed_as_text(world: World, catch_all: int, message: str) -> None:
    result = world.trigger(world.device().device_id, message=message)
    alert = world.alert(result["alert"]["uid"])
    assert alert.message == message.replace("\x00", "")  # PostgreSQL cannot store NUL
    ticket = world.ticket(alert.ticket_id)
    assert "\x00" not in ticket["title"] and "\x07" not in ticket["description"]
