"""How many SQL statements the worker sends per stored delivery: a count, not a timing.

A drain of three new alerts (each opening a ticket through the sample host) reads what only
settings edits change — the integration, rules, maintenance windows, mappings, the host's clients —
once for the drain, not once per delivery; and an alert's row is written once before the ticket
and once after, not once per step.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from flask_ninjaone import tenant_scope
from flask_ninjaone.webhooks import processing
from sample_host.database import db
from tests.support.webhook_deliveries import _alert_delivery, _store_pending, _synced_device_id, _tickets

#: A new alert opening a ticket, once the drain has read its stable facts: 13 statements of the
#: extension (claim, problem lock, series row, device, savepointed INSERT, previous series, problem
#: ticket, one UPDATE before and one after the ticket, the device's last user and contact for the
#: ticket text, outcome) + the sample host's 7 (savepoint, asset, client, ticket number, ticket,
#: ticket-asset link, release). Was 25; the contact line (issue 20) added one.
WARM_NEW_ALERT = 20


@contextmanager
def statements():
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _per_delivery(sent: list[str]) -> list[list[str]]:
    """The statements of each attempt, from its claim to the UPDATE recording its outcome."""
    attempts: list[list[str]] = []
    current: list[str] | None = None
    for statement in sent:
        if statement.startswith("UPDATE ninjaone_webhook_inbox SET status="):
            if "attempts=(" in statement:  # the claim
                current = []
            elif current is not None:  # the outcome
                attempts.append([*current, statement])
                current = None
                continue
        if current is not None:
            current.append(statement)
    return attempts


def test_a_drain_reads_stable_facts_once_and_a_new_alert_costs_few_statements(app, make_app, connected, fake):
    tenant, _, path = connected
    device = _synced_device_id(tenant)
    first = _alert_delivery(tenant, fake, 8001)  # also creates the catch-all rule that opens tickets
    more = [{**fake.state.trigger_condition(device)["activities"][0], "id": 8002 + i} for i in range(2)]
    _store_pending(make_app, path, first, *more)
    db.session.remove()
    with tenant_scope(tenant.id), statements() as sent:
        assert processing.drain(db.session) == {"done": 3}
    assert _tickets(tenant) == 3
    stable_reads = {
        "integration": "FROM ninjaone_integrations ",
        "rules": "FROM ninjaone_alert_rules ",
        "maintenance windows": "FROM ninjaone_maintenance_windows ",
        "mappings": "FROM ninjaone_organization_mappings ",
        "host clients": "ORDER BY clients.name",
    }
    for what, marker in stable_reads.items():
        assert len([s for s in sent if s.startswith("SELECT") and marker in s]) == 1, what
    deliveries = _per_delivery(sent)
    assert len(deliveries) == 3
    warm = [
        len([s for s in statements if "ninjaone_webhook_inbox.id FROM" not in s])
        for statements in deliveries[1:]
    ]
    assert warm == [WARM_NEW_ALERT, WARM_NEW_ALERT], deliveries[1]
