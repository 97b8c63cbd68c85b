"""The progress a page shows, computed from a run's counters alone (no database needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_ninjaone.models import RunState, SyncRun
from flask_ninjaone.sync.progress import progress_text, run_progress

START = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)


def _run(**fields) -> SyncRun:
    values = {"kind": "full", "trigger": "manual", "state": RunState.RUNNING, "started_at": START,
              "processed": 0, "expected": None, "counts": {}}  # fmt: skip
    return SyncRun(**{**values, **fields})


def test_percent_and_time_left_follow_the_pace_so_far():
    run = _run(processed=250, expected=1000)
    progress = run_progress(run, START + timedelta(seconds=30))
    assert (progress.percent, progress.done, progress.total, progress.eta_seconds) == (25, 250, 1000, 90)
    assert progress_text(run, progress) == "Syncing: 250 of about 1000 devices (25 %) · about 2 min left"


def test_a_fleet_larger_than_the_estimate_stays_below_100_until_the_run_ends():
    run = _run(processed=1200, expected=1000)
    progress = run_progress(run, START + timedelta(seconds=10))
    assert progress.percent == 99 and progress.eta_seconds == 0
    run.state = RunState.SUCCEEDED
    assert run_progress(run, START).percent == 100


def test_no_total_no_percent_and_nothing_done_no_estimate():
    incremental = _run(kind="incremental", processed=12)
    progress = run_progress(incremental, START + timedelta(seconds=5))
    assert progress.percent is None and progress.total is None and progress.eta_seconds is None
    assert progress_text(incremental, progress) == "Syncing changes: 12 devices so far"
    fresh = _run(expected=500)
    assert run_progress(fresh, START).eta_seconds is None


def test_the_inventory_names_its_report_and_counts_devices_within_it():
    run = _run(kind="inventory", expected=5 * 40, processed=2 * 40 + 10)
    progress = run_progress(run, START + timedelta(seconds=9))
    assert progress.step == "Software patches (report 3 of 5)" and (progress.done, progress.total) == (10, 40)
    assert progress.percent == 45 and progress.eta_seconds == 11


def test_queued_failed_and_finished_runs_say_so():
    assert progress_text(_run(state=RunState.QUEUED), run_progress(_run(state=RunState.QUEUED), START)) == (
        "Sync queued: waiting for a worker…"
    )
    failed = _run(state=RunState.FAILED, error="NinjaOne refused the request (403).")
    assert (
        progress_text(failed, run_progress(failed, START))
        == "Sync failed: NinjaOne refused the request (403)."
    )
    done = _run(state=RunState.SUCCEEDED, processed=64, counts={"created": 2, "updated": 5, "unchanged": 57})
    assert (
        progress_text(done, run_progress(done, START)) == "Sync finished: 64 devices (2 created, 5 updated)."
    )
