"""Live progress for "Refresh this device now" and "Sync selected": each click records a run the
panel (or the asset list) follows like Sync now's, shows the reports as they are read and the result
with a link to the run; the same selection clicked twice is one run, and a device NinjaOne no longer
has fails the run with why. Without JavaScript the host page follows the run with ``?ninjaone_run=``."""

from __future__ import annotations

import re

from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.inventory import device_runs
from flask_ninjaone.jobs import inline_runner
from flask_ninjaone.models import RunState, SyncRun
from flask_ninjaone.state import get_state
from sample_host.database import db
from tests.support.world import connect_tenant

URL = "/integrations/ninjaone"
JSON = {"Accept": "application/json"}


def _runs(acme, kind: str) -> list[SyncRun]:
    with acme.scope():
        return list(db.session.scalars(select(SyncRun).where(SyncRun.kind == kind).order_by(SyncRun.id)))


def _watch_progress(monkeypatch, client, started: dict) -> list[dict]:
    """The progress JSON as a page polling it sees it after each report read (a separate request)."""
    seen: list[dict] = []
    for name in ("refresh_device", "refresh_devices"):
        original = getattr(device_runs, name)

        def watched(*args, _original=original, progress, **kwargs):
            def progress_and_look(reports: int) -> None:
                progress(reports)
                seen.append(client.get(started["progress_url"], headers=JSON).get_json())

            return _original(*args, progress=progress_and_look, **kwargs)

        monkeypatch.setattr(device_runs, name, watched)
    return seen


def test_refresh_this_device_answers_at_once_and_shows_each_report(acme, app, monkeypatch):
    device = acme.devices()[0]
    tech = acme.login(app.test_client(), "tech@acme.test")
    started: dict = {}
    seen = _watch_progress(monkeypatch, tech, started)
    with inline_runner(app).held():
        answer = tech.post(f"{URL}/assets/{device.host_asset_id}/refresh", headers=JSON)
        again = tech.post(f"{URL}/assets/{device.host_asset_id}/refresh", headers=JSON)  # a double click
        assert answer.status_code == 202
        run = answer.get_json()["run"]
        started.update(run)
        assert run["kind"] == "device" and run["state"] == "queued"
        assert run["text"] == "Device refresh queued: waiting for a worker…"
        assert run["progress_url"] == f"{URL}/sync/runs/{run['id']}.json"
        assert again.status_code == 200 and again.get_json()["run"]["id"] == run["id"]
        assert again.get_json()["message"] == "A refresh of this device is already queued."
    inline_runner(app).wait()

    steps = [snap["progress"]["step"] for snap in seen]  # after each read: the report read next
    assert steps == [
        "OS patches (report 2 of 5)",
        "Software patches (report 3 of 5)",
        "Antivirus (report 4 of 5)",
        "Device health (report 5 of 5)",
        "Device health (report 5 of 5)",
    ]
    assert [snap["processed"] for snap in seen] == [1, 2, 3, 4, 5] and seen[0]["expected"] == 5
    assert all(snap["state"] == "running" for snap in seen)
    done = tech.get(run["progress_url"], headers=JSON).get_json()
    assert done["state"] == "succeeded" and done["text"].startswith("Device refresh finished: 1 device")
    assert done["run_url"] == f"{URL}/sync/?run={run['id']}#run-{run['id']}"
    assert len(_runs(acme, "device")) == 1  # the double click queued nothing more
    history = tech.get(done["run_url"]).get_data(as_text=True)
    assert re.search(rf'<tr id="run-{run["id"]}"[^>]*aria-current="true"', history)
    assert "Device refresh" in history


def test_without_javascript_the_asset_page_follows_the_device_refresh(acme, app):
    device = acme.devices()[0]
    tech = acme.login(app.test_client(), "tech@acme.test")
    asset = f"/assets/{device.host_asset_id}"
    with inline_runner(app).held():
        posted = tech.post(f"{URL}{asset}/refresh", data={"next": asset})
        assert posted.status_code == 303
        run_id = int(re.search(r"\?ninjaone_run=(\d+)$", posted.location).group(1))
        page = tech.get(posted.location).get_data(as_text=True)
        assert "Device refresh started." in page  # the flash
        assert 'data-state="queued"' in page and "Device refresh queued: waiting for a worker…" in page
        assert f'<a href="{asset}?ninjaone_run={run_id}" data-job-refresh>Refresh</a>' in page
        assert re.search(r"disabled>Refresh this device now<", page)
        mid_run = tech.get(asset).get_data(as_text=True)  # opened meanwhile: follows the active run
        assert f"View run #{run_id}" in mid_run
    inline_runner(app).wait()
    page = tech.get(posted.location).get_data(as_text=True)
    assert 'data-state="succeeded"' in page and "Device refresh finished: 1 device" in page
    assert "data-job-refresh" not in page and not re.search(r"disabled>Refresh this device now<", page)
    assert f"View run #{run_id}" not in tech.get(asset).get_data(as_text=True)  # finished: not followed


def test_a_device_ninjaone_no_longer_has_fails_the_run_with_why(acme, app):
    device = acme.devices()[0]
    acme.fake.state.delete_device(device.device_id)
    tech = acme.login(app.test_client(), "tech@acme.test")
    run = tech.post(f"{URL}/assets/{device.host_asset_id}/refresh", headers=JSON).get_json()["run"]
    inline_runner(app).wait()
    done = tech.get(run["progress_url"], headers=JSON).get_json()
    assert done["state"] == "failed"
    assert done["text"] == (
        "Device refresh failed: NinjaOne no longer has this device; "
        "the next full sync marks its asset inactive."
    )


def test_sync_selected_shows_progress_and_one_run_per_selection(acme, app, monkeypatch):
    first, second, third = sorted(d.host_asset_id for d in acme.devices() if d.host_asset_id)[:3]
    tech = acme.login(app.test_client(), "tech@acme.test")
    started: dict = {}
    seen = _watch_progress(monkeypatch, tech, started)
    with inline_runner(app).held():
        answer = tech.post(f"{URL}/assets/sync-selected", data={"asset_ids": [first, second]}, headers=JSON)
        twice = tech.post(f"{URL}/assets/sync-selected", data={"asset_ids": [second, first]}, headers=JSON)
        other = tech.post(f"{URL}/assets/sync-selected", data={"asset_ids": [third, first]}, headers=JSON)
        run = answer.get_json()["run"]
        started.update(run)
        assert answer.status_code == 202 and run["kind"] == "devices"
        assert run["text"] == "Sync of the selected devices queued: waiting for a worker…"
        assert twice.get_json()["run"]["id"] == run["id"] and not twice.get_json()["ok"]
        assert other.status_code == 202 and other.get_json()["run"]["id"] != run["id"]  # another selection
        listing = tech.get(f"/assets/?ninjaone_run={run['id']}").get_data(as_text=True)
        assert 'data-state="queued"' in listing and re.search(r"disabled>Sync selected<", listing)
    inline_runner(app).wait()
    mine = [snap for snap in seen if snap["state"] == "running"]  # the other selection polls this one too
    assert [snap["processed"] for snap in mine] == [2, 4, 6, 8, 10] and mine[0]["expected"] == 10
    assert mine[1]["text"].startswith(
        "Syncing the selected devices: Software patches (report 3 of 5) · 0 of 2 devices (40 %)"
    )
    done = tech.get(run["progress_url"], headers=JSON).get_json()
    assert done["state"] == "succeeded" and done["text"].startswith(
        "Sync of the selected devices finished: 2 devices"
    )
    assert len(_runs(acme, "devices")) == 2


def test_a_refused_selection_answers_json_and_records_nothing(acme, app):
    tech = acme.login(app.test_client(), "tech@acme.test")
    answer = tech.post(f"{URL}/assets/sync-selected", data={"asset_ids": ["999999"]}, headers=JSON)
    assert answer.status_code == 409 and answer.get_json() == {
        "ok": False,
        "message": "None of the selected assets is managed by NinjaOne.",
        "run": None,
    }
    assert _runs(acme, "devices") == []


def test_another_tenants_device_run_is_neither_shown_nor_polled(acme, app):
    globex = get_state().host.find_tenant("globex")
    _, globex_integration = connect_tenant(acme.fake, "globex")
    with tenant_scope(globex.id):
        run = SyncRun(integration_id=globex_integration, kind="devices", trigger="manual",
                      state=RunState.RUNNING, counts={"subject": "x"})  # fmt: skip
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    tech = acme.login(app.test_client(), "tech@acme.test")
    assert tech.get(f"{URL}/sync/runs/{run_id}.json", headers=JSON).status_code == 404
    listing = tech.get(f"/assets/?ninjaone_run={run_id}").get_data(as_text=True)
    assert f"View run #{run_id}" not in listing and 'data-state="running"' not in listing
