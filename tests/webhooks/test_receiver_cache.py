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


def test_a_warm_receiver_stores_without_looking_the_integration_up(app, connected):
    """The first statement of a delivery is the insert (without Redis, processing follows inline)."""
    _, _, path = connected
    client = app.test_client()
    assert post(client, path, activity(1)).status_code == 202
    statements: list[str] = []
    engine = db.engine

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()[:3]).upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert post(client, path, activity(2)).status_code == 202
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements[0] == "INSERT INTO NINJAONE_WEBHOOK_INBOX"


def test_the_insert_commits_itself_in_one_round_trip(app, connected, monkeypatch):
    """The delivery is durable when the INSERT answers: it runs in autocommit, with no BEGIN or
    COMMIT of its own to wait for, and other connections see it before processing starts."""
    _, _, path = connected
    client = app.test_client()
    assert post(client, path, activity(1)).status_code == 202
    engine = db.engine
    statements: list[tuple[str, str]] = []
    commits: list[object] = []
    at_ring: list[tuple[int, int]] = []
    ring = inbox.ring

    def record(conn, _cursor, statement, *_args) -> None:
        statements.append(
            (" ".join(statement.split()[:3]).upper(), conn.get_execution_options().get("isolation_level"))
        )

    def count_commit(_conn) -> None:
        commits.append(_conn)

    def watched_ring(tenant_id, **kwargs):
        at_ring.append((len(commits), stored()))
        return ring(tenant_id, **kwargs)

    monkeypatch.setattr(inbox, "ring", watched_ring)
    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "commit", count_commit)
    try:
        assert post(client, path, activity(2)).status_code == 202
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", count_commit)
    assert statements[0] == ("INSERT INTO NINJAONE_WEBHOOK_INBOX", "AUTOCOMMIT")
    assert at_ring == [(0, 2)]  # no COMMIT was sent, yet both deliveries are visible


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
