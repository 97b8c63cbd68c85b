"""Alerts in the two-instance world (``two_instances``: acme on ``fake`` as "alpha" and ``fake_b`` as
"beta", overlapping ids): the instances' ids, a device id both have, and the same condition raised on
it by both, for the tests of settings scoped per instance (rules, maintenance windows)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from flask_ninjaone.models import Alert, Device, Integration
from flask_ninjaone.tenancy import tenant_scope
from flask_ninjaone.webhooks import processing
from sample_host.database import db
from tests.support.connection_flow import tenant_db, tenant_id
from tests.support.webhook_deliveries import post


def instance_ids(app: Flask) -> dict[str, int]:
    with tenant_db(app) as session:
        return {row.name: row.id for row in session.scalars(select(Integration))}


def shared_device(app: Flask, ids: dict[str, int]) -> tuple[int, int]:
    """A device id both instances have, in an organization of the same id in both: (device, organization)."""
    with tenant_db(app) as session:
        organizations = {
            name: {
                device: organization
                for device, organization in session.execute(
                    select(Device.device_id, Device.organization_id).where(Device.integration_id == id_)
                )
            }
            for name, id_ in ids.items()
        }
    alpha, beta = organizations["alpha"], organizations["beta"]
    device_id = min(device for device in alpha.keys() & beta.keys() if alpha[device] == beta[device])
    return device_id, beta[device_id]


def trigger_both(app: Flask, fakes: dict[str, Any], ids: dict[str, int], device_id: int) -> dict[str, Alert]:
    """Each instance raises the same condition on its device ``device_id``: its alert, by instance name."""
    client = app.test_client()
    with tenant_db(app) as session:
        rows = {row.name: row for row in session.scalars(select(Integration))}
        receivers = {
            name: (f"/webhooks/ninjaone/{row.public_id}", row.webhook_secret) for name, row in rows.items()
        }
    for name, fake in fakes.items():
        triggered = fake.state.trigger_condition(device_id)["activities"][0]
        path, secret = receivers[name]
        assert post(client, path, triggered, secret=secret).status_code < 300
    with tenant_db(app) as session:
        processing.drain(session)
        by_id = {id_: name for name, id_ in ids.items()}
        alerts = {by_id[alert.integration_id]: alert for alert in session.scalars(select(Alert))}
        session.expunge_all()
    assert set(alerts) == {"alpha", "beta"} and {a.device_id for a in alerts.values()} == {device_id}
    return alerts


def globex_instance(app: Flask) -> int:
    """An instance of another tenant (globex), to post its id on acme's forms."""
    with app.app_context(), tenant_scope(tenant_id(app, "globex")):
        row = Integration(
            tenant_id=tenant_id(app, "globex"), public_id="globex-instance", base_url="https://globex.invalid"
        )
        db.session.add(row)
        db.session.commit()
        return row.id
