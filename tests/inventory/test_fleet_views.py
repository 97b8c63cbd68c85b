"""Compliance dashboard, software search, asset panel and list: figures, escaping, permissions, CSRF."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from sqlalchemy import select

from flask_ninjaone.inventory import refresh as _refresh  # noqa: F401  (imported for monkeypatch targets)
from flask_ninjaone.inventory.compliance import dashboard
from flask_ninjaone.inventory.refresh import refresh_inventory
from flask_ninjaone.inventory.versions import compare_versions
from flask_ninjaone.jobs import inline_runner
from flask_ninjaone.models import Alert, Device, OrganizationMapping
from flask_ninjaone.sync.runner import run_sync
from flask_ninjaone.testing.fake_ninjaone import inventory as fake_inventory
from sample_host.database import db
from sample_host.models import Asset, Tenant
from tests.support.inventory import URL, FreshContextClient


def add_alerts(acme) -> list[dict]:
    """Mirror the fake's active alerts into the Alert table, as the alerts feature does; plus one
    acknowledged (counts) and one resolved (does not)."""
    mirrored = {device.device_id for device in acme.devices()}
    for device_id, severity in zip(
        sorted(mirrored), ("CRITICAL", "MAJOR", "MAJOR", "MINOR", "MODERATE"), strict=False
    ):
        acme.fake.state.trigger_condition(device_id, severity=severity)
    alerts = acme.fake.state.alerts()
    with acme.scope():
        for index, alert in enumerate(a for a in alerts if a["deviceId"] in mirrored):
            db.session.add(
                Alert(
                    integration_id=acme.integration_id,
                    series_uid=alert["uid"],
                    device_id=alert["deviceId"],
                    severity=alert.get("severity") or "NONE",
                    status="acknowledged" if index == 0 else "active",
                    message=alert.get("message"),
                )
            )
        device = acme.devices()[0]
        db.session.add(Alert(integration_id=acme.integration_id, series_uid="resolved-one",
                             device_id=device.device_id, severity="CRITICAL", status="resolved"))  # fmt: skip
        db.session.commit()
    return [a for a in alerts if a["deviceId"] in mirrored]


def independent_figures(acme, alerts) -> dict[str, int]:
    """The dashboard's fleet figures computed from the fake's own data, not from our tables."""
    state = acme.fake.state
    figures: Counter[str] = Counter()
    for device in acme.devices():
        record = state.device(device.device_id)
        figures["devices"] += 1
        figures["online" if record["offline"] is False else "offline"] += 1
        health = fake_inventory.health(state.seed, record, 0, False)
        pending = health["pendingOSPatchesCount"] + health["pendingSoftwarePatchesCount"]
        failed = health["failedOSPatchesCount"] + health["failedSoftwarePatchesCount"]
        figures["patches_pending"] += pending
        figures["patches_failed"] += failed
        agent_os = record["nodeClass"].startswith(("WINDOWS_", "MAC", "LINUX_"))
        if failed:
            figures["patch_failed_devices"] += 1
        elif pending:
            figures["patch_pending_devices"] += 1
        else:
            figures["patch_compliant" if agent_os else "patch_not_applicable"] += 1
        products = fake_inventory.antivirus(state.seed, record)
        if not products and not record["nodeClass"].startswith(("WINDOWS_", "MAC", "LINUX_")):
            figures["av_not_applicable"] += 1
        elif not products:
            figures["av_none"] += 1
        elif any(p["productState"] == "ON" and p["definitionStatus"] == "UP_TO_DATE" for p in products):
            figures["av_protected"] += 1
        else:
            figures["av_unprotected"] += 1
        if health["activeThreatsCount"]:
            figures["devices_with_threats"] += 1
        figures["threats_active"] += health["activeThreatsCount"]
    for alert in alerts:
        figures[f"alerts_{(alert.get('severity') or 'NONE').lower()}"] += 1
    return figures


def test_dashboard_figures_equal_counts_from_the_fakes_data(acme):
    alerts = add_alerts(acme)
    assert alerts, "the seeded fleet has active alerts"
    expected = independent_figures(acme, alerts)
    with acme.scope():
        row = dashboard().fleet.row()
    for key, value in expected.items():
        assert row[key] == value, key
    assert row["agent_unknown"] == row["patch_unknown"] == row["av_unknown"] == 0
    av = ("av_protected", "av_unprotected", "av_none", "av_not_applicable")
    assert sum(row[key] for key in av) == row["devices"] and row["av_not_applicable"] and row["av_none"]


def test_dashboard_per_client_rows_add_up_and_can_be_scoped(acme):
    add_alerts(acme)
    with acme.scope():
        data = dashboard()
        assert len(data.clients) >= 2
        totals = Counter()
        for row in data.clients:
            figures = row.figures
            totals.update(figures.row())
        assert dict(totals) == {key: value for key, value in data.fleet.row().items() if value} | {
            key: 0 for key, value in data.fleet.row().items() if not value and key in totals
        }
        _, client_id, _, figures = data.clients[0]
        scoped = dashboard(client_id)
        assert scoped.fleet.row() == figures.row() and len(scoped.clients) == 1


def test_dashboard_page_draws_local_charts_and_exports_csv(acme, app):
    add_alerts(acme)
    client = acme.login(app.test_client(), "viewer@acme.test")
    page = client.get(f"{URL}/compliance/")
    assert page.status_code == 200
    html = page.data.decode()
    assert html.count("<svg") == 4 and "Open alerts by severity" in html
    assert "cdn" not in html.lower() and 'src="http' not in html
    assert "/static/ninjaone/charts.css" in html
    export = client.get(f"{URL}/compliance/export.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.data.decode())))
    with acme.scope():
        fleet = dashboard().fleet.row()
    total = rows[-1]
    assert total["Client"] == "All clients" and int(total["Devices"]) == fleet["devices"]
    assert int(total["Failed patches"]) == fleet["patches_failed"]
    assert int(total["Critical alerts"]) == fleet["alerts_critical"]


def _chrome_versions(acme) -> dict[int, list[str]]:
    found = {}
    for device in acme.devices():
        versions = [
            r["version"]
            for r in acme.fake.state.device_software(device.device_id)
            if r["name"] == "Google Chrome"
        ]
        if versions:
            found[device.device_id] = versions
    return found


def test_software_search_with_version_comparison(acme, app):
    chrome = _chrome_versions(acme)
    assert chrome
    versions = sorted({v for vs in chrome.values() for v in vs}, key=lambda v: [int(p) for p in v.split(".")])
    limit = versions[-1]
    expected = sorted(d for d, vs in chrome.items() if any(compare_versions(v, limit) < 0 for v in vs))
    everything = sorted(chrome)
    client = acme.login(app.test_client(), "tech@acme.test")
    query = {"name": "google chrome", "match": "exact", "version": f"< {limit}"}
    csv_text = client.get(f"{URL}/compliance/software.csv", query_string=query).data.decode()
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert sorted(int(r["NinjaOne device id"]) for r in rows) == expected
    all_rows = list(csv.DictReader(io.StringIO(client.get(
        f"{URL}/compliance/software.csv", query_string={"name": "chrome"}).data.decode())))  # fmt: skip
    assert (
        sorted({int(r["NinjaOne device id"]) for r in all_rows if r["Software"] == "Google Chrome"})
        == everything
    )
    page = client.get(f"{URL}/compliance/software", query_string={"name": "chrome", "version": "< 1000"})
    assert page.status_code == 200 and b"Google Chrome" in page.data
    bad = client.get(f"{URL}/compliance/software", query_string={"name": "chrome", "version": "<"})
    assert bad.status_code == 200 and b"Write a version filter like" in bad.data
    assert client.get(f"{URL}/compliance/software.csv", query_string={"version": "<"}).status_code == 400


def test_software_search_is_scoped_to_a_client(acme, app):
    with acme.scope():
        mapping = db.session.scalars(
            select(OrganizationMapping).order_by(OrganizationMapping.organization_id)
        ).first()
        client_id, org = mapping.host_client_id, mapping.organization_id
    in_org = {d.device_id for d in acme.devices() if d.organization_id == org}
    client = acme.login(app.test_client(), "tech@acme.test")
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"{URL}/compliance/software.csv", query_string={"client": client_id}).data.decode())))  # fmt: skip
    assert rows and {int(r["NinjaOne device id"]) for r in rows} <= in_org
    assert (
        client.get(f"{URL}/compliance/software", query_string={"client": "999999"}).data.count(
            b"Unknown client"
        )
        == 1
    )


def test_names_with_markup_and_formulas_are_escaped(acme, app, monkeypatch):
    device = next(d for d in acme.devices() if acme.fake.state.device_software(d.device_id))
    evil_device = "<script>alert('device')</script>"
    acme.fake.state.update_device(device.device_id, {"systemName": evil_device, "displayName": evil_device})
    original = fake_inventory.software
    evil_software = '=HYPERLINK("http://evil.example","<script>alert(1)</script>")'

    def software(seed, record):
        rows = original(seed, record)
        if record["id"] == device.device_id:
            rows = [*rows, {"name": evil_software, "publisher": "+cmd|' /C calc'!A0", "version": "-1"}]
        return rows

    monkeypatch.setattr(fake_inventory, "software", software)
    with acme.scope():
        assert run_sync(acme.integration_id, kind="full").state == "succeeded"
    client = acme.login(app.test_client(), "tech@acme.test")
    panel = client.get(f"/assets/{device.host_asset_id}", query_string={"sw_q": "hyperlink"}).data.decode()
    assert "<script>alert" not in panel
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel
    search = client.get(f"{URL}/compliance/software", query_string={"name": "hyperlink"}).data.decode()
    assert "<script>alert" not in search and "&lt;script&gt;alert(&#39;device&#39;)&lt;/script&gt;" in search
    rows = list(csv.reader(io.StringIO(client.get(
        f"{URL}/compliance/software.csv", query_string={"name": "hyperlink"}).data.decode())))  # fmt: skip
    assert rows[1][3] == "'" + evil_software
    assert rows[1][4] == "'+cmd|' /C calc'!A0" and rows[1][5] == "'-1"
    assert rows[1][0] == evil_device  # "<" is not a formula prefix; the CSV is not HTML


def test_asset_panel_software_search_sort_and_pagination(acme, app):
    device = max(acme.devices(), key=lambda d: len(acme.fake.state.device_software(d.device_id)))
    names = sorted(r["name"].lower() for r in acme.fake.state.device_software(device.device_id))
    client = acme.login(app.test_client(), "viewer@acme.test")
    page = client.get(f"/assets/{device.host_asset_id}").data.decode()
    assert "source NinjaOne" in page and "Open in NinjaOne" in page
    assert "Refresh this device now" not in page  # viewers start no NinjaOne work (ninjaone.actions)
    assert "Page 1 of" in page
    tech = acme.login(app.test_client(), "tech@acme.test")
    assert "Refresh this device now" in tech.get(f"/assets/{device.host_asset_id}").data.decode()
    second = client.get(f"/assets/{device.host_asset_id}", query_string={"sw_page": "2"}).data.decode()
    assert "Page 2 of" in second
    desc = client.get(
        f"/assets/{device.host_asset_id}", query_string={"sw_sort": "name", "sw_dir": "desc"}
    ).data.decode()
    first_row = desc.split('data-label="Name">')[1].split("<")[0]
    assert first_row.lower() == names[-1]
    for bad in ({"sw_page": "x"}, {"sw_sort": "'; drop"}, {"sw_dir": "sideways"}, {"sw_page": "-5"}):
        assert client.get(f"/assets/{device.host_asset_id}", query_string=bad).status_code == 200


ROUTES = [
    ("get", "/compliance/", "view"),
    ("get", "/compliance/export.csv", "view"),
    ("get", "/compliance/software?name=a", "view"),
    ("get", "/compliance/software.csv?name=a", "view"),
    ("post", "/compliance/refresh", "manage"),
    ("get", "/remote/audit", "manage"),
    ("get", "/assets/{asset}/panel", "view"),
    ("post", "/assets/{asset}/refresh", "actions"),
    ("post", "/assets/sync-selected", "actions"),
    ("get", "/assets/open-selected?asset_ids={asset}", "view"),
]
ROLES = {
    "admin@acme.test": {"view", "manage", "actions"},
    "tech@acme.test": {"view", "actions"},
    "viewer@acme.test": {"view"},
}


def test_permission_matrix_of_the_routes(acme, app):
    asset = acme.devices()[0].host_asset_id
    anonymous = app.test_client()
    for method, path, _ in ROUTES:
        response = getattr(anonymous, method)(URL + path.format(asset=asset))
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    for email, allowed in ROLES.items():
        client = acme.login(app.test_client(), email)
        for method, path, needs in ROUTES:
            data = {"asset_ids": [asset]} if method == "post" else None
            response = getattr(client, method)(URL + path.format(asset=asset), data=data)
            if needs in allowed:
                assert response.status_code in (200, 303), (email, path, response.status_code)
            else:
                assert response.status_code == 403, (email, path)


def test_posts_need_the_csrf_token(acme, make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    app.test_client_class = FreshContextClient
    asset = acme.devices()[0].host_asset_id
    with app.app_context():
        client = acme.login(app.test_client(), "admin@acme.test")
        for path in ("/compliance/refresh", f"/assets/{asset}/refresh", "/assets/sync-selected"):
            assert client.post(URL + path, data={"asset_ids": [asset]}).status_code == 400, path


def test_asset_list_badges_filters_and_bulk_actions(acme, app):
    add_alerts(acme)
    with acme.scope():
        devices = db.session.scalars(select(Device).where(Device.retired.is_(False))).all()
        failed = {
            d.host_asset_id for d in devices if (d.os_patches_failed or 0) + (d.software_patches_failed or 0)
        }
        alerting = {
            str(a.device_id) for a in db.session.scalars(select(Alert).where(Alert.status != "resolved"))
        }
        alert_assets = {d.host_asset_id for d in devices if str(d.device_id) in alerting}
    client = acme.login(app.test_client(), "tech@acme.test")
    listing = client.get("/assets/", query_string={"status": "all"}).data.decode()
    assert "Sync selected" in listing and 'name="asset_ids"' in listing
    assert "Agent online" in listing and "open alert" in listing
    failed_page = client.get("/assets/", query_string={"patch": "failed", "status": "all"}).data.decode()
    shown = {
        link.split('"')[0] for link in failed_page.split('href="/assets/')[1:] if link.split('"')[0].isdigit()
    }
    assert shown == failed or (len(failed) > 50 and shown <= failed)
    alerts_page = client.get("/assets/", query_string={"alerts": "yes", "status": "all"}).data.decode()
    shown = {
        link.split('"')[0] for link in alerts_page.split('href="/assets/')[1:] if link.split('"')[0].isdigit()
    }
    assert shown == alert_assets
    unmanaged = client.get("/assets/", query_string={"rmm": "no", "status": "all"}).data.decode()
    assert "Agent online" not in unmanaged
    # Bulk: sync two assets, open one (redirect) or several (a list of links).
    first, second = sorted(d.host_asset_id for d in devices if d.host_asset_id)[:2]
    acme.fake.state.reset_counters()
    response = client.post(
        f"{URL}/assets/sync-selected", data={"asset_ids": [first, second], "next": "/assets/"}
    )
    assert response.status_code == 303 and response.headers["Location"].startswith("/assets/?ninjaone_run=")
    inline_runner(app).wait()  # the bulk action is a detached job
    counts = acme.fake.state.request_counts()
    assert counts["GET /v2/devices-detailed"] == 1 and counts["GET /v2/queries/software"] == 1
    evil = client.post(f"{URL}/assets/sync-selected", data={"asset_ids": [first], "next": "//evil.example/"})
    assert evil.headers["Location"].startswith(f"{URL}/compliance")
    one = client.get(f"{URL}/assets/open-selected", query_string={"asset_ids": [first]})
    assert one.status_code == 303 and "/#/deviceDashboard/" in one.headers["Location"]
    several = client.get(f"{URL}/assets/open-selected", query_string={"asset_ids": [first, second]})
    assert several.status_code == 200 and several.data.count(b"/#/deviceDashboard/") == 2


def test_refresh_this_device_from_the_panel(acme, app):
    device = acme.devices()[0]
    client = acme.login(app.test_client(), "tech@acme.test")
    acme.fake.state.reset_counters()
    response = client.post(
        f"{URL}/assets/{device.host_asset_id}/refresh", headers={"Accept": "application/json"}
    )
    assert response.status_code == 202 and response.get_json()["ok"]  # a detached job
    inline_runner(app).wait()
    assert acme.fake.state.request_counts()["GET /v2/device/{id}"] == 1
    page = client.post(
        f"{URL}/assets/{device.host_asset_id}/refresh", data={"next": f"/assets/{device.host_asset_id}"}
    )
    run_id = response.get_json()["run"]["id"] + 1
    assert page.status_code == 303
    assert page.headers["Location"] == f"/assets/{device.host_asset_id}?ninjaone_run={run_id}"
    inline_runner(app).wait()
    unmanaged = _unmanaged_asset_id(app)
    missing = client.post(f"{URL}/assets/{unmanaged}/refresh", headers={"Accept": "application/json"})
    assert missing.status_code == 409 and "not managed" in missing.get_json()["message"]
    unknown = client.post(f"{URL}/assets/999999/refresh", headers={"Accept": "application/json"})
    assert unknown.status_code == 404  # no such asset in this tenant


def _unmanaged_asset_id(app) -> int:
    """An acme asset the seed created by hand (not from NinjaOne)."""
    with app.app_context():
        return db.session.scalars(
            select(Asset.id)
            .join(Tenant, Tenant.id == Asset.tenant_id)
            .where(Tenant.slug == "acme", Asset.external_source.is_(None))
        ).first()


@pytest.mark.parametrize("email", ["admin@acme.test"])
def test_manual_fleet_refresh(acme, app, email):
    client = acme.login(app.test_client(), email)
    response = client.post(f"{URL}/compliance/refresh")
    assert response.status_code == 303
    inline_runner(app).wait()
    with acme.scope():
        assert refresh_inventory(acme.integration_id).counts["rows_written"] == 0


def test_panel_lists_open_alerts_with_actions_for_alert_handlers(acme, app):
    add_alerts(acme)
    with acme.scope():
        alert = db.session.scalars(select(Alert).where(Alert.status == "active").order_by(Alert.id)).first()
        alert_id, device_id = alert.id, alert.device_id
    asset = next(d.host_asset_id for d in acme.devices() if d.device_id == device_id)
    tech = acme.login(app.test_client(), "tech@acme.test").get(f"/assets/{asset}").data.decode()
    viewer = acme.login(app.test_client(), "viewer@acme.test").get(f"/assets/{asset}").data.decode()
    assert "No open alerts." not in tech and "No open alerts." not in viewer
    acknowledge = f"/alerts/{alert_id}/acknowledge"
    if "ninjaone_alerts.acknowledge" in app.view_functions:  # the alerts panel ships its routes
        assert acknowledge in tech
    assert acknowledge not in viewer  # viewers lack ninjaone.alerts
