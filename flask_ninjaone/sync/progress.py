"""What a page shows of a run while it works: percent, devices done, time left — from its counters.

The counters are the run record's own (``processed`` and ``expected``, committed with each page a
device sync writes and each batch an inventory refresh writes), so a progress bar never shows
anything the database does not. NinjaOne's lists carry no total: a device sync expects the size of
the last complete walk (so a fleet that grew can pass 100 %: the bar stays below it until the run
ends), an incremental run has no total at all (it re-reads only what the activity feed names), and an
inventory refresh expects its live devices once per report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import RunState, SyncRun

#: The inventory refresh's reports as a person names them, in the order they are walked.
REPORT_LABELS = ("Software", "OS patches", "Software patches", "Antivirus", "Device health")
#: Highest percent a running run shows (its total is an estimate; 100 % means finished).
RUNNING_CAP = 99


@dataclass(frozen=True)
class Progress:
    """A run's progress for the page: ``percent``/``total``/``eta_seconds`` are ``None`` when unknown."""

    percent: int | None
    done: int
    total: int | None
    eta_seconds: int | None
    step: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "percent": self.percent,
            "done": self.done,
            "total": self.total,
            "eta_seconds": self.eta_seconds,
            "step": self.step,
        }


def run_progress(run: SyncRun, now: datetime) -> Progress:
    """Progress of ``run`` at ``now`` (a finished run is 100 %, a queued one 0 %)."""
    if run.state in (RunState.SUCCEEDED, RunState.FAILED):
        return Progress(100, run.processed, run.processed, 0, None)
    if run.state == RunState.QUEUED:
        return Progress(0, 0, None, None, "Waiting for a worker")
    if run.kind == "inventory":
        return _inventory(run, now)
    total = run.expected or None
    return _estimate(run, now, run.processed, run.processed, total, None)


def _inventory(run: SyncRun, now: datetime) -> Progress:
    reports = len(REPORT_LABELS)
    if not run.expected:
        return Progress(None, 0, None, None, "Starting")
    devices = run.expected // reports
    step = min(run.processed // devices, reports - 1) if devices else 0
    done = min(run.processed - step * devices, devices)
    label = f"{REPORT_LABELS[step]} (report {step + 1} of {reports})"
    return _estimate(run, now, run.processed, done, devices, label, units=run.expected)


def _estimate(
    run: SyncRun,
    now: datetime,
    units_done: int,
    done: int,
    total: int | None,
    step: str | None,
    *,
    units: int | None = None,
) -> Progress:
    """Percent and time left by the run's pace so far (no pace yet, no estimate)."""
    units = units if units is not None else total
    if not units:
        return Progress(None, done, total, None, step)
    fraction = min(units_done / units, 1.0)
    percent = min(int(fraction * 100), RUNNING_CAP)
    elapsed = (now - run.started_at).total_seconds() if run.started_at else 0.0
    eta = None
    if units_done > 0 and elapsed > 0:
        eta = max(int(elapsed * (units - min(units_done, units)) / units_done), 0)
    return Progress(percent, done, total, eta, step)


def progress_text(run: SyncRun, progress: Progress) -> str:
    """The sentence a page shows by the button (the script shows the same one it polls)."""
    inventory = run.kind == "inventory"
    name = "Inventory refresh" if inventory else "Sync"
    if run.state == RunState.QUEUED:
        return f"{name} queued: waiting for a worker…"
    if run.state == RunState.FAILED:
        return f"{name} failed: {run.error or 'no reason recorded'}"
    if run.state == RunState.SUCCEEDED:
        changed = _changed(run)
        return f"{name} finished: {run.processed} devices" + (f" ({changed})." if changed else ".")
    doing = (
        "Refreshing inventory"
        if inventory
        else ("Syncing changes" if run.kind == "incremental" else "Syncing")
    )
    parts = [progress.step] if progress.step and inventory else []
    if progress.total:
        parts.append(f"{progress.done} of {'' if inventory else 'about '}{progress.total} devices")
    else:
        parts.append(f"{progress.done} devices so far")
    if progress.percent is not None:
        parts[-1] += f" ({progress.percent} %)"
    if progress.eta_seconds is not None:
        parts.append(f"about {_duration(progress.eta_seconds)} left")
    return f"{doing}: " + " · ".join(parts)


def _changed(run: SyncRun) -> str:
    counts = run.counts or {}
    keys = (
        ("devices_changed", "rows_written") if run.kind == "inventory" else ("created", "updated", "retired")
    )
    labels = {"devices_changed": "changed", "rows_written": "rows written"}
    return ", ".join(f"{counts[key]} {labels.get(key, key)}" for key in keys if counts.get(key))


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{max(seconds, 1)} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds // 3600} h {round(seconds % 3600 / 60)} min"
