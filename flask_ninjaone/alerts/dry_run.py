""" "Test this rule": what a rule would have done with the last N stored alerts, changing nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..models import Alert, AlertRule
from .catalog import CONDITION_CODES
from .lookups import facts_of
from .rules import AlertFacts, RuleSpec, describe_actions, failed_clause, first_match, load_rule

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: Alerts evaluated between two calls of a dry run's ``progress``.
PROGRESS_EVERY = 50


@dataclass(frozen=True)
class DryRunRow:
    """One stored alert and what the tested rule would do with it."""

    alert: Alert
    facts: AlertFacts
    matches: bool
    #: The clause that failed (see :func:`.rules.failed_clause`), ``None`` when all hold.
    failed: str | None
    #: How people call the alert's condition (the catalog's words for its code, else its name).
    condition: str
    #: Handles the alert given the other active rules and the rule's place among them.
    handles: bool
    outcome: str


def condition_label(facts: AlertFacts) -> str:
    """The catalog's words for the condition's message code, else its condition or source name
    (NinjaOne's placeholders such as ``_average_`` are not names), else ``"—"``."""
    if facts.message_code and facts.message_code in CONDITION_CODES:
        return CONDITION_CODES[facts.message_code]
    for name in (facts.condition_name, facts.source_name):
        if name and len(name.strip("_ ")) > 3:
            return name
    return "—"


def tested_alerts(integration_id: int | None) -> Select[Alert]:
    """The bound tenant's alerts a test of a rule scoped to ``integration_id`` reads, newest first:
    only that instance's (the rule never sees another's), every instance's for an all-instances rule."""
    query = select(Alert)
    if integration_id is not None:
        query = query.where(Alert.integration_id == integration_id)
    return query.order_by(Alert.id.desc())


def dry_run(
    session: Session,
    rule: RuleSpec,
    *,
    limit: int = DEFAULT_LIMIT,
    user_names: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[DryRunRow]:
    """Evaluate ``rule`` (saved or not) against the newest ``limit`` alerts of the bound tenant in the
    rule's scope (:func:`tested_alerts`);
    ``user_names`` (host user id → name) names the assignee and people notified in the outcome;
    ``progress`` hears the number of alerts evaluated every :data:`PROGRESS_EVERY`."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    alerts = list(session.scalars(tested_alerts(rule.integration_id).limit(limit)))
    others = []
    for row in session.scalars(select(AlertRule).where(AlertRule.active.is_(True))):
        if rule.id is not None and row.id == rule.id:
            continue
        try:
            others.append(load_rule(row))
        except ValueError:
            continue
    tested = rule if rule.active else replace(rule, active=True)
    rows: list[DryRunRow] = []
    for alert, facts in facts_of(session, alerts):
        failed = None if rule.catch_all else failed_clause(rule.conditions, facts)
        reason = failed[1] if failed else None
        winner = first_match([*others, tested], facts)
        handles = winner is tested
        if handles:
            outcome = describe_actions(rule.actions, facts.severity, user_names)
        elif reason is None:
            outcome = f"matches, but rule “{winner.name}” comes first" if winner else "matches"
        else:
            outcome = f"no match: {reason}"
        if progress is not None and rows and len(rows) % PROGRESS_EVERY == 0:
            progress(len(rows))
        rows.append(
            DryRunRow(
                alert=alert,
                facts=facts,
                matches=reason is None,
                failed=failed[0] if failed else None,
                condition=condition_label(facts),
                handles=handles,
                outcome=outcome,
            )
        )
    return rows
