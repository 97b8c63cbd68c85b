"""Renaming and removing one of a tenant's NinjaOne instances (issue 22), on the settings page and with
``flask ninjaone instance rename/remove``: names checked like every instance name (unique per tenant,
never only digits), removal only of a disconnected instance (or disconnected first, when asked), which
retires it with its history kept and its assets marked inactive saying why; the other instance is
untouched. Managers only, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from flask_ninjaone.alerts import rule_store
from flask_ninjaone.models import (
    AlertRule,
    AuditEntry,
    Credential,
    Device,
    Integration,
    MaintenanceWindow,
    SyncRun,
)
from sample_host.models import Asset
from tests.support.connection_flow import (
    PREFIX,
    SETTINGS,
    bound_to,
    ends_on_settings,
    flashed,
    page_text,
    tenant_db,
)
from tests.support.instance_cli import json_of, ok


def _rows(app: Flask) -> dict[int, Integration]:
    with tenant_db(app) as session:
        rows = {row.id: row for row in session.scalars(select(Integration))}
        session.expunge_all()
    return rows


def _by_name(app: Flask) -> dict[str, Integration]:
    return {row.name: row for row in _rows(app).values()}


def _audit(app: Flask, action: str) -> list[AuditEntry]:
    with tenant_db(app) as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        session.expunge_all()
    return entries


def _assets(app: Flask, integration_id: int) -> dict[str, tuple[str, str | None]]:
    """Status and inactive reason of the assets of an instance's devices (retired ones included)."""
    with tenant_db(app) as session:
        asset_ids = session.scalars(
            select(Device.host_asset_id).where(Device.integration_id == integration_id)
        )
        return {
            asset_id: (asset.status, asset.inactive_reason)
            for asset_id in asset_ids
            if asset_id and (asset := session.get(Asset, int(asset_id))) is not None
        }


def _device_count(app: Flask, integration_id: int) -> int:
    with tenant_db(app) as session:
        count = select(func.count()).select_from(Device).where(Device.integration_id == integration_id)
        return session.scalar(count) or 0


# -- rename ----------------------------------------------------------------------------------------------


def test_the_cli_renames_an_instance_and_the_new_name_names_it(web_app, cli, two_instances):
    ids = {name: row.id for name, row in _by_name(web_app).items()}
    result = ok(cli("instance", "rename", "--tenant", "acme", "--instance", "beta", "  Beta   EU "))
    assert "'beta'" in result.output and "'Beta EU'" in result.output
    assert {name: row.id for name, row in _by_name(web_app).items()} == {
        "alpha": ids["alpha"],
        "Beta EU": ids["beta"],
    }
    statuses = json_of(cli("status", "--tenant", "acme", "--instance", "beta eu", "--json"))
    assert "Beta EU" in str(statuses)
    (entry,) = _audit(web_app, "instance_renamed")
    assert entry.target_id == str(ids["beta"]) and entry.detail == {"from": "beta", "to": "Beta EU"}


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("ALPHA", "already has a NinjaOne instance named"),
        ("2026", "cannot be only digits"),
        ("   ", "Give the instance a name"),
        ("x" * 65, "at most 64 characters"),
        ("beta\x00two", "only printable characters"),  # PostgreSQL cannot even compare a NUL
    ],
)
def test_a_bad_name_is_refused_and_changes_nothing(web_app, cli, two_instances, admin, name, why):
    before = {row.id: row.name for row in _rows(web_app).values()}
    result = cli("instance", "rename", "--tenant", "acme", "--instance", "beta", name)
    assert result.exit_code != 0 and why in result.output
    beta = _by_name(web_app)["beta"].id
    page = page_text(admin.get(SETTINGS + f"?instance={beta}"))
    ends_on_settings(admin.post(PREFIX + "/instance/rename", data={"name": name, **bound_to(page)}))
    assert any(why in message for message in flashed(admin)), flashed(admin)
    assert {row.id: row.name for row in _rows(web_app).values()} == before
    assert not _audit(web_app, "instance_renamed")


def test_the_cli_refuses_an_instance_that_is_not_the_tenants(web_app, cli, two_instances):
    for ref in ("gamma", "999999"):
        result = cli("instance", "rename", "--tenant", "acme", "--instance", ref, "delta")
        assert result.exit_code != 0 and f"No NinjaOne instance {ref!r}" in result.output
    result = cli("instance", "rename", "--tenant", "acme", "delta")
    assert result.exit_code != 0 and "say which one with --instance" in result.output
    result = cli("instance", "remove", "--tenant", "globex", "--instance", "alpha", "--yes")
    assert result.exit_code != 0
    assert {row.name for row in _rows(web_app).values()} == {"alpha", "beta"}


def test_the_page_renames_the_instance_its_form_was_rendered_for(web_app, two_instances, admin, login):
    ids = {name: row.id for name, row in _by_name(web_app).items()}
    alpha_tab = page_text(admin.get(SETTINGS + f"?instance={ids['alpha']}"))
    assert 'value="alpha"' in alpha_tab and "Rename" in alpha_tab
    admin.get(SETTINGS + f"?instance={ids['beta']}")  # another tab
    ends_on_settings(admin.post(PREFIX + "/instance/rename", data={"name": "Main EU", **bound_to(alpha_tab)}))
    assert {row.id: row.name for row in _rows(web_app).values()} == {
        ids["alpha"]: "Main EU",
        ids["beta"]: "beta",
    }
    assert _audit(web_app, "instance_renamed")[0].user_name
    technician = login("technician")
    assert "/instance/rename" not in page_text(technician.get(SETTINGS))
    refused = technician.post(PREFIX + "/instance/rename", data={"name": "x", **bound_to(alpha_tab)})
    assert refused.status_code == 403


# -- remove ----------------------------------------------------------------------------------------------


def test_the_cli_removes_a_connected_instance_only_when_told_to_disconnect_it(web_app, cli, two_instances):
    rows = _by_name(web_app)
    alpha, beta = rows["alpha"].id, rows["beta"].id
    alpha_assets, mirrored = _assets(web_app, alpha), _device_count(web_app, beta)
    refused = cli("instance", "remove", "--tenant", "acme", "--instance", "beta", "--yes")
    assert refused.exit_code != 0 and "is connected" in refused.output and "--disconnect" in refused.output
    assert _rows(web_app)[beta].retired_at is None

    declined = cli("instance", "remove", "--tenant", "acme", "--instance", "beta", "--disconnect")
    assert declined.exit_code != 0 and _rows(web_app)[beta].retired_at is None  # no "y" at the prompt

    result = ok(cli("instance", "remove", "--tenant", "acme", "--instance", "beta", "--disconnect", "--yes"))
    assert "'beta' removed" in result.output
    after = _rows(web_app)
    assert after[beta].retired_at is not None
    assert after[alpha].retired_at is None and after[alpha].status == "connected"
    beta_assets = _assets(web_app, beta)
    assert beta_assets and all(
        status == "inactive" and reason and "was removed" in reason for status, reason in beta_assets.values()
    )
    assert _assets(web_app, alpha) == alpha_assets  # the other instance's machines are untouched
    with tenant_db(web_app) as session:  # history kept: devices (retired), runs, the name
        runs = session.scalar(select(func.count()).select_from(SyncRun).where(SyncRun.integration_id == beta))
        assert session.scalar(select(Credential).where(Credential.integration_id == beta)) is None
    assert runs and mirrored and _device_count(web_app, beta) == mirrored
    (entry,) = _audit(web_app, "instance_removed")
    assert entry.target_id == str(beta) and entry.detail["assets_retired"] == len(beta_assets)

    gone = cli("instance", "remove", "--tenant", "acme", "--instance", "beta", "--yes")
    assert gone.exit_code != 0 and "No NinjaOne instance 'beta'" in gone.output
    taken = cli("instance", "rename", "--tenant", "acme", "--instance", "alpha", "beta")
    assert taken.exit_code != 0 and "already has a NinjaOne instance named 'beta'" in taken.output
    ok(cli("sync", "--tenant", "acme", "--full", "--wait"))  # one instance left: no --instance needed


def test_the_page_removes_only_when_the_confirmation_says_disconnect(web_app, two_instances, admin, login):
    rows = _by_name(web_app)
    alpha, beta = rows["alpha"].id, rows["beta"].id
    beta_tab = page_text(admin.get(SETTINGS + f"?instance={beta}"))
    assert "Disconnect and remove beta" in beta_tab
    admin.get(SETTINGS + f"?instance={alpha}")  # another tab

    refused = login("technician").post(
        PREFIX + "/instance/remove", data={"disconnect": "1", **bound_to(beta_tab)}
    )
    assert refused.status_code == 403
    ends_on_settings(admin.post(PREFIX + "/instance/remove", data=bound_to(beta_tab)))
    assert any("is connected: nothing was removed" in message for message in flashed(admin))
    assert _rows(web_app)[beta].retired_at is None

    ends_on_settings(admin.post(PREFIX + "/instance/remove", data={"disconnect": "1", **bound_to(beta_tab)}))
    assert any("'beta' removed" in message for message in flashed(admin)), flashed(admin)
    after = _rows(web_app)
    assert after[beta].retired_at is not None and after[alpha].retired_at is None
    assert after[alpha].status == "connected"
    page = page_text(admin.get(SETTINGS))
    assert "NinjaOne instances" not in page and "Disconnect and remove alpha" in page
    # the removed instance's tab posts again: refused, nothing changes
    again = admin.post(PREFIX + "/instance/rename", data={"name": "zombie", **bound_to(beta_tab)})
    assert again.status_code == 400 and "zombie" not in {row.name for row in _rows(web_app).values()}


def test_a_disconnected_instance_is_removed_without_disconnecting_again(web_app, cli, two_instances, admin):
    ok(cli("disconnect", "--tenant", "acme", "--instance", "alpha", "--yes"))
    alpha = _by_name(web_app)["alpha"].id
    page = page_text(admin.get(SETTINGS + f"?instance={alpha}"))
    assert "Remove alpha" in page and "Disconnect and remove" not in page
    ends_on_settings(admin.post(PREFIX + "/instance/remove", data=bound_to(page)))
    assert _rows(web_app)[alpha].retired_at is not None
    assert len(_audit(web_app, "disconnect")) <= 1  # the CLI's; the removal did not disconnect again


def test_removing_an_instance_switches_off_its_rules_and_windows_naming_its_ids_and_no_others(
    web_app, cli, two_instances
):
    """beta's organization 1 and device 1 mean nothing once beta is gone: its rule naming them is
    switched off (kept, to be re-scoped) and its window deleted; alpha's rule and window naming the same
    ids, and beta's rule naming no ids, stay as they were."""
    ids = {name: row.id for name, row in _by_name(web_app).items()}
    now = datetime.now(UTC)
    one_off = {
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
    }
    with tenant_db(web_app) as session:
        for name in ("alpha", "beta"):
            rule_store.create_rule(session, name=f"{name} org 1", conditions={"organization_ids": [1]},
                                   actions={}, integration_id=ids[name])  # fmt: skip
            rule_store.create_window(session, {"name": f"{name} device 1", "device_id": 1, **one_off},
                                     integration_id=ids[name])  # fmt: skip
        rule_store.create_rule(session, name="beta majors", conditions={"severities": ["MAJOR"]}, actions={},
                               integration_id=ids["beta"])  # fmt: skip
    ok(cli("instance", "remove", "--tenant", "acme", "--instance", "beta", "--disconnect", "--yes"))
    with tenant_db(web_app) as session:
        rules = {rule.name: rule.active for rule in session.scalars(select(AlertRule))}
        windows = set(session.scalars(select(MaintenanceWindow.name)))
    assert rules == {"alpha org 1": True, "beta org 1": False, "beta majors": True}
    assert windows == {"alpha device 1"}
    (entry,) = _audit(web_app, "instance_removed")
    assert entry.detail["rules_deactivated"] == ["beta org 1"]
    assert entry.detail["maintenance_windows_deleted"] == ["beta device 1"]
