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

#: A new alert opening a ticket, once the drain has read its stable facts: 7 statements of the
#: extension (problem lock, series row, device with its last user and contact, the series' INSERT …
#: ON CONFLICT DO NOTHING (was an INSERT in a savepoint: two more), the problem's other series
#: (previous and ticketed in one), one UPDATE before and one after the ticket) + the sample host's 7
#: (savepoint, asset, client, ticket number, ticket, ticket-asset link, release). The claim and the
#: outcome are no longer per delivery: a drain claims a batch in two statements and writes the
#: batch's outcomes in one more (``CLAIMS_AND_OUTCOMES``). Was 25, then 20, then 16.
WARM_NEW_ALERT = 14
#: The inbox statements of a drain of one batch, however many deliveries it holds: the batch's ids
#: picked and claimed, its outcomes with the next (empty) pick, the pick read once more after
#: silencing the doorbell, and the earliest backoff to queue a drain for.
CLAIMS_AND_OUTCOMES = 6


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


def _drain_of(tenant, make_app, path, *bodies) -> list[str]:
    """The statements of a drain processing ``bodies`` (stored first), each opening a ticket."""
    tickets = _tickets(tenant)
    _store_pending(make_app, path, *bodies)
    db.session.remove()
    with tenant_scope(tenant.id), statements() as sent:
        assert processing.drain(db.session) == {"done": len(bodies)}
    assert _tickets(tenant) == tickets + len(bodies)
    return sent


def test_a_drain_reads_stable_facts_once_and_a_new_alert_costs_few_statements(app, make_app, connected, fake):
    tenant, _, path = connected
    device = _synced_device_id(tenant)
    first = _alert_delivery(tenant, fake, 8001)  # also creates the catch-all rule that opens tickets
    one = _drain_of(tenant, make_app, path, first)
    more = [{**fake.state.trigger_condition(device)["activities"][0], "id": 8002 + i} for i in range(3)]
    three = _drain_of(tenant, make_app, path, *more)
    stable_reads = {
        "integration": "FROM ninjaone_integrations ",
        "rules": "FROM ninjaone_alert_rules ",
        "maintenance windows": "FROM ninjaone_maintenance_windows ",
        "mappings": "FROM ninjaone_organization_mappings ",
        "host clients": "ORDER BY clients.name",
    }
    for what, marker in stable_reads.items():
        assert len([s for s in three if s.startswith("SELECT") and marker in s]) == 1, what
    inbox = [s for s in three if "ninjaone_webhook_inbox" in s]
    assert len(inbox) == CLAIMS_AND_OUTCOMES, inbox
    # The same drain with two more new alerts of the same device: what two warm alerts cost.
    assert (len(three) - len(one)) / 2 == WARM_NEW_ALERT, three
