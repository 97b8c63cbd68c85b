"""The host-dashboard widget of a connected tenant: open alerts by severity, devices offline, sync
health; and the same widget marks its numbers stale after a disconnect."""

from __future__ import annotations

import re

from flask import render_template_string, session
from sqlalchemy import func, select, update

from flask_ninjaone.models import Device, Integration, RunState
from tests.support.alert_pages import PREFIX, _login, _user_id
from tests.support.alerts_world import World


def _widget(html: str) -> str:
    found = re.search(r"<section class=\"ninjaone ninjaone-widget.*?</section>", html, re.S)
    assert found, "no widget on the dashboard"
    return found.group(0)


def _stat(widget: str, label: str) -> str:
    found = re.search(rf'__value[^"]*">([^<]+)</span>\s*<span class="ninjaone-widget__label">{label}', widget)
    assert found, label
    return found.group(1)


def test_widget_counts_open_alerts_by_severity_and_offline_devices(world: World) -> None:
    world.add_rule("Record", catch_all=True, actions={"mode": "record_only"})
    world.trigger(world.device(0).device_id, severity="CRITICAL")
    world.trigger(world.device(1).device_id, severity="MAJOR")
    world.trigger(world.device(2).device_id, severity="MAJOR")
    with world.scope() as session:
        count = select(func.count()).select_from(Device).where(Device.retired.is_(False))
        devices = session.scalar(count)
        offline = session.scalar(count.where(Device.agent_status == "offline"))
    widget = _widget(_login(world.app, "viewer@acme.test").get("/").get_data(as_text=True))
    assert 'data-state="connected"' in widget
    assert _stat(widget, "Open alerts") == "3"
    assert _stat(widget, f"of {devices} devices offline") == str(offline)
    assert re.search(r"severity=CRITICAL\"><span[^>]*>Critical</span> 1<", widget)
    assert re.search(r"severity=MAJOR\"><span[^>]*>Major</span> 2<", widget)


def test_widget_says_error_with_the_reason_when_the_last_sync_failed(world: World) -> None:
    with world.scope() as session:
        session.execute(
            update(Integration).values(last_sync_status=RunState.FAILED, last_error="NinjaOne answered 503")
        )
        session.commit()
    widget = _widget(_login(world.app, "viewer@acme.test").get("/").get_data(as_text=True))
    assert 'data-state="error"' in widget and ">Error<" in widget
    assert "NinjaOne answered 503" in widget and "Sync now" in widget


def test_after_a_disconnect_rmm_panels_and_badges_say_last_known_never_live(world: World) -> None:
    device = world.device()
    admin = _login(world.app, "admin@acme.test")
    live_panel = admin.get(f"{PREFIX}/assets/{device.host_asset_id}/panel").get_data(as_text=True)
    assert 'data-health="connected"' in live_panel and "data-stale" not in live_panel
    assert "Remote Connect" in live_panel

    assert admin.post(PREFIX + "/disconnect").status_code == 302
    panel = admin.get(f"{PREFIX}/assets/{device.host_asset_id}/panel").get_data(as_text=True)
    assert "ninjaone-stale" in panel and 'data-health="disconnected"' in panel
    assert "last known state, from" in panel and "Connect again in the settings" in panel
    assert "Remote Connect" not in panel and "Refresh this device now" not in panel

    widget = _widget(admin.get("/").get_data(as_text=True))
    assert 'data-state="disconnected"' in widget and "ninjaone-stale" in widget
    assert "last known state, from" in widget

    with world.app.test_request_context("/"):
        session["user_id"] = _user_id(world.app, "admin@acme.test")
        badges = render_template_string(
            '{% from "ninjaone/asset_macros.html" import asset_badges %}'
            "{{ asset_badges(ninjaone_asset_summaries([asset_id]).get(asset_id)) }}",
            asset_id=device.host_asset_id,
        )
    assert "ninjaone-stale" in badges and "last known" in badges

    with world.app.test_request_context("/"):
        session["user_id"] = _user_id(world.app, "admin@acme.test")
        button = render_template_string("{{ ninjaone_remote_button(a) }}", a=device.host_asset_id)
    assert button == ""  # no Remote Connect that can only fail
