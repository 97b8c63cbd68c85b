"""Feedback on long work: "Sync now" and "Refresh inventory" answer at once with a queued run (a
detached job, also without Redis), and the progress JSON the page polls carries the run's own counters,
for its own tenant and integration only; without JavaScript the page follows the run itself."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from flask_ninjaone import tenant_scope
from flask_ninjaone.connection.api_client import client_for
from flask_ninjaone.inventory import refresh as inventory_refresh
from flask_ninjaone.jobs import inline_runner
from flask_ninjaone.leases import Lease
from flask_ninjaone.models import Device, Integration, RunState, SyncRun
from flask_ninjaone.state import get_state
from flask_ninjaone.sync import runner
from flask_ninjaone.sync.requests import LOST_JOB, sync_running
from flask_ninjaone.sync.runner import run_sync
from sample_host.database import db
from tests.support.world import connect_tenant

URL = "/integrations/ninjaone"
JSON = {"Accept": "application/json"}


def _runs(acme, kind: str) -> list[SyncRun]:
    with acme.scope():
        return list(db.session.scalars(select(SyncRun).where(SyncRun.kind == kind).order_by(SyncRun.id)))


def _snapshots_on_renew(monkeypatch, client, url_of) -> list[dict]:
    """Poll the progress JSON each time the run renews its lease (after each page or report): what a
    page polling at that moment would see, read by a separate request while the run works."""
    seen: list[dict] = []
    renew = Lease.renew

    def renew_and_look(lease: Lease) -> bool:
        held = renew(lease)
        url = url_of()
        if url:
            seen.append(client.get(url, headers=JSON).get_json())
        return held

    monkeypatch.setattr(Lease, "renew", renew_and_look)
    return seen


def test_sync_now_answers_at_once_and_the_progress_is_the_runs_own_counters(acme, app, monkeypatch):
    def small_pages(integration):  # three pages of the fleet, so the run is seen between pages
        client = client_for(integration)
        client.page_size = 25
        return client

    monkeypatch.setattr(runner, "client_for", small_pages)
    devices = _runs(acme, "full")[0].processed  # the fixture's walk: the approved devices
    admin = acme.login(app.test_client(), "admin@acme.test")
    started: dict = {}
    seen = _snapshots_on_renew(monkeypatch, admin, lambda: started.get("progress_url"))
    with inline_runner(app).held():  # the job has not started when the click is answered
        answer = admin.post(f"{URL}/sync/now", data={"kind": "full"}, headers=JSON)
        assert answer.status_code == 202
        body = answer.get_json()
        run = body["run"]
        started.update(run)
        assert body["ok"] and body["message"] == "Sync started."
        assert run["state"] == "queued" and run["kind"] == "full" and run["trigger"] == "manual"
        assert run["progress"]["percent"] == 0 and run["text"] == "Sync queued: waiting for a worker…"
        assert run["progress_url"] == f"{URL}/sync/runs/{run['id']}.json"
        assert run["run_url"] == f"{URL}/sync/?run={run['id']}#run-{run['id']}"
    inline_runner(app).wait()

    running = [snap for snap in seen if snap["state"] == "running"]
    assert [snap["processed"] for snap in running] == [25, 50, devices]
    first = running[0]
    assert first["id"] == run["id"] and first["expected"] == devices  # the last complete walk's size
    assert first["progress"]["done"] == 25 and first["progress"]["total"] == devices
    assert first["progress"]["percent"] == 25 * 100 // devices
    assert first["progress"]["eta_seconds"] is not None and first["progress"]["eta_seconds"] >= 0
    assert first["text"].startswith(
        f"Syncing: 25 of about {devices} devices ({first['progress']['percent']} %)"
    )
    done = admin.get(run["progress_url"], headers=JSON).get_json()
    assert done["state"] == "succeeded" and done["processed"] == devices
    assert done["progress"] == {
        "percent": 100,
        "done": devices,
        "total": devices,
        "eta_seconds": 0,
        "step": None,
    }
    assert done["text"] == f"Sync finished: {devices} devices."
    with acme.scope():
        stored = db.session.get(SyncRun, run["id"])
        assert (stored.processed, stored.expected, stored.state) == (devices, devices, RunState.SUCCEEDED)


def test_refresh_inventory_shows_each_report_as_it_goes(acme, app, monkeypatch):
    admin = acme.login(app.test_client(), "admin@acme.test")
    started: dict = {}
    seen = _snapshots_on_renew(monkeypatch, admin, lambda: started.get("progress_url"))
    with inline_runner(app).held():
        answer = admin.post(f"{URL}/compliance/refresh", headers=JSON)
        assert answer.status_code == 202
        started.update(answer.get_json()["run"])
        assert started["kind"] == "inventory" and started["state"] == "queued"
    inline_runner(app).wait()

    running = [snap for snap in seen if snap["state"] == "running"]
    steps = [snap["progress"]["step"] for snap in running]
    assert steps[0] == "Software (report 1 of 5)" and steps[-1] == "Device health (report 5 of 5)"
    percents = [snap["progress"]["percent"] for snap in running]
    assert percents == sorted(percents) and percents[-1] < 100
    with acme.scope():  # the reports are expected to cover every live mirrored device, once each
        devices = db.session.scalar(select(func.count()).select_from(Device).where(Device.retired.is_(False)))
    assert all(snap["expected"] == 5 * devices and snap["progress"]["total"] == devices for snap in running)
    texts = [snap["text"] for snap in running]
    third = f"Refreshing inventory: Software patches (report 3 of 5) · 0 of {devices} devices (40 %) · about "
    assert any(text.startswith(third) and text.endswith(" left") for text in texts), texts
    done = admin.get(started["progress_url"], headers=JSON).get_json()
    assert done["state"] == "succeeded" and done["text"].startswith("Inventory refresh finished:")
    assert done["progress"]["percent"] == 100


def test_a_double_click_queues_one_job_and_both_clicks_follow_the_same_run(acme, app):
    admin = acme.login(app.test_client(), "admin@acme.test")
    before = len(_runs(acme, "full"))
    with inline_runner(app).held():
        first = admin.post(f"{URL}/sync/now", data={"kind": "full"}, headers=JSON)
        second = admin.post(f"{URL}/sync/now", data={"kind": "full"}, headers=JSON)
        plain = admin.post(f"{URL}/sync/now", data={"kind": "full"})  # a third, without the script
    inline_runner(app).wait()
    assert first.status_code == 202 and second.status_code == 200
    assert second.get_json()["ok"] is False
    assert second.get_json()["message"] == "A sync is already queued for this connection."
    assert second.get_json()["run"]["id"] == first.get_json()["run"]["id"]
    assert plain.status_code == 303 and plain.location.endswith(f"?run={first.get_json()['run']['id']}")
    runs = _runs(acme, "full")
    assert len(runs) == before + 1 and runs[-1].state == RunState.SUCCEEDED


def test_a_full_syncs_inventory_refresh_is_a_job_of_its_own_and_sync_now_meanwhile_queues(
    acme, app, monkeypatch
):
    """Without Redis the follow-up refresh used to run inside the sync's job: the page said "Sync
    finished" while that job went on, and a Sync now meanwhile answered "already queued"."""
    admin = acme.login(app.test_client(), "admin@acme.test")
    during: list = []
    renew = Lease.renew

    def click_during_the_refresh(lease: Lease) -> bool:
        if lease.name.startswith("inventory:") and not during:
            during.append(admin.post(f"{URL}/sync/now", data={"kind": "full"}, headers=JSON))
            with acme.scope():
                db.session.expire_all()
                during.append(db.session.get(SyncRun, first["id"]).state)
        return renew(lease)

    monkeypatch.setattr(Lease, "renew", click_during_the_refresh)
    with inline_runner(app).held():
        first = admin.post(f"{URL}/sync/now", data={"kind": "full"}, headers=JSON).get_json()["run"]
    inline_runner(app).wait()
    answer, state_meanwhile = during
    assert state_meanwhile == RunState.SUCCEEDED
    assert answer.status_code == 202 and answer.get_json()["message"] == "Sync started."
    second = answer.get_json()["run"]["id"]
    assert admin.get(f"{URL}/sync/runs/{second}.json", headers=JSON).get_json()["state"] == "succeeded"


def test_a_click_while_a_sync_runs_follows_the_running_one(acme, app):
    admin = acme.login(app.test_client(), "admin@acme.test")
    with acme.scope():
        lease = Lease(app, acme.tenant.id, f"sync:{acme.integration_id}")
        assert lease.acquire()
    try:
        answer = admin.post(f"{URL}/sync/now", data={"kind": "full"}, headers=JSON)
    finally:
        with acme.scope():
            lease.release()
    assert answer.status_code == 200
    assert answer.get_json()["message"] == "A sync is already running for this connection."
    assert not inline_runner(app).pending(f"ninjaone--sync.run--{acme.tenant.id}--{acme.integration_id}")


def test_without_javascript_the_post_redirects_to_the_page_following_the_run(acme, app):
    admin = acme.login(app.test_client(), "admin@acme.test")
    devices = _runs(acme, "full")[0].processed
    with inline_runner(app).held():
        posted = admin.post(f"{URL}/sync/now", data={"kind": "full"})
        assert posted.status_code == 303
        run_id = int(re.search(r"\?run=(\d+)$", posted.location).group(1))
        page = admin.get(posted.location).get_data(as_text=True)
        assert "Sync started." in page  # the flash
        assert 'data-state="queued"' in page and "Sync queued: waiting for a worker…" in page
        assert f'<a href="{URL}/sync/?run={run_id}" data-job-refresh>Refresh</a>' in page
        assert re.search(r'value="full"[^>]*disabled>Sync now<', page)  # no second click meanwhile
        inventory = admin.post(f"{URL}/compliance/refresh")
        assert inventory.status_code == 303 and "?run=" in inventory.location
        compliance = admin.get(inventory.location).get_data(as_text=True)
        assert "Inventory refresh queued: waiting for a worker…" in compliance
        assert re.search(r"disabled>Refresh inventory now<", compliance)
    inline_runner(app).wait()
    page = admin.get(f"{URL}/sync/?run={run_id}").get_data(as_text=True)
    assert 'data-state="succeeded"' in page and f"Sync finished: {devices} devices." in page
    assert f'href="{URL}/sync/?run={run_id}#run-{run_id}" data-job-link>View run #{run_id}</a>' in page
    assert f'<tr id="run-{run_id}"' in page and "data-job-refresh" not in page
    assert re.search(r'value="full"[^>]*>Sync now<', page) and not re.search(r"disabled>Sync now<", page)


def test_a_viewer_follows_progress_but_cannot_start_work(acme, app):
    viewer = acme.login(app.test_client(), "viewer@acme.test")
    with acme.scope():
        run_id = db.session.scalars(select(SyncRun.id).where(SyncRun.kind == "full")).first()
    assert viewer.get(f"{URL}/sync/runs/{run_id}.json").status_code == 200
    for path in ("/sync/now", "/compliance/refresh"):
        assert viewer.post(URL + path, data={"kind": "full"}, headers=JSON).status_code == 403
    assert len(_runs(acme, "full")) == 1 and len(_runs(acme, "inventory")) == 1  # the fixture's sync only


def test_another_tenants_run_is_not_found(acme, app):
    globex = get_state().host.find_tenant("globex")
    _, globex_integration = connect_tenant(acme.fake, "globex")
    with tenant_scope(globex.id):
        globex_run = run_sync(globex_integration, kind="full").id
    acme_admin = acme.login(app.test_client(), "admin@acme.test")
    assert acme_admin.get(f"{URL}/sync/runs/{globex_run}.json").status_code == 404
    page = acme_admin.get(f"{URL}/sync/?run={globex_run}").get_data(as_text=True)
    assert f"run-{globex_run}" not in page and f"View run #{globex_run}" not in page
    globex_admin = acme.login(app.test_client(), "admin@globex.test", tenant_slug="globex")
    assert globex_admin.get(f"{URL}/sync/runs/{globex_run}.json").get_json()["id"] == globex_run


def test_a_queued_run_whose_job_was_lost_is_failed_by_the_next_click(acme, app):
    with acme.scope():
        lost = SyncRun(
            integration_id=acme.integration_id, kind="full", trigger="manual", state=RunState.QUEUED
        )
        db.session.add(lost)
        db.session.commit()
        lost_id = lost.id
    admin = acme.login(app.test_client(), "admin@acme.test")
    answer = admin.post(f"{URL}/sync/now", data={"kind": "full"}, headers=JSON)
    assert answer.status_code == 202 and answer.get_json()["run"]["id"] != lost_id
    inline_runner(app).wait()
    with acme.scope():
        db.session.expire_all()  # the request and the job wrote through sessions of their own
        stored = db.session.get(SyncRun, lost_id)
        assert stored.state == RunState.FAILED and stored.error == LOST_JOB
        assert db.session.scalar(select(func.count()).where(SyncRun.state == RunState.QUEUED)) == 0


@pytest.mark.parametrize("path", ["/sync/now", "/compliance/refresh"])
def test_an_expired_form_gets_a_json_answer_and_starts_nothing(acme, make_app, path):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = acme.login(app.test_client(), "admin@acme.test")
    answer = client.post(URL + path, data={"kind": "full"}, headers=JSON)
    assert answer.status_code == 400 and "form expired" in answer.get_json()["message"]
    assert "ninjaone_inline_jobs" not in app.extensions


def test_the_inventory_refresh_after_a_full_sync_runs_with_the_sync_lease_released(acme, monkeypatch):
    """Without Redis the refresh that follows a full sync runs in the sync's own job: a Sync now in the
    meantime must be a new sync, not "A sync is already running" for as long as the refresh takes."""
    seen: list[bool] = []
    real = inventory_refresh.refresh_inventory

    def watching(integration_id, **kwargs):
        seen.append(sync_running(db.session.get(Integration, integration_id)))
        return real(integration_id, **kwargs)

    monkeypatch.setattr("flask_ninjaone.tasks.inventory.refresh_inventory", watching)
    with acme.scope():
        run = run_sync(acme.integration_id, kind="full", trigger="manual")
        assert run.state == RunState.SUCCEEDED, run.error
    assert seen == [False]
