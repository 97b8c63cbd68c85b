"""``flask ninjaone inbox replay`` and ``flask ninjaone actions`` with several NinjaOne instances (issue
22): without ``--instance`` they are refused while the tenant has several (and change nothing), and
with it they act on, or list, the named instance's deliveries and actions only."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from flask_ninjaone.actions.start import AGENT_CLASSES
from flask_ninjaone.models import Device, Integration, WebhookDelivery
from flask_ninjaone.models.base import utcnow
from tests.support.connection_flow import tenant_db
from tests.support.instance_cli import json_of
from tests.support.webhook_deliveries import activity, post


def _ids(app: Flask) -> dict[str, int]:
    with tenant_db(app) as session:
        return {row.name: row.id for row in session.scalars(select(Integration))}


def _refused(result) -> None:
    assert result.exit_code != 0
    assert "2 NinjaOne instances" in result.output and "--instance" in result.output


def _deliveries(app: Flask) -> dict[int, tuple[int, str, object]]:
    """activity id → (integration id, status, next attempt) of the stored deliveries."""
    with tenant_db(app) as session:
        rows = session.execute(
            select(
                WebhookDelivery.activity_id,
                WebhookDelivery.integration_id,
                WebhookDelivery.status,
                WebhookDelivery.next_attempt_at,
            )
        )
        return {activity_id: (integration, status, due) for activity_id, integration, status, due in rows}


def test_inbox_replay_refuses_ambiguity_and_replays_the_named_instance_only(web_app, cli, two_instances):
    ids = _ids(web_app)
    client = web_app.test_client()
    with tenant_db(web_app) as session:
        receivers = {row.name: row for row in session.scalars(select(Integration))}
        session.expunge_all()
    for activity_id, name in ((990101, "alpha"), (990102, "beta")):
        row = receivers[name]
        body = activity(activity_id, deviceId=1)
        assert (
            post(client, f"/webhooks/ninjaone/{row.public_id}", body, secret=row.webhook_secret).status_code
            < 300
        )
    later = utcnow() + timedelta(hours=1)
    with tenant_db(web_app) as session:  # both wait out a retry's backoff, as after a failed attempt
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.activity_id.in_((990101, 990102)))
            .values(status="pending", next_attempt_at=later)
        )
        session.commit()
    waiting = _deliveries(web_app)
    assert {waiting[990101][:2], waiting[990102][:2]} == {(ids["alpha"], "pending"), (ids["beta"], "pending")}

    _refused(cli("inbox", "replay", "--tenant", "acme"))
    assert _deliveries(web_app) == waiting

    replayed = cli("inbox", "replay", "--tenant", "acme", "--instance", "beta")
    assert replayed.exit_code == 0, replayed.output
    assert "Enqueued 1 delivery(ies)." in replayed.output
    after = _deliveries(web_app)
    assert after[990102][1] == "ignored"  # processed: an activity the extension has no use for
    assert after[990101] == waiting[990101]  # alpha's still waits out its backoff


def _online_in_both(app: Flask, ids: dict[str, int]) -> int:
    """A device id whose device is an online agent in both instances (a reboot may go to either)."""
    with tenant_db(app) as session:
        online = [
            {
                device.device_id
                for device in session.scalars(select(Device).where(Device.integration_id == id_))
                if device.node_class in AGENT_CLASSES and device.agent_status == "online"
            }
            for id_ in ids.values()
        ]
    return min(set.intersection(*online))


def test_actions_refuses_ambiguity_and_lists_the_named_instances_actions_only(web_app, cli, two_instances):
    ids = _ids(web_app)
    device_id = _online_in_both(web_app, ids)

    def reboot(*args: str):
        return cli("device", "reboot", "--tenant", "acme", *args)

    started = {
        name: json_of(reboot("--instance", name, "--device", str(device_id), "--json"))["id"]
        for name in ("alpha", "beta")
    }
    assert started["alpha"] != started["beta"]
    _refused(cli("actions", "--tenant", "acme"))
    for name, action_id in started.items():
        listed = json_of(cli("actions", "--tenant", "acme", "--instance", name, "--json"))
        assert [row["id"] for row in listed] == [action_id]
