"""Flapping through the real receiver: a burst of cycles that straddles a fixed window's edge flaps."""

from __future__ import annotations

import time

from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.alerts import rule_store
from flask_ninjaone.models import Alert, Device
from sample_host.database import db
from sample_host.models import Ticket
from tests.support.webhook_deliveries import post


def _tickets(tenant_id: str, series_uids: list[str]) -> list[Ticket]:
    """The tickets these alert series opened (each ticket carries the series that opened it)."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Ticket)
            .where(Ticket.tenant_id == int(tenant_id), Ticket.external_ref.in_(series_uids))
            .order_by(Ticket.id)
        )
    )


def test_five_cycles_in_63_minutes_flap(app, connected, fake):
    """ "More than 3 cycles in 60 minutes" (the default): cycles at minutes 0, 50, 58, 61 and 63. A
    window fixed at the first cycle ends at minute 60 and started over with the 4th cycle, so the
    problem never flapped and each cycle opened (and its reset closed) its own ticket: 5 tickets.
    Counted over a sliding window, the 5th cycle finds 4 cycles in the 60 minutes before it."""
    tenant, _, path = connected
    client = app.test_client()
    with tenant_scope(tenant.id):
        rule_store.create_rule(db.session, name="Catch-all", conditions={}, actions={}, catch_all=True)
        device_id = db.session.scalars(
            select(Device.device_id).where(Device.retired.is_(False)).order_by(Device.device_id)
        ).first()
    start = time.time() - 3 * 3600
    uids = []
    for minute in (0, 50, 58, 61, 63):
        at = start + minute * 60
        triggered = fake.state.trigger_condition(device_id, source_config_uid="cond-flap", at=at)
        assert post(client, path, triggered["activities"][0]).status_code == 202
        uid = triggered["alert"]["uid"]
        uids.append(uid)
        reset = fake.state.reset_alert(uid, at=at + 30)
        assert post(client, path, reset).status_code == 202

    db.session.expire_all()
    with tenant_scope(tenant.id):
        alerts = {a.series_uid: (a.flapping, a.ticket_id) for a in db.session.scalars(select(Alert))}
    assert len(alerts) == 5
    assert [alerts[uid][0] for uid in uids] == [False, False, False, False, True]
    tickets = _tickets(tenant.id, uids)
    # Cycles 1-4 follow the rule (each reset closes its ticket; no reopen window, so each cycle opens a
    # new one); the 5th flaps: it reopens the 4th cycle's ticket, which then stays open with one note.
    assert len(tickets) == 4
    assert alerts[uids[4]][1] == alerts[uids[3]][1] == str(tickets[-1].id)
    assert [t.status for t in tickets] == ["closed", "closed", "closed", "open"]
    notes = [note.body for note in tickets[-1].notes]
    assert sum(note.startswith("Flapping: ") for note in notes) == 1
    assert any("triggered and reset 4 times within 60 minutes" in note for note in notes)
