"""The alerts panel, the rules and maintenance pages, and the ``flask ninjaone alerts`` command."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from flask_ninjaone.alerts import rule_store
from flask_ninjaone.models import AlertRule, AlertStatus, AuditEntry, Device, MaintenanceWindow
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from tests.support.alert_pages import FORM, HOSTILE, PREFIX, _login
from tests.support.alerts_world import World
from tests.support.rule_tests import finished, run_rule_test


@pytest.fixture
def stuff(world: World) -> dict:
    """An alert with a ticket, a rule and a maintenance window in acme."""
    rule_id = world.add_rule("Catch-all", catch_all=True)
    result = world.trigger(world.device().device_id, severity="MAJOR")
    alert = world.alert(result["alert"]["uid"])

    with world.scope() as session:
        window = rule_store.create_window(
            session,
            {
                "name": "Weekly",
                "recurrence": "weekly",
                "weekdays": [6],
                "start_time": "01:00",
                "duration_minutes": 60,
            },
        )
        window_id = window.id
    return {
        "alert": alert.id,
        "uid": alert.series_uid,
        "rule": rule_id,
        "window": window_id,
        "ticket": alert.ticket_id,
        "integration": alert.integration_id,
    }


# -- permissions ---------------------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/alerts/", "view"),
    ("GET", "/alerts/?severity=MAJOR&status=all", "view"),
    ("GET", "/alerts/{alert}", "view"),
    ("POST", "/alerts/{alert}/acknowledge", "alerts"),
    ("POST", "/alerts/{alert}/resolve", "alerts"),
    ("POST", "/alerts/{alert}/ticket", "alerts"),
    ("GET", "/rules/", "manage"),
    ("GET", "/rules/new", "manage"),
    ("POST", "/rules/new", "manage"),
    ("GET", "/rules/{rule}/edit", "manage"),
    ("POST", "/rules/{rule}/edit", "manage"),
    ("GET", "/rules/{rule}/test", "manage"),
    ("POST", "/rules/{rule}/toggle", "manage"),
    ("POST", "/rules/{rule}/move/up", "manage"),
    ("POST", "/rules/{rule}/delete", "manage"),
    ("GET", "/rules/maintenance", "manage"),
    ("POST", "/rules/maintenance", "manage"),
    ("POST", "/rules/maintenance/{window}/delete", "manage"),
]
ALLOWED = {
    "admin@acme.test": {"view", "alerts", "manage"},
    "tech@acme.test": {"view", "alerts"},
    "viewer@acme.test": {"view"},
}


@pytest.mark.parametrize(("method", "path", "needs"), ROUTES)
def test_permission_matrix(world: World, stuff: dict, method: str, path: str, needs: str) -> None:
    url = PREFIX + path.format(**stuff)
    posted = {**FORM, "integration": str(stuff["integration"])} if method == "POST" else None
    for email, allowed in ALLOWED.items():
        client = _login(world.app, email)
        response = client.open(url, method=method, data=posted)
        if needs in allowed:
            assert response.status_code in (200, 302), (email, url, response.status_code)
            if response.status_code == 302:
                assert "/login" not in response.headers["Location"]
        else:
            assert response.status_code == 403, (email, url, response.status_code)
    anonymous = _login(world.app, None).open(url, method=method, data=posted)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    other = _login(world.app, "admin@globex.test", "globex").open(url, method=method, data=posted)
    if "{" in path and not path.startswith("/alerts/"):
        assert other.status_code == 404, (url, other.status_code)  # another tenant's ids do not exist
    if path.startswith("/alerts/"):
        # globex never connected: it gets the guide to connect (409 for actions), nothing of ours.
        assert other.status_code == (200 if method == "GET" else 409), (url, other.status_code)
        body = other.get_data(as_text=True)
        assert 'data-ninjaone-empty="not_connected"' in body and stuff["uid"] not in body


def test_other_tenant_sees_nothing_of_ours(world: World, stuff: dict) -> None:
    client = _login(world.app, "admin@globex.test", "globex")
    body = client.get(PREFIX + "/rules/").get_data(as_text=True)
    assert "Catch-all" not in body
    assert client.post(PREFIX + f"/rules/{stuff['rule']}/delete").status_code == 404
    with world.scope() as session:
        assert session.get(AlertRule, stuff["rule"]) is not None


# -- escaping ------------------------------------------------------------------------------------------------


def test_hostile_text_is_escaped_on_every_page(world: World) -> None:
    rule_id = world.add_rule(HOSTILE, catch_all=True, conditions={"message_contains": "<script>"})
    device = world.device()
    with world.scope() as session:
        session.execute(
            Device.__table__.update().where(Device.device_id == device.device_id).values(name=HOSTILE)
        )
        session.commit()
    uid = world.trigger(device.device_id, message=HOSTILE, source_name="<img src=x onerror=alert(1)>")[
        "alert"
    ]["uid"]
    alert_id = world.alert(uid).id

    with world.scope() as session:
        rule_store.create_window(
            session, {"name": HOSTILE, "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z"}
        )
    client = _login(world.app, "admin@acme.test")
    pages = [
        "/alerts/",
        "/alerts/?status=all",
        f"/alerts/{alert_id}",
        "/rules/",
        f"/rules/{rule_id}/edit",
        f"/rules/{rule_id}/test",
        "/rules/maintenance",
        "/alerts/?severity=<script>x</script>",
        "/alerts/?device=<script>x</script>",
    ]
    for page in pages:
        response = client.get(PREFIX + page)
        assert response.status_code == 200, page
        body = response.get_data(as_text=True)
        assert "<script>alert" not in body and "<script>x" not in body and "<img src=x" not in body, page
    detail = client.get(PREFIX + f"/alerts/{alert_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; naïve ✓ 日本語" in detail
    test_page = run_rule_test(client, world.app, rule_id)
    assert "日本語" in test_page and "<script>alert" not in test_page and "<img src=x" not in test_page


# -- CSRF ----------------------------------------------------------------------------------------------------


def _token(body: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', body
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_every_post_needs_a_csrf_token(make_world_app, fake, stuff: dict) -> None:
    app = make_world_app(WTF_CSRF_ENABLED=True)
    client = _login(app, "admin@acme.test")
    for method, path, _needs in ROUTES:
        if method == "POST":
            url = PREFIX + path.format(**stuff)
            assert client.post(url, data=FORM).status_code == 400, url
    page = client.get(PREFIX + f"/alerts/{stuff['alert']}").get_data(as_text=True)
    response = client.post(
        PREFIX + f"/alerts/{stuff['alert']}/acknowledge",
        data={"csrf_token": _token(page), "integration": stuff["integration"]},
    )
    assert response.status_code == 302
    world = World(app, fake)
    assert world.alert(stuff["uid"]).status == AlertStatus.ACKNOWLEDGED


# -- panel actions -------------------------------------------------------------------------------------------


def test_panel_lists_filters_and_reports_bad_filters(world: World, stuff: dict) -> None:
    client = _login(world.app, "viewer@acme.test")
    body = client.get(PREFIX + "/alerts/").get_data(as_text=True)
    assert f'data-alert="{stuff["alert"]}"' in body
    assert "/acknowledge" not in body and "/resolve" not in body  # viewers get no action buttons
    assert f"/tickets/{stuff['ticket']}" in body and "/assets/" in body and "deviceDashboard" in body
    assert f'data-alert="{stuff["alert"]}"' not in client.get(PREFIX + "/alerts/?severity=MINOR").get_data(
        as_text=True
    )
    assert f'data-alert="{stuff["alert"]}"' not in client.get(PREFIX + "/alerts/?status=resolved").get_data(
        as_text=True
    )
    today = datetime.now(UTC).date().isoformat()
    assert f'data-alert="{stuff["alert"]}"' in client.get(
        PREFIX + f"/alerts/?from={today}&to={today}"
    ).get_data(as_text=True)
    for bad in ("severity=HUGE", "status=exploded", "device=abc", "from=yesterday", "client=999", "page=-3"):
        response = client.get(PREFIX + "/alerts/?" + bad)
        assert response.status_code == 200, bad
        assert "data-filter-message" in response.get_data(as_text=True), bad


def test_acknowledge_resolve_with_reset_and_create_ticket(world: World, stuff: dict) -> None:
    client = _login(world.app, "tech@acme.test")
    mine = {"integration": stuff["integration"]}
    assert client.post(PREFIX + f"/alerts/{stuff['alert']}/acknowledge", data=mine).status_code == 302
    alert = world.alert(stuff["uid"])
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == "Tomás Reyes"
    response = client.post(
        PREFIX + f"/alerts/{stuff['alert']}/resolve", data={"reset_in_ninjaone": "y", **mine}
    )
    assert response.status_code == 302
    alert = world.alert(stuff["uid"])
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == "Tomás Reyes"
    assert stuff["uid"] not in {a["uid"] for a in world.fake.state.alerts()}
    assert world.ticket(stuff["ticket"])["status"] == "closed"
    with world.scope() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "alert.resolved")).one()
    again = client.post(PREFIX + f"/alerts/{stuff['alert']}/resolve", data=mine, follow_redirects=True)
    assert "already resolved" in again.get_data(as_text=True)

    quiet = world.add_rule("Quiet", conditions={"severities": ["MINOR"]}, actions={"mode": "record_only"})
    assert quiet
    uid = world.trigger(world.device(1).device_id, severity="MINOR")["alert"]["uid"]
    recorded = world.alert(uid)
    assert recorded.ticket_id is None
    assert client.post(PREFIX + f"/alerts/{recorded.id}/ticket", data=mine).status_code == 302
    recorded = world.alert(uid)
    assert recorded.ticket_id and not recorded.auto_created
    assert world.ticket(recorded.ticket_id)["priority"] == "low"
    second = client.post(PREFIX + f"/alerts/{recorded.id}/ticket", data=mine, follow_redirects=True)
    assert "already has an open ticket" in second.get_data(as_text=True)


def test_resolve_reports_a_ninjaone_failure_and_changes_nothing(world: World, stuff: dict) -> None:
    world.fake.state.faults.inject(
        Fault(path=f"/v2/alert/{stuff['uid']}/reset", kind="server_error", times=3)
    )
    client = _login(world.app, "tech@acme.test")
    response = client.post(
        PREFIX + f"/alerts/{stuff['alert']}/resolve",
        data={"reset_in_ninjaone": "y", "integration": stuff["integration"]},
        follow_redirects=True,
    )
    assert "NinjaOne did not reset the alert" in response.get_data(as_text=True)
    assert world.alert(stuff["uid"]).status == AlertStatus.ACTIVE


def test_unknown_alert_is_404(world: World, stuff: dict) -> None:
    client = _login(world.app, "admin@acme.test")
    assert client.get(PREFIX + "/alerts/999999").status_code == 404
    assert client.post(PREFIX + "/alerts/999999/resolve").status_code == 404


# -- rules pages ---------------------------------------------------------------------------------------------


def test_create_edit_reorder_toggle_delete_rules_with_audit(world: World) -> None:
    client = _login(world.app, "admin@acme.test")
    data = {
        **FORM,
        "name": "Servers critical",
        "severities": ["CRITICAL", "MAJOR"],
        "device_classes": ["WINDOWS_SERVER"],
        "conditions": ["agent_cond_cpu_usage_ge"],
        "other_conditions": "205b85b2-8a12-4123-834f-164be08b3314",
        "role_ids": "9, 10",
        "message_regex": r"\d+%",
        "priority": "urgent",
        "reopen_window_hours": "4",
        "close_on_reset": "y",
    }
    assert client.post(PREFIX + "/rules/new", data=data).status_code == 302
    assert client.post(PREFIX + "/rules/new", data={**FORM, "name": "Second"}).status_code == 302
    with world.scope() as session:
        first, second = session.scalars(select(AlertRule).order_by(AlertRule.position)).all()
        assert first.conditions["severities"] == ["CRITICAL", "MAJOR"]
        assert first.conditions["role_ids"] == [9, 10]
        assert first.conditions["conditions"] == [
            "agent_cond_cpu_usage_ge",
            "205b85b2-8a12-4123-834f-164be08b3314",
        ]
        assert first.actions["priority"] == "urgent" and first.actions["reopen_window_hours"] == 4
        first_id, second_id = first.id, second.id
    listing = client.get(PREFIX + "/rules/").get_data(as_text=True)
    assert listing.index("Servers critical") < listing.index("Second")
    assert client.post(PREFIX + f"/rules/{second_id}/move/up").status_code == 302
    listing = client.get(PREFIX + "/rules/").get_data(as_text=True)
    assert listing.index("Second") < listing.index("Servers critical")
    assert client.post(PREFIX + f"/rules/{second_id}/move/sideways").status_code == 404
    edit = client.get(PREFIX + f"/rules/{first_id}/edit").get_data(as_text=True)
    assert 'value="CRITICAL" selected' in edit or 'selected value="CRITICAL"' in edit
    assert (
        client.post(PREFIX + f"/rules/{first_id}/edit", data={**data, "name": "Renamed"}).status_code == 302
    )
    assert client.post(PREFIX + f"/rules/{first_id}/toggle").status_code == 302
    assert client.post(PREFIX + f"/rules/{second_id}/delete").status_code == 302
    with world.scope() as session:
        rule = session.get(AlertRule, first_id)
        assert rule.name == "Renamed" and rule.active is False
        assert session.get(AlertRule, second_id) is None
        actions = [entry.action for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-6:] == [
        "alert_rule.created",
        "alert_rule.created",
        "alert_rule.moved",
        "alert_rule.updated",
        "alert_rule.deactivated",
        "alert_rule.deleted",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"message_regex": ".{0,999}" * 8 + "XYZ"}, "too complex"),
        ({"message_regex": r"(\w)\1"}, "back-references"),
        ({"message_regex": "[oops"}, "Invalid regular expression"),
        ({"severities": ["LOUD"]}, "not a valid choice"),
        ({"role_ids": "nine"}, "is not a number"),
        ({"name": ""}, "Give the rule a name"),
        ({"reopen_window_hours": "9999"}, "Number must be between"),
        ({"priority": "asap"}, "not a valid choice"),
    ],
)
def test_invalid_rules_are_refused_with_a_message(world: World, changes: dict, message: str) -> None:
    client = _login(world.app, "admin@acme.test")
    response = client.post(PREFIX + "/rules/new", data={**FORM, **changes})
    assert response.status_code == 400
    assert message.lower() in response.get_data(as_text=True).lower()
    with world.scope() as session:
        assert session.scalars(select(AlertRule)).all() == []


def test_dry_run_of_saved_and_unsaved_rules(world: World) -> None:
    world.add_rule("Catch-all", catch_all=True)
    major = world.add_rule("Major", conditions={"severities": ["MAJOR"]})
    world.trigger(world.device(0).device_id, severity="MAJOR")
    world.trigger(world.device(1).device_id, severity="MINOR")
    client = _login(world.app, "admin@acme.test")
    body = run_rule_test(client, world.app, major)
    assert "1 of 2 alert(s) would be handled" in body
    assert "no match: severity Minor" in body
    for limit in ("zillion", "0", "501"):
        refused = client.post(PREFIX + f"/rules/{major}/test", data={"limit": limit})
        assert refused.status_code == 400, limit
        assert "Not a valid integer" in refused.text or "from 1 to 500" in refused.text, limit
    preview = client.post(
        PREFIX + "/rules/new", data={**FORM, "name": "Minor", "severities": ["MINOR"], "preview": "1"}
    )
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "What this rule would do" in text and 'data-state="queued"' in text  # the job follows
    result = finished(client, world.app, preview)
    assert 'data-handles="yes"' in result and 'data-handles="no"' in result and "an unsaved draft" in result
    with world.scope() as session:
        assert len(session.scalars(select(AlertRule)).all()) == 2  # nothing saved


# -- maintenance page ----------------------------------------------------------------------------------------


def test_add_and_delete_maintenance_windows(world: World) -> None:
    client = _login(world.app, "admin@acme.test")
    response = client.post(
        PREFIX + "/rules/maintenance",
        data={
            **FORM,
            "name": "Berlin night",
            "timezone": "Europe/Berlin",
            "starts_at": "2030-06-01T22:00",
            "ends_at": "2030-06-02T02:00",
        },
    )
    assert response.status_code == 302
    weekly = {
        **FORM,
        "name": "Sundays",
        "recurrence": "weekly",
        "weekdays": ["6"],
        "start_time": "03:00",
        "duration_minutes": "120",
    }
    assert client.post(PREFIX + "/rules/maintenance", data=weekly).status_code == 302
    for bad in (
        {"ends_at": "2029-01-01T00:00"},
        {"recurrence": "weekly", "start_time": "03:00", "duration_minutes": "60"},
        {"timezone": "Mars/Base"},
        {"name": ""},
    ):
        response = client.post(PREFIX + "/rules/maintenance", data={**FORM, **bad})
        assert response.status_code == 400, bad
    with world.scope() as session:
        windows = session.scalars(select(MaintenanceWindow).order_by(MaintenanceWindow.id)).all()
        assert [w.name for w in windows] == ["Berlin night", "Sundays"]
        assert windows[0].starts_at == datetime(2030, 6, 1, 20, 0, tzinfo=UTC)  # 22:00 CEST
        assert windows[1].weekdays == [6]
        first_id = windows[0].id
    listing = client.get(PREFIX + "/rules/maintenance").get_data(as_text=True)
    assert "Sunday at 03:00 for 120 min" in listing
    assert client.post(PREFIX + f"/rules/maintenance/{first_id}/delete").status_code == 302
    assert client.post(PREFIX + "/rules/maintenance/424242/delete").status_code == 404


# -- CLI -----------------------------------------------------------------------------------------------------


def test_cli_lists_alerts(world: World, stuff: dict) -> None:
    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["ninjaone", "alerts", "--tenant", "acme", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["series_uid"] == stuff["uid"] and rows[0]["ticket_id"] == stuff["ticket"]
    assert rows[0]["id"] == stuff["alert"] and rows[0]["owed_reset"] is None  # the id the pages use
    assert (
        rows[0]["severity"] == "MAJOR" and rows[0]["status"] == "active" and rows[0]["occurrence_count"] == 1
    )
    table = runner.invoke(args=["ninjaone", "alerts", "--tenant", "acme"])
    assert table.exit_code == 0
    assert table.output.splitlines()[0].split() == [
        "ID",
        "SERIES",
        "UID",
        "DEVICE",
        "SEVERITY",
        "STATUS",
        "COUNT",
        "TICKET",
        "RESET",
        "OWED",
    ]
    assert stuff["uid"] in table.output
    resolved = runner.invoke(args=["ninjaone", "alerts", "--tenant", "acme", "--status", "resolved"])
    assert resolved.exit_code == 0 and resolved.output.strip() == "No alerts."
    assert runner.invoke(args=["ninjaone", "alerts", "--tenant", "globex", "--json"]).output.strip() == "[]"
    assert runner.invoke(args=["ninjaone", "alerts", "--tenant", "nope"]).exit_code != 0
    assert runner.invoke(args=["ninjaone", "alerts", "--tenant", "acme", "--status", "weird"]).exit_code != 0


def test_detail_of_a_flapping_alert_lists_its_recent_cycles(world: World, catch_all: int) -> None:
    device = world.device()
    for _ in range(4):  # more than 3 cycles within 60 minutes: the 4th flaps
        result = world.trigger(device.device_id, source_config_uid="cond-flap")
        world.reset(result["alert"]["uid"])
    alert = world.alert(result["alert"]["uid"])
    assert alert.flapping and len(alert.cycle_times) == 4
    page = _login(world.app, "admin@acme.test").get(PREFIX + f"/alerts/{alert.id}").get_data(as_text=True)
    status = re.search(r"<dt>Status</dt><dd>(.*?)</dd>", page).group(1)
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"
    assert re.fullmatch(rf"Resolved · flapping \(its last 4 cycles between {when} and {when}\)", status)
