"""The receiver's per-process copy of an integration never outlives a change made elsewhere.

Each test warms the copy with one delivery, then changes the integration the way another process
(a settings page served by another worker, the CLI) would, and checks the very next delivery.
"""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm.attributes import flag_modified

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import Integration
from flask_ninjaone.webhooks import inbox
from flask_ninjaone.webhooks import receiver_cache as receivers
from sample_host.database import db
from tests.support.webhook_deliveries import SECRET, activity, post, stored

NEW_SECRET = "a-secret-set-by-another-process-987654"


def change_integration(tenant, **values) -> None:
    with tenant_scope(tenant.id):
        integration = db.session.scalars(select(Integration)).one()
        for name, value in values.items():
            setattr(integration, name, value)
            flag_modified(integration, name)  # re-encrypts even an unchanged secret
        db.session.commit()
    db.session.remove()


def test_a_disconnect_elsewhere_refuses_the_next_delivery(app, connected):
    tenant, _, path = connected
    client = app.test_client()
    assert post(client, path, activity(1)).status_code == 202
    change_integration(tenant, webhook_secret=None)
    assert post(client, path, activity(2)).status_code == 401
    assert stored() == 1


def test_a_rotation_elsewhere_is_honoured_at_once(app, connected):
    tenant, _, path = connected
    client = app.test_client()
    assert post(client, path, activity(1)).status_code == 202
    change_integration(tenant, webhook_secret=NEW_SECRET)
    assert post(client, path, activity(2)).status_code == 401  # no grace was given to the old one
    assert post(client, path, activity(3), secret=NEW_SECRET).status_code == 202
    assert stored() == 2


def test_a_key_rotation_elsewhere_keeps_deliveries_flowing(app, connected):
    """Same secret, new ciphertext: the insert refuses the stale copy; re-read, stored once."""
    tenant, _, path = connected
    client = app.test_client()
    assert post(client, path, activity(1)).status_code == 202
    change_integration(tenant, webhook_secret=SECRET)
    response = post(client, path, activity(2))
    assert response.status_code == 202 and response.json["status"] == "accepted"
    assert post(client, path, activity(2)).status_code == 200  # and the repeat is still a duplicate
    assert stored() == 2


def deliver_watched(app, path, body, monkeypatch) -> dict[str, int]:
    """Post ``body``; the pool checkouts and SQLAlchemy COMMITs so far, the integration reads, and the
    inbox rows as another connection sees them, all taken when the doorbell rings (without Redis,
    processing follows inline and queries on)."""
    seen = {"checkouts": 0, "commits": 0, "reads": 0}
    at_ring: dict[str, int] = {}
    ring, read = inbox.ring, receivers._read

    def count(name: str):
        def counted(*_args) -> None:
            seen[name] += 1

        return counted

    def watched_read(public_id: str):
        seen["reads"] += 1
        return read(public_id)

    def watched_ring(tenant_id, **kwargs):
        at_ring.update(seen)
        at_ring["stored"] = stored()  # after the snapshot: this read takes a connection too
        return ring(tenant_id, **kwargs)

    monkeypatch.setattr(inbox, "ring", watched_ring)
    monkeypatch.setattr(receivers, "_read", watched_read)
    listeners = [("checkout", count("checkouts")), ("commit", count("commits"))]
    for name, listener in listeners:
        event.listen(db.engine, name, listener)
    try:
        assert post(app.test_client(), path, body).status_code == 202
    finally:
        for name, listener in listeners:
            event.remove(db.engine, name, listener)
    return at_ring


def test_a_warm_receiver_stores_without_looking_the_integration_up(app, connected, monkeypatch):
    """A warm receiver's delivery reads no integration and takes one connection: the insert's."""
    _, _, path = connected
    assert post(app.test_client(), path, activity(1)).status_code == 202
    db.session.remove()
    at_ring = deliver_watched(app, path, activity(2), monkeypatch)
    assert at_ring["reads"] == 0 and at_ring["checkouts"] == 1


def test_the_insert_is_committed_before_the_doorbell_without_a_commit_of_its_own(app, connected, monkeypatch):
    """The delivery is durable when the INSERT answers: it runs in autocommit, with no BEGIN or
    COMMIT of its own to wait for, and other connections see it before processing starts."""
    _, _, path = connected
    assert post(app.test_client(), path, activity(1)).status_code == 202
    db.session.remove()
    at_ring = deliver_watched(app, path, activity(2), monkeypatch)
    assert at_ring["commits"] == 0 and at_ring["stored"] == 2


def test_an_integration_changing_under_every_attempt_answers_503_and_stores_nothing(
    app, connected, monkeypatch
):
    _, _, path = connected

    def always_changed(engine, receiver, activity, raw):
        raise inbox.ReceiverChanged(receiver.integration_id)

    monkeypatch.setattr(inbox, "store", always_changed)
    response = post(app.test_client(), path, activity(1))
    assert response.status_code == 503 and "retry" in response.json["error"]
    assert stored() == 0


def test_a_cold_receiver_holds_one_database_connection_at_a_time(app, connected):
    """Looking the integration up returns its connection before the insert takes one: a request never
    holds two of the pool's connections, however many deliveries arrive at once."""
    _, _, path = connected
    db.session.remove()
    app.extensions.pop("ninjaone_receivers", None)  # this process has not read the integration yet
    held: list[int] = [0]
    most: list[int] = [0]

    def checkout(*_args) -> None:
        held[0] += 1
        most[0] = max(most[0], held[0])

    def checkin(*_args) -> None:
        held[0] -= 1

    event.listen(db.engine, "checkout", checkout)
    event.listen(db.engine, "checkin", checkin)
    try:
        assert post(app.test_client(), path, activity(1)).status_code == 202
    finally:
        event.remove(db.engine, "checkout", checkout)
        event.remove(db.engine, "checkin", checkin)
    assert most[0] == 1
    assert stored() == 1
