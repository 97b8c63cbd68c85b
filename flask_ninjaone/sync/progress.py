"""What a page shows of a run while it works: percent, devices done, time left — from its counters.

The counters are the run record's own (``processed`` and ``expected``, committed with each page a
device sync writes and each batch an inventory refresh writes), so a progress bar never shows
anything the database does not. NinjaOne's lists carry no total: a device sync expects the size of
the last complete walk (so a fleet that grew can pass 100 %: the bar stays below it until the run
ends), an incremental run has no total at all (it re-reads only what the activity feed names), and an
inventory refresh expects its live devices once per report, and so does a refresh of one device or of
a selection ("refresh this device now", "sync selected"), whose devices are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import RunState, SyncRun

#: The inventory refresh's reports as a person names them, in the order they are walked.
REPORT_LABELS = ("Software", "OS patches", "Software patches", "Antivirus", "Device health")
#: Highest percent a running run shows (its total is an estimate; 100 % means finished).
RUNNING_CAP = 99
#: Run kinds that walk the reports one after the other, their devices once per report.
BY_REPORT = ("inventory", "device", "devices")
#: How a page names each kind of run, finished and while it works.
NAMES = {
    "inventory": ("Inventory refresh", "Refreshing inventory"),
    "device": ("Device refresh", "Refreshing the device"),
    "devices": ("Sync of the selected devices", "Syncing the selected devices"),
    "incremental": ("Sync", "Syncing changes"),
}


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
    if run.kind in BY_REPORT:
        return _inventory(run, now)
    return estimate(run.started_at, now, run.processed, run.expected or None, None)


def _inventory(run: SyncRun, now: datetime) -> Progress:
    reports = len(REPORT_LABELS)
    if not run.expected:
        return Progress(None, 0, None, None, "Starting")
    devices = run.expected // reports
    step = min(run.processed // devices, reports - 1) if devices else 0
    done = min(run.processed - step * devices, devices)
    label = f"{REPORT_LABELS[step]} (report {step + 1} of {reports})"
    return estimate(run.started_at, now, run.processed, devices, label, done=done, units=run.expected)


def estimate(
    started_at: datetime | None,
    now: datetime,
    units_done: int,
    total: int | None,
    step: str | None,
    *,
    done: int | None = None,
    units: int | None = None,
) -> Progress:
    """Percent and time left by the pace so far of work started at ``started_at`` (no pace yet, no
    estimate): ``units_done`` of ``units`` (default ``total``), shown as ``done`` (default
    ``units_done``) of ``total``. Also a rule test's (see ``alerts.rule_tests``)."""
    done = units_done if done is None else done
    units = units if units is not None else total
    if not units:
        return Progress(None, done, total, None, step)
    fraction = min(units_done / units, 1.0)
    percent = min(int(fraction * 100), RUNNING_CAP)
    elapsed = (now - started_at).total_seconds() if started_at else 0.0
    eta = None
    if units_done > 0 and elapsed > 0:
        eta = max(int(elapsed * (units - min(units_done, units)) / units_done), 0)
    return Progress(percent, done, total, eta, step)


def progress_text(run: SyncRun, progress: Progress) -> str:
    """The sentence a page shows by the button (the script shows the same one it polls)."""
    inventory = run.kind in BY_REPORT
    name, doing = NAMES.get(run.kind, ("Sync", "Syncing"))
    if run.state == RunState.QUEUED:
        return f"{name} queued: waiting for a worker…"
    if run.state == RunState.FAILED:
        return f"{name} failed: {run.error or 'no reason recorded'}"
    if run.state == RunState.SUCCEEDED:
        changed = _changed(run)
        devices = f"{run.processed} device{'' if run.processed == 1 else 's'}"
        return f"{name} finished: {devices}" + (f" ({changed})." if changed else ".")
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
    keys = ("devices_changed", "rows_written") if run.kind in BY_REPORT else ("created", "updated", "retired")
    labels = {"devices_changed": "changed", "rows_written": "rows written"}
    return ", ".join(f"{counts[key]} {labels.get(key, key)}" for key in keys if counts.get(key))


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{max(seconds, 1)} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds // 3600} h {round(seconds % 3600 / 60)} min"
