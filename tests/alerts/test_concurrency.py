"""Many workers handling the same delivery at once: one alert, one ticket (SQLite file and PostgreSQL)."""

from __future__ import annotations

import copy
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from flask_ninjaone.alerts import rule_store
from flask_ninjaone.alerts.lifecycle import handle_condition
from flask_ninjaone.models import Alert, Integration, MaintenanceWindow
from flask_ninjaone.tenancy import tenant_scope
from flask_ninjaone.testing.world import Worlds
from sample_host import create_app
from sample_host.database import db
from sample_host.models import Ticket
from tests.support.alerts_world import World, _config, restore_world
from tests.support.services import postgres_url, reset_postgres

THREADS = 200


@pytest.fixture(params=["sqlite", "postgresql"])
def concurrent_app(request, tmp_path: Path, ninjaone_worlds: Worlds, fake) -> Flask:
    """The world on a SQLite file or on PostgreSQL, with a pool and lock timeouts sized for 200 threads."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'concurrent.db'}"
        options = {"connect_args": {"timeout": 120}, "pool_size": 16, "max_overflow": 0, "pool_timeout": 300}
    else:
        url = postgres_url()  # skips (fails in CI) when PostgreSQL is not configured
        reset_postgres(url)
        options = {"pool_size": 16, "max_overflow": 0, "pool_timeout": 300}
    app = create_app(_config(url, fake.url, SQLALCHEMY_ENGINE_OPTIONS=options))
    restore_world(app, ninjaone_worlds, fake)
    yield app
    with app.app_context():
        db.engine.dispose()


def _run_in_threads(app: Flask, world: World, activity: dict, count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def work() -> None:
        payload = copy.deepcopy(activity)
        try:
            start.wait(timeout=60)
            with app.app_context(), tenant_scope(world.tenant_id):
                integration = db.session.scalars(select(Integration)).one()
                handle_condition(db.session, integration, payload)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return errors


def test_parallel_deliveries_of_one_activity_make_one_alert_and_one_ticket(
    concurrent_app: Flask, fake
) -> None:
    world = World(concurrent_app, fake)
    world.add_rule("Catch-all", catch_all=True)
    result = fake.state.trigger_condition(world.device().device_id, severity="CRITICAL")
    activity = world.delivery(result["activities"][0])
    errors = _run_in_threads(concurrent_app, world, activity, THREADS)
    assert errors == []
    with concurrent_app.app_context(), tenant_scope(world.tenant_id):
        alerts = db.session.scalars(select(Alert)).all()
        assert len(alerts) == 1
        assert alerts[0].occurrence_count == 1 and alerts[0].ticket_id
        new_tickets = db.session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.id > world.seeded_tickets)
        )
        assert new_tickets == 1


def test_parallel_trigger_and_reset_end_resolved_with_the_ticket_closed(concurrent_app: Flask, fake) -> None:
    """Triggers and their reset racing (in any order) still end with the alert resolved, one ticket
    at most, and no open ticket."""
    world = World(concurrent_app, fake)
    world.add_rule("Catch-all", catch_all=True)
    result = fake.state.trigger_condition(world.device().device_id, out_of_order=True)
    trigger, reset = (world.delivery(activity) for activity in result["activities"])
    errors: list[BaseException] = []
    threads = []
    for index in range(40):
        activity = reset if index % 4 == 0 else trigger
        thread = threading.Thread(
            target=lambda a=activity: errors.extend(_run_in_threads(concurrent_app, world, a, 1))
        )
        threads.append(thread)
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == []
    with concurrent_app.app_context(), tenant_scope(world.tenant_id):
        alert = db.session.scalars(select(Alert)).one()
        assert alert.status == "resolved"
        tickets = db.session.scalars(select(Ticket).where(Ticket.id > world.seeded_tickets)).all()
        assert len(tickets) <= 1
        assert all(ticket.status == "closed" for ticket in tickets)


def test_parallel_repeats_of_a_known_alert_open_one_ticket(concurrent_app: Flask, fake) -> None:
    """The alert row already exists (recorded without a ticket while a maintenance window was on);
    200 workers then handle the same new trigger at once. Only the row lock keeps them from each
    deciding "no ticket yet" and opening their own."""
    world = World(concurrent_app, fake)
    world.add_rule("Catch-all", catch_all=True)
    device = world.device()
    now = datetime.now(UTC)
    with world.scope() as session:
        window = rule_store.create_window(
            session,
            {
                "name": "Now",
                "device_id": device.device_id,
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(),
            },
        )
        window_id = window.id
    first = world.trigger(device.device_id, source_config_uid="cond-race")
    assert world.alert(first["alert"]["uid"]).ticket_id is None
    with world.scope() as session:
        session.delete(session.get(MaintenanceWindow, window_id))
        session.commit()
    again = fake.state.trigger_condition(device.device_id, source_config_uid="cond-race")
    assert again["alert"]["uid"] == first["alert"]["uid"]
    errors = _run_in_threads(concurrent_app, world, world.delivery(again["activities"][0]), THREADS)
    assert errors == []
    alert = world.alert(first["alert"]["uid"])
    assert alert.occurrence_count == 2 and alert.ticket_id
    assert len(world.tickets()) == 1
