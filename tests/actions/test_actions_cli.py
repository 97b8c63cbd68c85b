"""``flask ninjaone device reboot|maintenance`` and ``flask ninjaone actions``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from flask_ninjaone.testing.connect import connect_tenant


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["ninjaone", *args])


@pytest.fixture
def device(acme):
    return next(d for d in acme.devices() if d.agent_status == "online" and d.node_class == "WINDOWS_SERVER")


def test_reboot_with_json_then_the_same_key_is_the_same_action(acme, app, device):
    args = ["device", "reboot", "--tenant", "acme", "--device", str(device.device_id), "--mode", "FORCED",
            "--reason", "hung", "--key", "ticket-42", "--json"]  # fmt: skip
    result = cli(app, *args)
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert (row["kind"], row["state"], row["parameters"], row["api_calls"]) == (
        "reboot", "sent", {"mode": "FORCED", "reason": "hung"}, 1,
    )  # fmt: skip
    assert row["requested_by"] is None and row["device_id"] == device.device_id
    again = json.loads(cli(app, *args).output)
    assert again["id"] == row["id"]
    assert acme.fake.state.request_counts()["POST /v2/device/{id}/reboot/{mode}"] == 1
    listed = json.loads(cli(app, "actions", "--tenant", "acme", "--json").output)
    assert [entry["id"] for entry in listed] == [row["id"]]
    table = cli(app, "actions", "--tenant", "acme").output
    assert "Forced reboot" in table and "sent" in table


def test_maintenance_until_and_end_now(acme, app, device):
    base = ["device", "maintenance", "--tenant", "acme", "--device", str(device.device_id)]
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
    end = start + timedelta(hours=4)
    window = [
        "--start",
        start.isoformat(),
        "--until",
        end.isoformat(),
        "--feature",
        "ALERTS",
        "--feature",
        "TASKS",
    ]
    result = cli(app, *base, *window)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"Maintenance mode until {end:%Y-%m-%dT%H:%M}Z of {device.name}: confirmed."
    )
    assert acme.fake.state.device(device.device_id)["maintenance"]["status"] == "PENDING"
    result = cli(app, *base, "--end-now", "--json")
    assert json.loads(result.output)["state"] == "confirmed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["device", "reboot", "--mode", "normal"], "Invalid value for '--mode'"),
        (["device", "reboot", "--device", "999999"], "No such asset, or it is not managed by NinjaOne."),
        (["device", "maintenance"], "The end time is required."),
        (["device", "maintenance", "--until", "2001-01-01T00:00"], "in the past"),
        (["device", "maintenance", "--end-now", "--reason", "x"], "--end-now takes no"),
        (["device", "reboot", "--key", "k" * 65], "at most 64 characters"),
    ],
)
def test_bad_input_changes_nothing(acme, app, device, args, message):
    full = [*args[:2], "--tenant", "acme", *args[2:]]
    if "--device" not in full:
        full += ["--device", str(device.device_id)]
    result = cli(app, *full)
    assert result.exit_code != 0 and message in result.output
    assert cli(app, "actions", "--tenant", "acme").output.strip() == "No actions."
    assert not any("reboot" in key or "maintenance" in key for key in acme.fake.state.request_counts())


def test_another_tenants_device_is_not_found(acme, app, device):
    with app.app_context():
        connect_tenant(acme.fake.url, "globex", sync=False)
    result = cli(app, "device", "reboot", "--tenant", "globex", "--device", str(device.device_id))
    assert result.exit_code != 0 and "No such asset" in result.output
