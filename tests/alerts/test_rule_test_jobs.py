""" "Test this rule" as a background job like Sync now: the click answers at once with a queued test
to follow (a double click is one test), the progress JSON carries the test's own counters for its own
tenant only, the result page shows what it found then; without JavaScript the post lands on the test's
page, which follows it. The rule form's "Test" tests the unsaved draft the same way."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from flask_ninjaone.alerts import dry_run, rule_tests
from flask_ninjaone.jobs import inline_runner
from flask_ninjaone.models import AlertRule, RuleTest
from tests.support.alert_pages import FORM, PREFIX, _login
from tests.support.alerts_world import World

JSON = {"Accept": "application/json"}


def _tests(world: World) -> list[RuleTest]:
    with world.scope() as session:
        return list(session.scalars(select(RuleTest).order_by(RuleTest.id)))


def _alerts(world: World, count: int) -> None:
    for index in range(count):
        world.trigger(world.device(index % 3).device_id, severity="MAJOR" if index % 2 else "MINOR")


def test_a_test_answers_at_once_shows_its_counters_and_keeps_its_result(world: World, monkeypatch) -> None:
    _alerts(world, 5)
    major = world.add_rule("Major", conditions={"severities": ["MAJOR"]})
    client = _login(world.app, "admin@acme.test")
    monkeypatch.setattr(dry_run, "PROGRESS_EVERY", 2)
    seen: list[dict] = []
    started: dict = {}
    original = rule_tests.dry_run

    def watched(*args, progress, **kwargs):
        def progress_and_look(done: int) -> None:
            progress(done)
            seen.append(client.get(started["progress_url"], headers=JSON).get_json())

        return original(*args, progress=progress_and_look, **kwargs)

    monkeypatch.setattr(rule_tests, "dry_run", watched)
    with inline_runner(world.app).held():
        answer = client.post(f"{PREFIX}/rules/{major}/test", data={"limit": "5"}, headers=JSON)
        again = client.post(f"{PREFIX}/rules/{major}/test", data={"limit": "5"}, headers=JSON)
        other = client.post(f"{PREFIX}/rules/{major}/test", data={"limit": "4"}, headers=JSON)
        assert answer.status_code == 202
        view = answer.get_json()["run"]
        started.update(view)
        assert view["state"] == "queued" and view["text"] == "Test queued: waiting for a worker…"
        assert view["progress_url"] == f"{PREFIX}/rules/tests/{view['id']}.json"
        assert view["run_url"] == f"{PREFIX}/rules/tests/{view['id']}"
        assert view["link_text"] == f"View results of test #{view['id']}"
        assert again.status_code == 200 and again.get_json()["run"]["id"] == view["id"]
        assert again.get_json()["message"] == "This test is already queued."
        assert other.status_code == 202 and other.get_json()["run"]["id"] != view["id"]  # another limit
        page = client.get(f"{PREFIX}/rules/{major}/test").get_data(as_text=True)
        assert 'data-state="queued"' in page and re.search(r"disabled>Test<", page)
    inline_runner(world.app).wait()

    mine = [snap for snap in seen if snap["state"] == "running"][:2]
    assert [snap["processed"] for snap in mine] == [2, 4] and mine[0]["expected"] == 5
    assert mine[0]["text"] == "Testing: 2 of 5 alerts (40 %)" and mine[0]["progress"]["percent"] == 40
    done = client.get(view["progress_url"], headers=JSON).get_json()
    assert done["state"] == "succeeded"
    assert done["text"] == "Test finished: 2 of 5 alert(s) would be handled by this rule."
    result = client.get(view["run_url"]).get_data(as_text=True)
    assert "2 of 5 alert(s) would be handled" in result and result.count("<tr data-alert=") == 5
    world.trigger(world.device(0).device_id, severity="MAJOR")  # new alerts change no kept result
    assert client.get(view["run_url"]).get_data(as_text=True).count("<tr data-alert=") == 5
    assert len(_tests(world)) == 2


def test_without_javascript_the_post_lands_on_the_tests_page(world: World) -> None:
    _alerts(world, 2)
    rule = world.add_rule("Major", conditions={"severities": ["MAJOR"]})
    client = _login(world.app, "admin@acme.test")
    with inline_runner(world.app).held():
        posted = client.post(f"{PREFIX}/rules/{rule}/test", data={"limit": "50"})
        assert posted.status_code == 303
        test_id = int(re.search(r"/rules/tests/(\d+)$", posted.location).group(1))
        page = client.get(posted.location).get_data(as_text=True)
        assert "Test started." in page and "Test queued: waiting for a worker…" in page
        assert f'<a href="{PREFIX}/rules/tests/{test_id}" data-job-refresh>Refresh</a>' in page
        assert "data-dry-run" not in page
    inline_runner(world.app).wait()
    page = client.get(posted.location).get_data(as_text=True)
    assert 'data-state="succeeded"' in page and "data-dry-run" in page and "data-job-refresh" not in page
    assert re.search(r'data-busy-text="Testing…">Test<', page)  # tested again from here
    assert f"View results of test #{test_id}" in client.get(f"{PREFIX}/rules/{rule}/test").text


def test_the_forms_test_runs_the_unsaved_draft_as_a_job(world: World) -> None:
    _alerts(world, 2)
    client = _login(world.app, "admin@acme.test")
    with inline_runner(world.app).held():
        page = client.post(
            f"{PREFIX}/rules/new", data={**FORM, "name": "Draft", "severities": ["MINOR"], "preview": "1"}
        )
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert 'value="Draft"' in text  # the form keeps what was typed
        assert 'data-state="queued"' in text and "Test queued: waiting for a worker…" in text
    inline_runner(world.app).wait()
    [test] = _tests(world)
    assert test.rule_id is None and test.rule_name == "Draft" and test.state == "succeeded"
    result = client.get(f"{PREFIX}/rules/tests/{test.id}").get_data(as_text=True)
    assert "Test “Draft”" in result and "an unsaved draft" in result and 'data-handles="yes"' in result
    with world.scope() as session:
        assert session.scalar(select(func.count()).select_from(AlertRule)) == 0  # nothing saved


def test_a_bad_number_of_alerts_is_refused_and_records_nothing(world: World) -> None:
    rule = world.add_rule("Any", catch_all=True)
    client = _login(world.app, "admin@acme.test")
    refused = client.post(f"{PREFIX}/rules/{rule}/test", data={"limit": "9999"}, headers=JSON)
    assert refused.status_code == 400 and refused.get_json()["message"] == "Enter a number from 1 to 500."
    page = client.post(f"{PREFIX}/rules/{rule}/test", data={"limit": "-1"})
    assert page.status_code == 400 and "Enter a number from 1 to 500." in page.text
    assert _tests(world) == []


def test_another_tenants_test_is_not_found_and_only_the_newest_are_kept(world: World, monkeypatch) -> None:
    rule = world.add_rule("Any", catch_all=True)
    acme = _login(world.app, "admin@acme.test")
    monkeypatch.setattr(rule_tests, "KEPT", 2)
    ids = [
        acme.post(f"{PREFIX}/rules/{rule}/test", data={"limit": str(n)}, headers=JSON).get_json()["run"]["id"]
        for n in (1, 2, 3)
    ]
    inline_runner(world.app).wait()
    assert [test.id for test in _tests(world)] == ids[1:]
    assert acme.get(f"{PREFIX}/rules/tests/{ids[0]}").status_code == 404
    globex = _login(world.app, "admin@globex.test", tenant="globex")
    assert globex.get(f"{PREFIX}/rules/tests/{ids[2]}").status_code == 404
    assert globex.get(f"{PREFIX}/rules/tests/{ids[2]}.json", headers=JSON).status_code == 404
    viewer = _login(world.app, "viewer@acme.test")
    assert viewer.get(f"{PREFIX}/rules/tests/{ids[2]}.json", headers=JSON).status_code == 403
