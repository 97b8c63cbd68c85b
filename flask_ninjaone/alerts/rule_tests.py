""" "Test this rule" as a background job: the request records a test and queues it, the job runs the dry
run over the recent alerts with its progress committed as it goes, and the result is kept on the record.

A test reads up to :data:`~.dry_run.MAX_LIMIT` stored alerts and the tenant's rules; in the request
that held the page (and a proxy's timeout) for as long as it took. Now the page answers at once and
follows the test like a sync (``components/run_progress.html``); the result page reads the stored
result, so a link to a test shows what it found then, not a different answer after new alerts.

The tested rule is the saved one or the form's unsaved draft: ``spec`` holds what
:func:`~.rules.make_rule` needs, validated again by the job. The same test (same rule, spec and
number of alerts) asked while one is queued or running answers with that one: a double click is one
job. Only the newest :data:`KEPT` tests of a tenant are kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, inspect, select
from sqlalchemy.orm import Session

from ..config import setting
from ..jobs import enqueue, job_pending
from ..models import Alert, RuleTest, RunState
from ..models.base import utcnow
from ..sync.progress import Progress, estimate
from ..tenancy import get_scoped
from .dry_run import MAX_LIMIT, DryRunRow, dry_run, tested_alerts
from .rules import make_rule

#: Tests kept per tenant (older ones are deleted when a new one is recorded).
KEPT = 20
#: What a test whose job never started or stopped says.
LOST = "Its job was lost before it started (the queue was reset or the web process restarted)."
STOPPED = "Its job stopped before it finished (the worker or the web process stopped)."
TASK = "alerts.rule_test"


@dataclass(frozen=True)
class TestRequest:
    """Outcome of asking for a test: ``started`` or not (one already queued or running answers)."""

    __test__ = False  # not a pytest class

    started: bool
    message: str
    test: RuleTest


def rule_spec(
    *, name: str, conditions: Mapping[str, Any], actions: Mapping[str, Any], catch_all: bool, position: int,
    integration_id: int | None,
) -> dict[str, Any]:  # fmt: skip
    """What a test records of the rule it tests (validated like the form when the job loads it),
    its instance scope included: a scoped rule is tested against its instance's alerts only."""
    return {"name": name, "conditions": dict(conditions), "actions": dict(actions),
            "catch_all": catch_all, "position": position, "integration_id": integration_id}  # fmt: skip


def request_test(
    session: Session, tenant_id: str, spec: dict[str, Any], *, rule_id: int | None, limit: int
) -> TestRequest:
    """Record a queued test of ``spec`` over the newest ``limit`` alerts and queue its job (detached:
    never in this request); a test of the same thing still queued or running answers instead."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    digest = json.dumps({"rule": rule_id, "spec": spec, "limit": limit}, sort_keys=True, default=str)
    subject = hashlib.sha256(digest.encode()).hexdigest()[:32]
    same = session.scalars(
        select(RuleTest)
        .where(RuleTest.subject == subject, RuleTest.state.in_((RunState.QUEUED, RunState.RUNNING)))
        .order_by(RuleTest.id.desc())
    ).first()
    if same is not None and same.state == RunState.RUNNING and not _stopped(same):
        return TestRequest(False, "This test is already running.", same)
    waiting = same is not None and same.state == RunState.QUEUED
    if same is not None and waiting and job_pending(TASK, tenant_id=tenant_id, key=subject):
        return TestRequest(False, "This test is already queued.", same)
    if same is not None:
        _finish(same, RunState.FAILED, LOST if same.state == RunState.QUEUED else STOPPED)
    test = RuleTest(rule_id=rule_id, rule_name=str(spec.get("name") or "")[:255], spec=spec, subject=subject,
                    alert_limit=limit, state=RunState.QUEUED, results=[])  # fmt: skip
    session.add(test)
    session.flush()
    _prune(session)
    session.commit()
    try:
        enqueue(TASK, tenant_id=tenant_id, key=subject, detach=True, test_id=test.id)
    except Exception:
        _finish(test, RunState.FAILED, "It could not be queued (is Redis reachable?).")
        session.commit()
        raise
    return TestRequest(True, "Test started.", test)


def run_test(session: Session, test_id: int, user_names: Mapping[str, str]) -> RuleTest | None:
    """The job: evaluate the recorded rule against the newest alerts, committing the number done after
    each chunk, then the result (one entry per alert). ``None``: the test is gone (pruned, or another
    tenant's id)."""
    test = get_scoped(session, RuleTest, test_id)
    if test is None or test.state != RunState.QUEUED:
        return test
    test.state, test.started_at = RunState.RUNNING, utcnow()
    spec = test.spec
    # Tests recorded before rules had an instance scope tested every instance's alerts.
    scope = spec.get("integration_id") if isinstance(spec.get("integration_id"), int) else None
    tested = tested_alerts(scope)
    count = session.scalar(select(func.count()).select_from(tested.order_by(None).subquery()))
    test.expected = min(count or 0, test.alert_limit)
    session.commit()
    try:
        rule = make_rule(id=test.rule_id, name=spec["name"], conditions=spec["conditions"],
                         actions=spec["actions"], position=spec["position"], active=True,
                         catch_all=bool(spec["catch_all"]), integration_id=scope)  # fmt: skip

        def progress(done: int) -> None:
            test.processed = done
            session.commit()

        # The alerts' own fields, read once: each progress commit expires the loaded alert rows, and
        # reading them back from those would cost a query per alert.
        alerts = {
            alert_id: {"id": alert_id, "message": (message or "")[:300], "series_uid": series_uid,
                       "triggered_at": triggered_at.isoformat() if triggered_at else None}
            for alert_id, message, series_uid, triggered_at in session.execute(
                tested.with_only_columns(Alert.id, Alert.message, Alert.series_uid, Alert.triggered_at)
                .limit(test.alert_limit)
            )
        }  # fmt: skip
        rows = dry_run(session, rule, limit=test.alert_limit, user_names=user_names, progress=progress)
    except Exception as exc:  # the page must hear why (an invalid stored rule, the database)
        session.rollback()
        _finish(test, RunState.FAILED, f"{type(exc).__name__}: {exc}"[:500])
        session.commit()
        return test
    test.results = [_stored(row, alerts) for row in rows]
    test.processed = len(rows)
    _finish(test, RunState.SUCCEEDED, None)
    session.commit()
    return test


def find_test(session: Session, test_id: int) -> RuleTest | None:
    """The tenant's rule test ``test_id`` (``None`` for another tenant's: tenancy hides it)."""
    return get_scoped(session, RuleTest, test_id)


def newest_test(session: Session, rule_id: int) -> RuleTest | None:
    """The saved rule's most recent test, which its test page follows or shows."""
    return session.scalars(
        select(RuleTest).where(RuleTest.rule_id == rule_id).order_by(RuleTest.id.desc()).limit(1)
    ).first()


def finished(test: RuleTest | None) -> bool:
    """Whether ``test`` has results to show."""
    return test is not None and test.state == RunState.SUCCEEDED


def handled(test: RuleTest) -> int:
    """How many of the tested alerts the rule would handle."""
    return sum(1 for row in test.results if row.get("handles"))


def test_progress(test: RuleTest, now: datetime | None = None) -> Progress:
    """Percent, alerts done and time left of ``test``, from its own counters (at ``now``, default now)."""
    now = now or utcnow()
    if test.state in (RunState.SUCCEEDED, RunState.FAILED):
        return Progress(100, test.processed, test.processed, 0, None)
    if test.state == RunState.QUEUED:
        return Progress(0, 0, None, None, "Waiting for a worker")
    return estimate(test.started_at, now, test.processed, test.expected, None)


def test_text(test: RuleTest, progress: Progress) -> str:
    """The sentence the page shows by the button, polled by its script."""
    if test.state == RunState.QUEUED:
        return "Test queued: waiting for a worker…"
    if test.state == RunState.FAILED:
        return f"Test failed: {test.error or 'no reason recorded'}"
    if test.state == RunState.SUCCEEDED:
        tested = len(test.results)
        return f"Test finished: {handled(test)} of {tested} alert(s) would be handled by this rule."
    done = (
        f"{progress.done} of {progress.total} alerts" if progress.total else f"{progress.done} alerts so far"
    )
    return "Testing: " + done + (f" ({progress.percent} %)" if progress.percent is not None else "")


def _stored(row: DryRunRow, alerts: Mapping[int, dict[str, Any]]) -> dict[str, Any]:
    """One result entry: the alert as it was, the facts the rule saw, and the verdict (JSON)."""
    f = row.facts
    identity = inspect(row.alert).identity  # its key, without loading the expired row again
    alert_id = identity[0] if identity else None
    return {
        "alert": alerts.get(alert_id or 0) or {"id": alert_id, "message": "", "series_uid": f.series_uid},
        "facts": {"message_code": f.message_code, "severity": f.severity, "activity_type": f.activity_type,
                  "status_code": f.status_code, "organization_id": f.organization_id,
                  "device_name": f.device_name, "device_id": f.device_id, "node_class": f.node_class,
                  "role_id": f.role_id, "message": (f.message or "")[:300] or None},
        "matches": row.matches, "failed": row.failed, "condition": row.condition,
        "handles": row.handles, "outcome": row.outcome,
    }  # fmt: skip


def _finish(test: RuleTest, state: str, error: str | None) -> None:
    test.state, test.error, test.finished_at = state, error, utcnow()


def _stopped(test: RuleTest) -> bool:
    started = test.started_at or test.requested_at
    return (utcnow() - started).total_seconds() > setting("NINJAONE_JOB_TIMEOUT")


def _prune(session: Session) -> None:
    """Delete the tenant's tests older than the newest :data:`KEPT` (ids of a tenant-scoped query)."""
    ids = list(session.scalars(select(RuleTest.id).order_by(RuleTest.id.desc()).offset(KEPT)))
    if ids:
        session.execute(delete(RuleTest).where(RuleTest.id.in_(ids)))
