"""Maintenance windows per NinjaOne instance (issue 22), against two fakes whose organization and device
ids overlap: a window scoped to one instance silences only that instance's alerts (device 5 of the other
is another machine) and puts only that instance's device in maintenance in NinjaOne; an all-instances
window (naming no organization or device) covers both; the window form offers only this tenant's
instances and refuses anything else, changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from flask_ninjaone.actions.windows import apply_windows
from flask_ninjaone.alerts import rule_store
from flask_ninjaone.models import Device, MaintenanceWindow
from tests.support.connection_flow import PREFIX, page_text, tenant_db
from tests.support.instance_alerts import globex_instance, instance_ids, shared_device, trigger_both
from tests.support.instance_cli import ok

WINDOWS = PREFIX + "/rules/maintenance"
PUT, DELETE = "PUT /v2/device/{id}/maintenance", "DELETE /v2/device/{id}/maintenance"


def _now_window(name: str, **scope: Any) -> dict[str, Any]:
    """A one-off window on now (for ``create_window``), covering ``scope`` (organization/device id)."""
    now = datetime.now(UTC)
    return {"name": name, "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(), **scope}  # fmt: skip


def _every_alert_opens_a_ticket(app: Flask) -> None:
    with tenant_db(app) as session:
        rule_store.create_rule(session, name="Every instance", conditions={}, actions={}, catch_all=True)


def _windows(app: Flask) -> list[tuple[str, int | None, int | None]]:
    with tenant_db(app) as session:
        rows = session.scalars(select(MaintenanceWindow).order_by(MaintenanceWindow.id))
        return [(row.name, row.integration_id, row.device_id) for row in rows]


def test_a_window_on_betas_device_silences_betas_alert_and_not_alphas(web_app, two_instances):
    ids = instance_ids(web_app)
    device_id, _ = shared_device(web_app, ids)
    _every_alert_opens_a_ticket(web_app)
    with tenant_db(web_app) as session:
        window = _now_window("Beta patch night", device_id=device_id)
        rule_store.create_window(session, window, integration_id=ids["beta"])
    alerts = trigger_both(web_app, two_instances, ids, device_id)
    assert alerts["beta"].ticket_id is None and "Beta patch night" in (alerts["beta"].suppressed_reason or "")
    assert alerts["alpha"].ticket_id is not None and not alerts["alpha"].suppressed_reason


def test_an_all_instances_window_without_ids_silences_both(web_app, two_instances):
    ids = instance_ids(web_app)
    device_id, _ = shared_device(web_app, ids)
    _every_alert_opens_a_ticket(web_app)
    with tenant_db(web_app) as session:
        rule_store.create_window(session, _now_window("Everything, everywhere"))
    assert _windows(web_app) == [("Everything, everywhere", None, None)]
    alerts = trigger_both(web_app, two_instances, ids, device_id)
    assert all(alert.ticket_id is None for alert in alerts.values())


def test_a_window_naming_a_device_needs_its_instance_while_there_are_several(web_app, two_instances):
    with tenant_db(web_app) as session:
        try:
            rule_store.create_window(session, _now_window("Device 1", device_id=1))
        except rule_store.RuleError as exc:
            assert "numbered per NinjaOne instance" in " ".join(rule_store.error_lines(exc))
        else:
            raise AssertionError("an all-instances window naming a device was saved")
    assert _windows(web_app) == []


def _form(name: str, integration_id: object, device_id: int, **extra: str) -> dict[str, str]:
    start = datetime.now(UTC) - timedelta(minutes=5)
    end = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
    return {"name": name, "integration_id": str(integration_id), "recurrence": "none", "timezone": "UTC",
            "organization_id": "", "device_id": str(device_id), "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": end.strftime("%Y-%m-%dT%H:%M"), **extra}  # fmt: skip


def _maintenance_calls(fake: Any) -> tuple[int, int]:
    counts = fake.state.request_counts()
    return counts.get(PUT, 0), counts.get(DELETE, 0)


def test_a_ninjaone_maintenance_window_on_beta_acts_in_betas_ninjaone_only(web_app, two_instances, admin):
    ids = instance_ids(web_app)
    device_id, _ = shared_device(web_app, ids)
    fakes = two_instances
    for fake in fakes.values():
        fake.state.reset_counters()
    created = admin.post(WINDOWS, data=_form("Beta only", ids["beta"], device_id, ninjaone_maintenance="y"))
    assert created.status_code == 302, page_text(created)
    with tenant_db(web_app) as session:
        apply_windows(session)  # the tick (the page already queued it: the same occurrence, once)
    assert _maintenance_calls(fakes["beta"]) == (1, 0) and _maintenance_calls(fakes["alpha"]) == (0, 0)
    assert fakes["beta"].state.device(device_id)["maintenance"]["status"] == "IN_MAINTENANCE"
    assert "maintenance" not in fakes["alpha"].state.device(device_id)
    listing = admin.get(WINDOWS).get_data(as_text=True)
    assert "Beta only" in listing and "<small data-window-instance>beta</small>" in listing

    (window_id,) = [row.id for row in _window_rows(web_app)]
    assert admin.post(f"{WINDOWS}/{window_id}/delete").status_code == 302
    with tenant_db(web_app) as session:
        apply_windows(session)
    assert _maintenance_calls(fakes["beta"]) == (1, 1) and _maintenance_calls(fakes["alpha"]) == (0, 0)
    assert "maintenance" not in fakes["beta"].state.device(device_id)


def _window_rows(app: Flask) -> list[MaintenanceWindow]:
    with tenant_db(app) as session:
        rows = list(session.scalars(select(MaintenanceWindow)))
        session.expunge_all()
        return rows


def test_the_window_form_refuses_a_foreign_instance_and_changes_nothing(web_app, two_instances, admin):
    ids = instance_ids(web_app)
    device_id, _ = shared_device(web_app, ids)
    for fake in two_instances.values():
        fake.state.reset_counters()
    form = admin.get(WINDOWS).get_data(as_text=True)
    assert 'name="integration_id"' in form and "(#1)" not in form  # no organizations before an instance
    picked = admin.post(WINDOWS, data={**_form("Picked", ids["beta"], device_id), "pick_instance": "1"})
    assert picked.status_code == 200 and "(#1)</option>" in picked.get_data(as_text=True)
    for foreign in (globex_instance(web_app), 10**9, "alpha"):
        refused = admin.post(WINDOWS, data=_form("Foreign", foreign, device_id, ninjaone_maintenance="y"))
        assert refused.status_code == 400 and "Not a valid choice" in page_text(refused)
    unscoped = admin.post(WINDOWS, data=_form("Unscoped", "", device_id))
    assert unscoped.status_code == 400 and "numbered per NinjaOne instance" in page_text(unscoped)
    assert _windows(web_app) == []
    assert all(_maintenance_calls(fake) == (0, 0) for fake in two_instances.values())


def test_an_all_instances_ninjaone_window_acts_on_each_instance_that_can(web_app, two_instances, cli):
    """Every device of beta goes in maintenance in beta's NinjaOne; alpha, disconnected, is skipped and
    named in what the run says, instead of stopping beta's."""
    ids = instance_ids(web_app)
    ok(cli("disconnect", "--tenant", "acme", "--instance", "alpha", "--yes"))
    for fake in two_instances.values():
        fake.state.reset_counters()
    with tenant_db(web_app) as session:
        window = _now_window("Everything, everywhere", ninjaone_maintenance=True)
        rule_store.create_window(session, window)
        beta_devices = session.scalar(
            select(func.count()).where(Device.integration_id == ids["beta"], Device.retired.is_(False))
        )
        run = apply_windows(session)
    assert run.started == beta_devices and run.refused and run.refused.startswith("alpha: ")
    assert _maintenance_calls(two_instances["beta"]) == (beta_devices, 0)
    assert _maintenance_calls(two_instances["alpha"]) == (0, 0)
