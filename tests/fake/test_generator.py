"""The seeded fleet is deterministic, realistic and carries the traps a sync must survive."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from flask_ninjaone.testing.fake_ninjaone import FakeState, seed_fleet
from flask_ninjaone.testing.fake_ninjaone.device_builder import AGENT_OS, JUNK_SERIALS
from flask_ninjaone.testing.fake_ninjaone.enums import ENUMS
from tests.support.fake_api import SHARED

NOW = 1_760_000_000.0


@pytest.fixture(scope="module")
def fleet() -> list[dict[str, Any]]:
    state = FakeState()
    seed_fleet(state, devices=2000, organizations=12, seed=5, now=NOW)
    return state.devices_page(None, 10_000)


def test_package_enums_are_the_shared_enums() -> None:
    assert json.loads((SHARED / "enums.json").read_text(encoding="utf-8")) == ENUMS


def test_every_node_class_appears(fleet: list[dict[str, Any]]) -> None:
    shared_classes = json.loads((SHARED / "enums.json").read_text())["Device.nodeClass"]
    assert len(shared_classes) == 33
    assert {device["nodeClass"] for device in fleet} == set(shared_classes)


def test_every_class_is_covered_from_33_devices() -> None:
    state = FakeState()
    seed_fleet(state, devices=33, seed=99, now=NOW)
    assert {device["nodeClass"] for device in state.devices_page(None, 100)} == set(ENUMS["Device.nodeClass"])


def test_device_type_matches_the_node_class(fleet: list[dict[str, Any]]) -> None:
    expected = {
        "ANDROID": "MdmDevice",
        "APPLE_IOS": "MdmDevice",
        "VMWARE_VM_HOST": "VMHost",
        "HYPERV_VMM_GUEST": "VMGuest",
        "UNMANAGED_DEVICE": "UnmanagedDevice",
        "NMS_SWITCH": "NMSTarget",
    }
    for device in fleet:
        if device["nodeClass"] in AGENT_OS:
            assert device["deviceType"] == "AgentDevice"
        elif device["nodeClass"] == "CLOUD_MONITOR_TARGET":
            assert device["deviceType"].startswith("CloudMonitor")
            assert {"target", "interval"} <= set(device)
        elif device["nodeClass"] in expected:
            assert device["deviceType"] == expected[device["nodeClass"]]
        if device["deviceType"] != "AgentDevice":
            assert not {"os", "processors", "lastLoggedInUser"} & set(device)


def test_hardware_blocks_are_shaped_like_the_real_sample(fleet: list[dict[str, Any]]) -> None:
    sample = json.loads((SHARED / "samples" / "devices-detailed-item-windows-server.json").read_text())[0]
    servers = [
        d for d in fleet if d["nodeClass"] == "WINDOWS_SERVER" and {"os", "system", "volumes"} <= set(d)
    ]
    assert servers
    for device in servers:
        assert set(device["os"]) == set(sample["os"])
        assert set(device["system"]) <= set(sample["system"]) | {"assetSerialNumber"}
        assert set(device["volumes"][0]) == set(sample["volumes"][0])
        assert set(device["processors"][0]) == set(sample["processors"][0])
        assert device["memory"]["capacity"] == device["system"]["totalPhysicalMemory"] > 4 * 1024**3
        assert device["volumes"][0]["capacity"] > 10**10, "bytes, not GB"


def test_junk_and_missing_serials_and_missing_blocks(fleet: list[dict[str, Any]]) -> None:
    systems = [
        device["system"] for device in fleet if "system" in device and device["deviceType"] == "AgentDevice"
    ]
    serials = Counter(system.get("serialNumber", "<missing>") for system in systems)
    assert set(JUNK_SERIALS) <= set(serials), "every junk value appears"
    assert serials["<missing>"] > 0
    agents = [device for device in fleet if device["deviceType"] == "AgentDevice"]
    assert any("system" not in device for device in agents)
    assert any("os" not in device for device in agents)


def test_unicode_names_statuses_and_timestamps(fleet: list[dict[str, Any]]) -> None:
    names = [device["systemName"] for device in fleet]
    assert any(name.startswith("Büro-PC-Ü") for name in names)
    assert any(name.startswith("東京サーバー") for name in names)
    assert Counter(device["approvalStatus"] for device in fleet).keys() >= {
        "APPROVED",
        "PENDING",
        "DECOMMISSIONED",
    }
    assert all(device["offline"] for device in fleet if device["approvalStatus"] == "DECOMMISSIONED")
    kinds = Counter(type(device["lastContact"]).__name__ for device in fleet)
    assert kinds["float"] > kinds["int"] > 0
    assert all(NOW - 1000 * 86400 < device["created"] <= device["lastContact"] <= NOW for device in fleet)


def test_parents_and_organizations_are_consistent(fleet: list[dict[str, Any]]) -> None:
    by_id = {device["id"]: device for device in fleet}
    guests = [device for device in fleet if device["nodeClass"] == "VMWARE_VM_GUEST"]
    assert guests and all(
        by_id[g["parentDeviceId"]]["nodeClass"] == "VMWARE_VM_HOST" for g in guests if "parentDeviceId" in g
    )
    assert sum("parentDeviceId" in guest for guest in guests) == len(guests)
    assert "uid" not in by_id[guests[0]["id"]], "VMware nodes carry no uid, as in the real samples"


def test_agent_inventory_is_about_80_items_and_deterministic() -> None:
    state = FakeState()
    seed_fleet(state, devices=300, seed=2, now=NOW)
    agents = [d for d in state.devices_page(None, 1000) if d["deviceType"] == "AgentDevice"]
    counts = [len(state.device_software(device["id"])) for device in agents]
    assert 70 <= sum(counts) / len(counts) <= 90
    assert state.device_software(agents[0]["id"]) == state.device_software(agents[0]["id"])
    non_agent = next(d for d in state.devices_page(None, 1000) if d["deviceType"] != "AgentDevice")
    assert state.device_software(non_agent["id"]) == []


def test_same_seed_same_fleet_other_seed_other_fleet() -> None:
    def build(seed: int) -> list[dict[str, Any]]:
        state = FakeState()
        seed_fleet(state, devices=200, seed=seed, now=NOW)
        devices = state.devices_page(None, 1000)
        return devices + [state.activities_page(1000)[1]] + [state.device_software(devices[0]["id"])]

    first, again, other = build(1), build(1), build(2)
    assert first == again
    assert first != other


def test_seeding_10000_devices_lists_every_one() -> None:
    """How fast is ``bench/seed_fleet.py``'s question (a timed assert fails on a loaded machine)."""
    state = FakeState()
    seed_fleet(state, devices=10_000, seed=0)
    assert len(state.devices_page(None, 20_000)) == 10_000
