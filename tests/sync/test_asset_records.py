"""The pure device → asset mapping: every node class, every real sample, the traps, and arbitrary input."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from inspect import isclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, fields

from flask_ninjaone.client.schemas import DEVICE_SHAPES, DeviceSchema, EpochSeconds
from flask_ninjaone.host import AdoptionKeys, AssetRecord, AssetType, Volume
from flask_ninjaone.models.devices import Device
from flask_ninjaone.sync.asset_records import (
    JUNK_SERIALS,
    NODE_CLASS_ASSET_TYPES,
    adoption_keys,
    agent_status,
    asset_type_for,
    clean_serial,
    content_hash,
    device_name,
    maintenance_values,
    mirror_values,
    to_asset_record,
)
from flask_ninjaone.testing.fake_ninjaone import FakeState, seed_fleet
from flask_ninjaone.testing.fake_ninjaone.enums import ENUMS as PACKAGED_ENUMS
from tests.support.shared import SHARED_NINJAONE

SHARED = SHARED_NINJAONE
SAMPLES = SHARED / "samples"
GIB = 1024**3

W, S, N, M, P, X = (
    AssetType.WORKSTATION,
    AssetType.SERVER,
    AssetType.NETWORK_DEVICE,
    AssetType.MOBILE,
    AssetType.PRINTER,
    AssetType.OTHER,
)
# Written out independently of the implementation's table, so an accidental edit there fails here.
EXPECTED_NODE_CLASSES: dict[str, tuple[AssetType, bool]] = {
    "WINDOWS_SERVER": (S, False),
    "WINDOWS_WORKSTATION": (W, False),
    "LINUX_WORKSTATION": (W, False),
    "MAC": (W, False),
    "ANDROID": (M, False),
    "APPLE_IOS": (M, False),
    "APPLE_IPADOS": (M, False),
    "VMWARE_VM_HOST": (S, True),
    "VMWARE_VM_GUEST": (S, True),
    "HYPERV_VMM_HOST": (S, True),
    "HYPERV_VMM_GUEST": (S, True),
    "LINUX_SERVER": (S, False),
    "MAC_SERVER": (S, False),
    "CLOUD_MONITOR_TARGET": (X, False),
    "NMS_SWITCH": (N, False),
    "NMS_ROUTER": (N, False),
    "NMS_FIREWALL": (N, False),
    "NMS_PRIVATE_NETWORK_GATEWAY": (N, False),
    "NMS_PRINTER": (P, False),
    "NMS_SCANNER": (P, False),
    "NMS_DIAL_MANAGER": (N, False),
    "NMS_WAP": (N, False),
    "NMS_IPSLA": (N, False),
    "NMS_COMPUTER": (W, False),
    "NMS_VM_HOST": (S, True),
    "NMS_APPLIANCE": (N, False),
    "NMS_OTHER": (X, False),
    "NMS_SERVER": (S, False),
    "NMS_PHONE": (X, False),
    "NMS_VIRTUAL_MACHINE": (S, True),
    "NMS_NETWORK_MANAGEMENT_AGENT": (X, False),
    "UNMANAGED_DEVICE": (X, False),
    "MANAGED_DEVICE": (X, False),
}
STATUS_VALUES = {"online", "offline", "unknown"}


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def windows_server_raw() -> dict[str, Any]:
    return sample("devices-detailed-item-windows-server.json")[0]


def windows_server() -> dict[str, Any]:
    return DeviceSchema().load(windows_server_raw())


def vm_host() -> dict[str, Any]:
    return DeviceSchema().load(sample("device-detail-vmhost.json"))


def record_of(device: Mapping[str, Any], **overrides: Any) -> AssetRecord:
    arguments: dict[str, Any] = {
        "client_id": "client-1",
        "host_asset_id": None,
        "location_name": None,
        "ninjaone_url": None,
    }
    arguments.update(overrides)
    return to_asset_record(device, **arguments)


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


# --------------------------------------------------------------------------------------------------
# Node classes
# --------------------------------------------------------------------------------------------------


def spec_node_classes() -> list[str]:
    return json.loads((SHARED / "enums.json").read_text(encoding="utf-8"))["Device.nodeClass"]


def test_every_node_class_of_the_spec_is_in_the_table() -> None:
    classes = spec_node_classes()
    assert len(classes) == 33
    missing = sorted(set(classes) - set(NODE_CLASS_ASSET_TYPES))
    assert not missing, f"NinjaOne node classes without an asset type: {missing}"
    assert sorted(set(NODE_CLASS_ASSET_TYPES) - set(classes)) == []  # no stale or misspelt keys
    assert set(PACKAGED_ENUMS["Device.nodeClass"]) == set(classes)


def test_the_table_is_exactly_the_expected_one() -> None:
    assert NODE_CLASS_ASSET_TYPES == EXPECTED_NODE_CLASSES


@pytest.mark.parametrize("node_class", sorted(EXPECTED_NODE_CLASSES))
def test_asset_type_for_every_class(node_class: str) -> None:
    asset_type, is_virtual = asset_type_for(node_class)
    assert isinstance(asset_type, AssetType)
    assert (asset_type, is_virtual) == EXPECTED_NODE_CLASSES[node_class]


@pytest.mark.parametrize(
    ("node_class", "expected"),
    [
        ("WINDOWS_WORKSTATION", (W, False)),
        ("MAC", (W, False)),
        ("LINUX_SERVER", (S, False)),
        ("VMWARE_VM_HOST", (S, True)),
        ("HYPERV_VMM_GUEST", (S, True)),
        ("NMS_SWITCH", (N, False)),
        ("NMS_FIREWALL", (N, False)),
        ("NMS_WAP", (N, False)),
        ("NMS_PRINTER", (P, False)),
        ("APPLE_IOS", (M, False)),
        ("ANDROID", (M, False)),
        ("CLOUD_MONITOR_TARGET", (X, False)),
        ("UNMANAGED_DEVICE", (X, False)),
        ("NMS_OTHER", (X, False)),
        (" windows_server ", (S, False)),
        (None, (X, False)),
        ("", (X, False)),
        ("QUANTUM_COMPUTER", (X, False)),
        (42, (X, False)),
    ],
)
def test_representative_and_unknown_classes(node_class: Any, expected: tuple[AssetType, bool]) -> None:
    assert asset_type_for(node_class) == expected


@pytest.mark.parametrize("node_class", sorted(EXPECTED_NODE_CLASSES))
def test_a_bare_device_of_every_class_maps(node_class: str) -> None:
    device = DeviceSchema().load({"id": 1, "nodeClass": node_class})
    record = record_of(device)
    assert (record.asset_type, record.is_virtual) == EXPECTED_NODE_CLASSES[node_class]
    assert record.node_class == node_class
    assert record.name == "Device 1"


# --------------------------------------------------------------------------------------------------
# The real samples
# --------------------------------------------------------------------------------------------------


def test_windows_server_sample_maps_every_field() -> None:
    record = record_of(
        windows_server(),
        client_id="42",
        host_asset_id="asset-9",
        location_name="  Head Office ",
        ninjaone_url="https://eu.ninjarmm.com/#/deviceDashboard/5948/overview",
    )
    assert record == AssetRecord(
        ninjaone_device_id=5948,
        client_id="42",
        name="KNI-1FSRDS-001",
        asset_type=AssetType.SERVER,
        host_asset_id="asset-9",
        is_virtual=True,  # system.virtualMachine: a Hyper-V guest running the agent
        node_class="WINDOWS_SERVER",
        location_name="Head Office",
        agent_status="online",
        last_seen=utc(1759136775.901),
        approval_status="APPROVED",
        manufacturer="Microsoft Corporation",
        model="Virtual Machine",
        serial_number="7149-6004-6720-8372-7705-4830-48",
        os_name="Windows Server 2022 Standard Edition",
        os_version="21H2",
        os_build="20348",
        os_architecture="64-bit",
        cpu_model="Intel(R) Xeon(R) Gold 6258R CPU @ 2.70GHz",
        cpu_cores=7,
        cpu_count=1,
        ram_gb=64.2,  # 68913397760 bytes
        storage_total_gb=127.2,  # 136559194112 bytes
        volumes=(Volume("C:", 136559194112, 60945354752, "NTFS"),),
        ip_addresses=("10.10.88.4",),
        mac_addresses=("00:15:5D:FF:8B:04",),
        public_ip="203.0.113.10",
        last_logged_in_user="EXAMPLE\\user1",
        last_boot=utc(1758761443),
        ninjaone_url="https://eu.ninjarmm.com/#/deviceDashboard/5948/overview",
    )


def test_timestamps_are_seconds_not_milliseconds() -> None:
    record = record_of(windows_server())
    # 1759136775.901 read as milliseconds would be January 1970; read as seconds it is 29 Sep 2025.
    assert record.last_seen is not None and record.last_boot is not None
    assert (record.last_seen.year, record.last_seen.month, record.last_seen.day) == (2025, 9, 29)
    assert (record.last_seen.hour, record.last_seen.minute, record.last_seen.second) == (9, 6, 15)
    assert record.last_seen.utcoffset() == timedelta(0)
    assert (record.last_boot.year, record.last_boot.month, record.last_boot.day) == (2025, 9, 25)


def test_raw_and_loaded_samples_map_the_same() -> None:
    """Unloaded payloads (epoch floats) and schema-loaded ones (datetimes) give identical records."""
    assert record_of(windows_server_raw()) == record_of(windows_server())
    raw_host = sample("device-detail-vmhost.json")
    assert record_of(raw_host) == record_of(vm_host())


def test_raw_millisecond_timestamps_are_recognised() -> None:
    raw = windows_server_raw()
    raw["lastContact"] = 1759136775901  # what a milliseconds source would send
    assert record_of(raw).last_seen == utc(1759136775.901)


def test_vm_host_detail_sample() -> None:
    record = record_of(vm_host())
    assert record.name == "esxi03.example.local"  # not the displayName, which is an IP address
    assert (record.asset_type, record.is_virtual) == (AssetType.SERVER, True)
    assert record.node_class == "VMWARE_VM_HOST"
    assert (record.manufacturer, record.model) == ("HPE", "ProLiant DL380 Gen10")
    assert record.serial_number == "SGH811YWCM"
    assert record.os_name == "VMware ESXi 8.0.1 build-21813344"
    assert (record.os_version, record.os_build, record.os_architecture) == ("8.0.1", "21813344", None)
    assert record.cpu_model == "Intel(R) Xeon(R) Silver 4114 CPU @ 2.20GHz"
    assert (record.cpu_cores, record.cpu_count) == (None, 2)  # no cpuCores in the payload: not guessed
    assert record.ram_gb == 95.7  # 102715461632 bytes
    assert record.storage_total_gb is None and record.volumes == ()
    assert record.ip_addresses == ("192.168.50.43", "fe80::d267:26ff:fecb:352")
    assert record.mac_addresses == (  # de-duplicated, normalised, order kept
        "D0:67:26:CB:03:52",
        "D0:67:26:CB:03:55",
        "D0:67:26:CB:03:54",
        "D0:67:26:CB:03:53",
    )
    assert record.public_ip is None and record.last_logged_in_user is None
    assert record.agent_status == "online"
    assert record.last_seen == utc(1742412689.092)
    assert record.last_seen is not None and (record.last_seen.year, record.last_seen.month) == (2025, 3)
    assert record.last_boot == utc(1741071104)
    assert record.approval_status == "APPROVED"


def test_device_list_item_has_only_base_fields() -> None:
    device = DeviceSchema(many=True).load(sample("devices-list-vmhost-item.json"))[0]
    record = record_of(device)
    assert record.name == "esxi03.example.local"
    assert record.last_seen == utc(1742412252.744)
    assert record.last_seen is not None and (record.last_seen.year, record.last_seen.month) == (2025, 3)
    empty = (record.manufacturer, record.serial_number, record.os_name, record.cpu_model, record.ram_gb)
    assert empty == (None, None, None, None, None)
    assert (record.volumes, record.ip_addresses, record.mac_addresses) == ((), (), ())


def test_webhook_device_takes_its_location_from_references() -> None:
    device = DeviceSchema().load(sample("webhook-condition-triggered.json")["device"])
    record = record_of(device)
    assert record.location_name == "Main Office"
    assert record.last_seen == utc(1741793638.531)
    assert record.last_seen is not None and (record.last_seen.year, record.last_seen.month) == (2025, 3)
    assert record_of(device, location_name="Warehouse").location_name == "Warehouse"  # caller wins
    assert mirror_values(device, record)["device_type"] is None


# --------------------------------------------------------------------------------------------------
# Serials, names, status
# --------------------------------------------------------------------------------------------------

JUNK_VARIANTS = [
    *JUNK_SERIALS,
    "To be Filled By O.E.M.",
    "To Be Filled By O.E.M.",
    "  to be filled by o.e.m.  ",
    "TO BE FILLED BY OEM",
    "Default string",
    "DEFAULT STRING",
    "default  string",
    "System Serial Number",
    "system serial number",
    "Not Specified",
    "None",
    "none",
    "N/A",
    "n/a",
    " N / A ",
    "0",
    "00000000",
    "0000-0000-0000",
    "0.0",
    "...",
    "---",
    " ",
    "",
    "\t\n",
    "\x00",
    "00",
    "AB",  # too short to identify anything
    None,
    0,
    12345678,
    ["SERIAL123"],
]


@pytest.mark.parametrize("value", JUNK_VARIANTS)
def test_junk_serials_are_dropped(value: Any) -> None:
    assert clean_serial(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7XK2M93", "7XK2M93"),
        ("  PF3KX8QZ\t", "PF3KX8QZ"),
        ("SGH811YWCM", "SGH811YWCM"),
        ("VMware-42 1a 7c 3e 9b 55 0d 21-8f", "VMware-42 1a 7c 3e 9b 55 0d 21-8f"),
        ("7149-6004-6720-8372-7705-4830-48", "7149-6004-6720-8372-7705-4830-48"),
        ("100", "100"),
        ("0A1", "0A1"),
        ("C02ÄÖÜ123", "C02ÄÖÜ123"),
        ("X" * 300, "X" * 255),
    ],
)
def test_real_serials_are_kept(value: str, expected: str) -> None:
    assert clean_serial(value) == expected


def test_serial_falls_back_to_bios_serial_then_service_tag() -> None:
    device = {"id": 1, "system": {"serialNumber": "Default string", "biosSerialNumber": " BIOS-123 "}}
    assert record_of(device).serial_number == "BIOS-123"
    device = {"id": 1, "system": {"serialNumber": "0"}, "serviceTag": "SGH811YWCM"}
    assert record_of(device).serial_number == "SGH811YWCM"
    device = {"id": 1, "system": {"serialNumber": "To be Filled By O.E.M.", "biosSerialNumber": "None"}}
    assert record_of(device).serial_number is None


def test_placeholder_manufacturer_and_model_are_dropped() -> None:
    system = {"manufacturer": "To Be Filled By O.E.M.", "model": "System Product Name"}
    record = record_of({"id": 1, "system": system})
    assert (record.manufacturer, record.model) == (None, None)


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        ({"id": 1, "systemName": "PC-1", "displayName": "Renamed", "dnsName": "pc-1.local"}, "PC-1"),
        ({"id": 1, "systemName": "   ", "displayName": "Renamed", "dnsName": "pc-1.local"}, "Renamed"),
        ({"id": 1, "systemName": None, "displayName": "", "dnsName": " pc-1.local "}, "pc-1.local"),
        ({"id": 1, "netbiosName": "PC1"}, "PC1"),
        ({"id": 77}, "Device 77"),
        ({"id": 77, "systemName": 12, "displayName": ["x"]}, "Device 77"),
        ({"id": 77, "systemName": "\x00\x00 "}, "Device 77"),
        ({"id": 1, "systemName": "SRV\x00-01"}, "SRV-01"),
        ({"id": 1, "systemName": " 東京サーバー "}, "東京サーバー"),
        ({"id": 1, "systemName": "Büro-PC-Ü"}, "Büro-PC-Ü"),
        ({"id": 1, "systemName": "Ørsted-WS\u00a0"}, "Ørsted-WS"),
        ({"id": 1, "systemName": "é" * 400}, "é" * 255),
        ({"systemName": None}, "Unknown device"),
    ],
)
def test_device_name_fallbacks(device: dict[str, Any], expected: str) -> None:
    assert device_name(device) == expected


def test_unicode_names_survive_the_whole_mapping() -> None:
    device = DeviceSchema().load({"id": 3, "systemName": "Café-Kasse-3", "lastLoggedInUser": "田中"})
    record = record_of(device)
    assert (record.name, record.last_logged_in_user) == ("Café-Kasse-3", "田中")
    assert mirror_values(device, record)["name"] == "Café-Kasse-3"


@pytest.mark.parametrize(
    ("offline", "expected"),
    [(True, "offline"), (False, "online"), (None, "unknown"), ("false", "unknown"), (0, "unknown")],
)
def test_agent_status(offline: Any, expected: str) -> None:
    assert agent_status({"id": 1, "offline": offline}) == expected


def test_agent_status_without_the_flag_is_unknown() -> None:
    assert agent_status({"id": 1}) == "unknown"
    assert record_of({"id": 1}).agent_status == "unknown"


# --------------------------------------------------------------------------------------------------
# Missing, partial and odd blocks
# --------------------------------------------------------------------------------------------------


def test_agent_without_system_and_os_blocks() -> None:
    raw = windows_server_raw()
    del raw["system"], raw["os"]
    record = record_of(DeviceSchema().load(raw))
    assert record.name == "KNI-1FSRDS-001"
    assert (record.manufacturer, record.model, record.serial_number) == (None, None, None)
    assert (record.os_name, record.os_version, record.os_build, record.last_boot) == (None, None, None, None)
    assert record.is_virtual is False  # nothing says it is a VM any more
    assert record.ram_gb == 64.2 and record.cpu_count == 1  # the other blocks still map


@pytest.mark.parametrize(
    "broken",
    [
        {"system": "not a block", "os": ["x"], "memory": 5, "processors": {"name": "x"}, "volumes": "C:"},
        {"system": None, "os": None, "memory": None, "processors": None, "volumes": None},
        {"processors": [None, 5, "x"], "volumes": [None, 5, "x", {}], "ipAddresses": [None, 5, " "]},
        {"memory": {"capacity": -1}, "processors": [{"numCores": True}], "volumes": [{"capacity": 1.5e300}]},
        {"lastContact": "yesterday", "offline": "no", "os": {"lastBootTime": -5}},
        {"lastContact": float("nan"), "os": {"lastBootTime": float("inf")}, "lastBootTime": 10**30},
    ],
)
def test_wrong_typed_blocks_never_raise(broken: dict[str, Any]) -> None:
    record = record_of({"id": 9, "nodeClass": "WINDOWS_WORKSTATION", **broken})
    assert record.name == "Device 9"
    assert record.asset_type is AssetType.WORKSTATION
    assert_valid(record)


def test_single_address_sent_as_a_string() -> None:
    record = record_of({"id": 1, "ipAddresses": " 10.0.0.1 ", "macAddresses": "00-15-5d-ff-8b-04"})
    assert (record.ip_addresses, record.mac_addresses) == (("10.0.0.1",), ("00:15:5D:FF:8B:04",))


def test_mac_addresses_are_normalised_and_deduplicated() -> None:
    macs = ["d0:67:26:cb:03:52", "D0-67-26-CB-03-52", "d067.26cb.0352", "d06726cb0352", "not-a-mac", ""]
    record = record_of({"id": 1, "macAddresses": macs})
    assert record.mac_addresses == ("D0:67:26:CB:03:52", "not-a-mac")


def test_address_lists_are_bounded() -> None:
    record = record_of({"id": 1, "ipAddresses": [f"10.0.{i // 250}.{i % 250}" for i in range(1000)]})
    assert len(record.ip_addresses) == 128


def test_multi_socket_cpu() -> None:
    cpu = {"name": "Intel(R) Xeon(R) Gold 6338", "numCores": 32, "numLogicalCores": 64}
    record = record_of({"id": 1, "processors": [cpu, dict(cpu)], "system": {"numberOfProcessors": 2}})
    assert (record.cpu_model, record.cpu_cores, record.cpu_count) == ("Intel(R) Xeon(R) Gold 6338", 64, 2)


def test_cpu_cores_are_not_a_partial_sum() -> None:
    record = record_of({"id": 1, "processors": [{"name": "A", "numCores": 8}, {"name": "A"}]})
    assert (record.cpu_cores, record.cpu_count) == (None, 2)


def test_vm_guest_sockets_follow_from_cores_per_socket() -> None:
    record = record_of({"id": 1, "nodeClass": "VMWARE_VM_GUEST", "cpuCores": 8, "coresPerSocket": 4})
    assert (record.cpu_cores, record.cpu_count) == (8, 2)
    record = record_of({"id": 1, "nodeClass": "VMWARE_VM_GUEST", "cpuCores": 6, "coresPerSocket": 4})
    assert (record.cpu_cores, record.cpu_count) == (6, None)


@pytest.mark.parametrize(
    ("guest_os", "expected"),
    [
        ("Microsoft Windows 10 (64-bit)", AssetType.WORKSTATION),
        ("Microsoft Windows 11 (64-bit)", AssetType.WORKSTATION),
        ("Apple macOS 13 (64-bit)", AssetType.WORKSTATION),
        ("Microsoft Windows Server 2022 (64-bit)", AssetType.SERVER),
        ("Windows Server 2019 Standard", AssetType.SERVER),
        ("Ubuntu Linux (64-bit)", AssetType.SERVER),
        (None, AssetType.SERVER),
    ],
)
def test_vm_guest_type_follows_its_os(guest_os: str | None, expected: AssetType) -> None:
    for node_class in ("VMWARE_VM_GUEST", "HYPERV_VMM_GUEST"):
        device = DeviceSchema().load(
            {"id": 1, "nodeClass": node_class, "deviceType": "VMGuest", "guestOSFullName": guest_os}
        )
        record = record_of(device)
        assert (record.asset_type, record.is_virtual) == (expected, True)
        assert record.os_name == guest_os


def test_os_never_overrides_a_non_guest_class() -> None:
    device = {"id": 1, "nodeClass": "WINDOWS_SERVER", "os": {"name": "Windows 11 Pro"}}
    assert record_of(device).asset_type is AssetType.SERVER


def test_mdm_device() -> None:
    device = DeviceSchema().load(
        {
            "id": 30,
            "nodeClass": "APPLE_IOS",
            "deviceType": "MdmDevice",
            "systemName": "Anna-Ios-30",
            "system": {
                "manufacturer": "Apple",
                "model": "iPhone14,5",
                "serialNumber": "G6TZQ1X9N7",
                "build": "21D61",
            },
            "memory": {"capacity": 6 * GIB},
            "volumes": [{"name": "Internal Storage", "capacity": 128 * GIB, "freeSpace": 40 * GIB}],
        }
    )
    record = record_of(device)
    assert (record.asset_type, record.is_virtual) == (AssetType.MOBILE, False)
    assert (record.manufacturer, record.model, record.serial_number) == ("Apple", "iPhone14,5", "G6TZQ1X9N7")
    assert (record.os_name, record.os_build) == ("iOS", "21D61")
    assert (record.ram_gb, record.storage_total_gb) == (6.0, 128.0)
    assert record.volumes == (Volume("Internal Storage", 128 * GIB, 40 * GIB, None),)


@pytest.mark.parametrize("device_type", ["NMSTarget", "CloudMonitorHTTP", "UnmanagedDevice", None])
def test_devices_without_hardware_blocks(device_type: str | None) -> None:
    raw: dict[str, Any] = {"id": 5, "nodeClass": "NMS_SWITCH", "displayName": "10.0.0.2", "offline": True}
    if device_type:
        raw["deviceType"] = device_type
    record = record_of(DeviceSchema().load(raw))
    assert (record.name, record.asset_type, record.agent_status) == (
        "10.0.0.2",
        AssetType.NETWORK_DEVICE,
        "offline",
    )
    assert record.ram_gb is None and record.volumes == () and record.serial_number is None


# --------------------------------------------------------------------------------------------------
# Volumes and storage total
# --------------------------------------------------------------------------------------------------


def volume(name: str, capacity: int | None, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"name": name, "freeSpace": 1}
    if capacity is not None:
        item["capacity"] = capacity
    item.update(extra)
    return item


def test_storage_total_counts_fixed_local_volumes_only() -> None:
    volumes = [
        volume("C:", 500 * GIB, deviceType="Local Disk", fileSystem="NTFS"),
        volume("D:", 1000 * GIB, deviceType="Local Disk", fileSystem="NTFS"),
        volume("E:", 64 * GIB, deviceType="Removable Disk", fileSystem="FAT32"),
        volume("F:", 4 * GIB, deviceType="Compact Disc", fileSystem="CDFS"),
        volume("Z:", 9000 * GIB, deviceType="Network Connection", fileSystem="NTFS"),
        volume("X:", None, deviceType="Local Disk"),
    ]
    record = record_of({"id": 1, "volumes": volumes})
    assert record.storage_total_gb == 1500.0
    assert [item.name for item in record.volumes] == ["C:", "D:", "E:", "F:", "Z:", "X:"]  # all are shown
    assert record.volumes[-1] == Volume("X:", None, 1, None)


def test_linux_pseudo_file_systems_are_not_storage() -> None:
    volumes = [
        volume("/", 100 * GIB, fileSystem="ext4"),
        volume("/boot", 1 * GIB, fileSystem="ext4"),
        volume("/snap/core/1", 1 * GIB // 10, fileSystem="squashfs"),
        volume("/run", 2 * GIB, fileSystem="tmpfs"),
    ]
    assert record_of({"id": 1, "volumes": volumes}).storage_total_gb == 101.0


def test_apfs_volumes_of_one_container_count_once() -> None:
    volumes = [
        volume("Macintosh HD", 500 * GIB, fileSystem="APFS"),
        volume("Macintosh HD - Data", 500 * GIB, fileSystem="APFS"),
        volume("External", 1000 * GIB, fileSystem="APFS"),
    ]
    assert record_of({"id": 1, "volumes": volumes}).storage_total_gb == 1500.0


def test_volume_names_fall_back_and_volumes_are_bounded() -> None:
    record = record_of({"id": 1, "volumes": [{"driveLetter": "D:"}, {"label": "Data"}, {}]})
    assert [item.name for item in record.volumes] == ["D:", "Data", ""]
    assert record.storage_total_gb is None
    many = record_of({"id": 1, "volumes": [volume(f"/m{i}", GIB) for i in range(500)]})
    assert len(many.volumes) == 64 and many.storage_total_gb == 64.0


def test_sizes_out_of_range_are_unknown() -> None:
    device = {"id": 1, "memory": {"capacity": 2**80}, "volumes": [volume("C:", -5)], "cpuCores": 2**40}
    record = record_of(device)
    assert (record.ram_gb, record.volumes[0].capacity_bytes, record.cpu_cores) == (None, None, None)


def test_booleans_are_not_sizes_or_counts() -> None:
    device = {"id": 1, "memory": {"capacity": True}, "volumes": [volume("C:", True)], "cpuCores": True}
    record = record_of(device)
    assert (record.ram_gb, record.volumes[0].capacity_bytes, record.cpu_cores) == (None, None, None)
    assert record.storage_total_gb is None


def test_ram_falls_back_to_the_other_shapes() -> None:
    assert record_of({"id": 1, "system": {"totalPhysicalMemory": 16 * GIB}}).ram_gb == 16.0
    assert record_of({"id": 1, "memorySize": 8 * GIB}).ram_gb == 8.0
    assert record_of({"id": 1, "memory": {"capacity": 0}}).ram_gb is None


# --------------------------------------------------------------------------------------------------
# Errors, adoption keys, mirror values
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "device", [{}, {"id": None}, {"id": "5"}, {"id": True}, {"id": 5.0}, {"id": 2**64}, [], "x"]
)
def test_a_device_without_a_usable_id_is_a_value_error(device: Any) -> None:
    with pytest.raises(ValueError):
        record_of(device)
    with pytest.raises(ValueError):
        adoption_keys(device, client_id="c")


@pytest.mark.parametrize("client_id", ["", "   "])
def test_an_empty_client_id_is_a_value_error(client_id: str) -> None:
    with pytest.raises(ValueError):
        record_of({"id": 1}, client_id=client_id)


def test_adoption_keys() -> None:
    keys = adoption_keys(windows_server(), client_id="42")
    assert keys == AdoptionKeys(5948, "42", "KNI-1FSRDS-001", "7149-6004-6720-8372-7705-4830-48")
    junk = {"id": 2, "dnsName": "pc.local", "system": {"serialNumber": " To Be Filled By O.E.M. "}}
    assert adoption_keys(junk, client_id="42") == AdoptionKeys(2, "42", "pc.local", None)


def test_adoption_keys_agree_with_the_record() -> None:
    device = windows_server()
    record = record_of(device)
    keys = adoption_keys(device, client_id="client-1")
    assert (keys.ninjaone_device_id, keys.name, keys.serial_number) == (
        record.ninjaone_device_id,
        record.name,
        record.serial_number,
    )


def test_mirror_values_of_the_windows_server() -> None:
    device = windows_server()
    values = mirror_values(device, record_of(device))
    assert values == {
        "device_id": 5948,
        "organization_id": 13,
        "location_id": 33,
        "node_class": "WINDOWS_SERVER",
        "node_role_id": 1002,
        "host_asset_type": None,
        "site_id": None,
        "device_type": "AgentDevice",
        "name": "KNI-1FSRDS-001",
        "asset_type": "server",
        "approval_status": "APPROVED",
        "agent_status": "online",
        "last_contact": utc(1759136775.901),
        "serial_number": "7149-6004-6720-8372-7705-4830-48",
        "warranty_start": None,  # a virtual machine: the real payload carries no references.warranty
        "warranty_end": None,
        "warranty_fulfillment": None,
        "hardware": {
            "os": "Windows Server 2022 Standard Edition",
            "manufacturer": "Microsoft Corporation",
            "model": "Virtual Machine",
            "cpu": "Intel(R) Xeon(R) Gold 6258R CPU @ 2.70GHz",
            "ram_gb": 64.2,
            "storage_total_gb": 127.2,
            "ip": "10.10.88.4",
            "public_ip": "203.0.113.10",
            "last_user": "EXAMPLE\\user1",
            "last_boot": "2025-09-25T00:50:43+00:00",
            "is_virtual": True,
        },
        "maintenance_status": None,
        "maintenance_start": None,
        "maintenance_end": None,
    }
    assert json.loads(json.dumps(values["hardware"])) == values["hardware"]


def test_ninjaones_maintenance_record_is_mirrored_and_changes_the_hash() -> None:
    device = windows_server()
    record = record_of(device)
    plain = content_hash(record, organization_id=13, location_id=33)
    # no record: the hash is the one devices had before maintenance was mirrored
    assert (
        content_hash(record, organization_id=13, location_id=33, maintenance=maintenance_values(device))
        == plain
    )
    device["maintenance"] = {"status": "IN_MAINTENANCE", "start": 1765100000, "end": 1765107200.5}
    values = mirror_values(device, record)
    assert (values["maintenance_status"], values["maintenance_start"], values["maintenance_end"]) == (
        "IN_MAINTENANCE", utc(1765100000), utc(1765107200.5),
    )  # fmt: skip
    assert (
        content_hash(record, organization_id=13, location_id=33, maintenance=maintenance_values(device))
        != plain
    )
    device["maintenance"] = {"status": 42, "end": "soon"}  # junk is no maintenance
    assert maintenance_values(device) == dict.fromkeys(
        ("maintenance_status", "maintenance_start", "maintenance_end")
    )


def test_mirror_values_are_device_columns() -> None:
    columns = {column.name for column in Device.__table__.columns}
    values = mirror_values(vm_host(), record_of(vm_host()))
    assert set(values) <= columns
    row = Device(integration_id=1, **values)  # the model accepts them as they are
    assert row.name == "esxi03.example.local"


def test_mirror_ids_of_the_wrong_type_are_dropped() -> None:
    device = {"id": 1, "organizationId": "13", "locationId": True}
    values = mirror_values(device, record_of(device))
    assert (values["organization_id"], values["location_id"]) == (None, None)


# --------------------------------------------------------------------------------------------------
# Content hash
# --------------------------------------------------------------------------------------------------


def reordered(value: Any, rng: random.Random) -> Any:
    """The same payload with every object's keys in a different order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {key: reordered(value[key], rng) for key in keys}
    if isinstance(value, list):
        return [reordered(item, rng) for item in value]
    return value


def digest(device: Mapping[str, Any], **overrides: Any) -> str:
    return content_hash(record_of(device, **overrides), organization_id=13, location_id=33)


def test_hash_is_sha256_hex_and_stable_across_key_order() -> None:
    raw = windows_server_raw()
    first = digest(DeviceSchema().load(raw))
    assert len(first) == 64 and int(first, 16) >= 0
    rng = random.Random(7)
    orders = set()
    for _ in range(20):
        shuffled = reordered(copy.deepcopy(raw), rng)
        orders.add(tuple(shuffled))
        assert digest(DeviceSchema().load(shuffled)) == first
        assert digest(shuffled) == first  # raw input too
    assert len(orders) > 1  # the payloads really were reordered


def test_hash_ignores_the_host_asset_id() -> None:
    device = windows_server()
    assert digest(device, host_asset_id=None) == digest(device, host_asset_id="asset-1")


def changed(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    raw = windows_server_raw()
    target: Any = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return raw


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("systemName",), "KNI-1FSRDS-002"),
        (("system", "serialNumber"), "NEW-SERIAL-1"),
        (("memory", "capacity"), 128 * GIB),
        (("volumes", 0, "freeSpace"), 1),
        (("ipAddresses",), ["10.10.88.5"]),
        (("os", "name"), "Windows Server 2025 Standard Edition"),
        (("nodeClass",), "WINDOWS_WORKSTATION"),
        (("offline",), True),
        (("lastContact",), 1759136775.902),
        (("lastLoggedInUser",), "EXAMPLE\\user2"),
        (("approvalStatus",), "DECOMMISSIONED"),
    ],
)
def test_hash_changes_with_a_meaningful_field(path: tuple[str | int, ...], value: Any) -> None:
    assert digest(changed(path, value)) != digest(windows_server_raw())


def test_hash_changes_with_client_organization_and_location() -> None:
    record = record_of(windows_server())
    base = content_hash(record, organization_id=13, location_id=33)
    assert content_hash(record, organization_id=14, location_id=33) != base
    assert content_hash(record, organization_id=13, location_id=34) != base
    assert (
        content_hash(dataclasses.replace(record, client_id="other"), organization_id=13, location_id=33)
        != base
    )
    assert (
        content_hash(dataclasses.replace(record, location_name="X"), organization_id=13, location_id=33)
        != base
    )


def test_hash_does_not_change_for_an_irrelevant_field() -> None:
    """Fields the record does not carry (e.g. lastUpdate, policyId) must not cost a write."""
    assert digest(changed(("lastUpdate",), 1)) == digest(windows_server_raw())
    assert digest(changed(("policyId",), 999)) == digest(windows_server_raw())


# --------------------------------------------------------------------------------------------------
# A whole realistic fleet (the fake's generator covers every node class and deviceType)
# --------------------------------------------------------------------------------------------------


def test_a_realistic_fleet_maps() -> None:
    state = FakeState()
    seed_fleet(state, devices=1500, organizations=8, seed=11, now=1_760_000_000.0)
    devices = DeviceSchema(many=True).load(state.devices_page(None, 10_000))
    seen_classes: set[str] = set()
    junk_keys = {value.casefold().strip() for value in JUNK_SERIALS}
    for device in devices:
        record = record_of(device)
        assert_valid(record)
        seen_classes.add(device["nodeClass"])
        expected_type, expected_virtual = EXPECTED_NODE_CLASSES[device["nodeClass"]]
        if device["nodeClass"] not in ("VMWARE_VM_GUEST", "HYPERV_VMM_GUEST"):
            assert record.asset_type is expected_type
        assert record.is_virtual is (
            expected_virtual or device.get("system", {}).get("virtualMachine") is True
        )
        assert record.serial_number is None or record.serial_number.casefold() not in junk_keys
        assert record.last_seen is not None and record.last_seen.year == 2025
        content_hash(record, organization_id=device["organizationId"], location_id=device["locationId"])
    assert seen_classes == set(EXPECTED_NODE_CLASSES)


# --------------------------------------------------------------------------------------------------
# Arbitrary input (hypothesis)
# --------------------------------------------------------------------------------------------------

_CAPS = {
    "name": 255,
    "client_id": None,
    "host_asset_id": None,
    "node_class": 64,
    "location_name": 255,
    "agent_status": 16,
    "approval_status": 32,
    "manufacturer": 255,
    "model": 255,
    "serial_number": 255,
    "os_name": 255,
    "os_version": 128,
    "os_build": 128,
    "os_architecture": 64,
    "cpu_model": 255,
    "public_ip": 64,
    "last_logged_in_user": 255,
    "ninjaone_url": 2048,
}


def assert_clean_text(value: Any, cap: int | None) -> None:
    assert isinstance(value, str)
    if cap is not None:
        assert value and value == value.strip() and "\x00" not in value and len(value) <= cap


def assert_valid(record: AssetRecord) -> None:
    """What every record must satisfy, whatever came in."""
    assert isinstance(record, AssetRecord)
    hash(record)  # frozen and made of tuples: usable in sets
    assert isinstance(record.asset_type, AssetType)
    assert record.is_virtual in (True, False)
    assert record.agent_status in STATUS_VALUES
    assert_clean_text(record.name, 255)
    for name, cap in _CAPS.items():
        value = getattr(record, name)
        if value is not None:
            assert_clean_text(value, cap)
    for name in ("cpu_cores", "cpu_count"):
        value = getattr(record, name)
        assert value is None or (type(value) is int and 0 < value < 2**31)
    for name in ("ram_gb", "storage_total_gb"):
        value = getattr(record, name)
        assert value is None or (isinstance(value, float) and math.isfinite(value) and value >= 0)
    for name in ("last_seen", "last_boot"):
        value = getattr(record, name)
        assert value is None or (isinstance(value, datetime) and value.utcoffset() == timedelta(0))
    for name in ("ip_addresses", "mac_addresses"):
        value = getattr(record, name)
        assert isinstance(value, tuple) and len(value) <= 128 and len(set(value)) == len(value)
        for item in value:
            assert_clean_text(item, 64)
    assert isinstance(record.volumes, tuple) and len(record.volumes) <= 64
    for item in record.volumes:
        assert isinstance(item, Volume) and isinstance(item.name, str) and len(item.name) <= 255
        for size in (item.capacity_bytes, item.free_bytes):
            assert size is None or (type(size) is int and 0 <= size < 2**63)


_garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=14))])),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(
        st.text(max_size=5), st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=3
    ),
)
_MAX_TEXT = 300  # beyond every cap


def _nested_schema(field: fields.Nested) -> type:
    nested = field.nested
    return nested if isclass(nested) else type(nested)  # type: ignore[arg-type]


def _plausible(field: fields.Field, *, loaded: bool, wild: bool) -> st.SearchStrategy[Any]:
    """A value of the field's declared type; ``loaded`` gives datetimes for timestamps (as the schema
    outputs them), ``wild`` mixes in values of every other type."""
    if isinstance(field, fields.Nested):
        strategy = _block_of(_nested_schema(field), loaded=loaded, wild=wild)
    elif isinstance(field, fields.List):
        strategy = st.lists(_plausible(field.inner, loaded=loaded, wild=wild), max_size=4)
    elif isinstance(field, EpochSeconds):
        numbers = st.one_of(
            st.floats(min_value=0, max_value=4e12), st.integers(min_value=0, max_value=4 * 10**12)
        )
        strategy = st.datetimes(timezones=st.just(UTC)) if loaded else numbers
    elif isinstance(field, fields.Boolean):
        strategy = st.booleans()
    elif isinstance(field, fields.Integer):
        strategy = st.one_of(st.integers(min_value=-5, max_value=2**40), st.integers(min_value=-(2**70)))
    elif isinstance(field, fields.String):
        strategy = st.one_of(st.text(max_size=_MAX_TEXT), st.sampled_from(JUNK_SERIALS))
    elif isinstance(field, fields.Dict):
        strategy = st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)
    else:
        strategy = _garbage
    return st.one_of(strategy, _garbage) if wild else strategy


def _schema_fields(schema_class: type) -> dict[str, fields.Field]:
    return dict(schema_class._declared_fields)  # type: ignore[attr-defined]


def _block_of(schema_class: type, *, loaded: bool, wild: bool) -> st.SearchStrategy[dict[str, Any]]:
    optional = {
        name: _plausible(field, loaded=loaded, wild=wild)
        for name, field in _schema_fields(schema_class).items()
    }
    return st.fixed_dictionaries({}, optional=optional)


def _devices(*, loaded: bool, wild: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Device-like dicts with the field names of every deviceType shape (shapes sharing a field name,
    like ``system`` of agents and MDM devices, contribute each of their types)."""
    by_name: dict[str, list[st.SearchStrategy[Any]]] = {}
    for shape in set(DEVICE_SHAPES.values()):
        for name, field in _schema_fields(shape).items():
            if name not in ("id", "deviceType", "nodeClass"):
                by_name.setdefault(name, []).append(_plausible(field, loaded=loaded, wild=wild))
    optional: dict[str, st.SearchStrategy[Any]] = {
        name: st.one_of(*options) for name, options in by_name.items()
    }
    optional["deviceType"] = st.one_of(st.sampled_from(sorted(DEVICE_SHAPES)), st.text(max_size=10))
    optional["nodeClass"] = st.one_of(st.sampled_from(sorted(EXPECTED_NODE_CLASSES)), st.text(max_size=10))
    device_id = st.integers(min_value=-(2**63), max_value=2**63 - 1)
    required = {"id": st.one_of(device_id, _garbage) if wild else device_id}
    return st.fixed_dictionaries(required, optional=optional)


def _valid_id(value: Any) -> bool:
    return type(value) is int and -(2**63) <= value < 2**63


def _check_everything(device: Mapping[str, Any]) -> None:
    try:
        record = record_of(device, location_name=None, ninjaone_url="https://eu.ninjarmm.com/#/x")
    except ValueError:
        assert not _valid_id(device.get("id")), "ValueError for a device with a valid id"
        return
    assert _valid_id(device.get("id"))
    assert_valid(record)
    values = mirror_values(device, record)
    assert set(values) <= {column.name for column in Device.__table__.columns}
    json.dumps(values["hardware"])
    first = content_hash(record, organization_id=values["organization_id"], location_id=values["location_id"])
    again = content_hash(record_of(device, ninjaone_url="https://eu.ninjarmm.com/#/x"), **_ids(values))
    assert len(first) == 64 and first == again
    keys = adoption_keys(device, client_id="client-1")
    assert (keys.name, keys.serial_number) == (record.name, record.serial_number)


def _ids(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"organization_id": values["organization_id"], "location_id": values["location_id"]}


_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(_devices(loaded=True, wild=True))
def test_arbitrary_dicts_map_or_raise_only_value_error(device: dict[str, Any]) -> None:
    _check_everything(device)


@_SETTINGS
@given(_devices(loaded=False, wild=False))
def test_anything_the_schema_loads_maps(raw: dict[str, Any]) -> None:
    try:
        device = DeviceSchema().load(raw)
    except ValidationError:  # e.g. a timestamp beyond datetime's range: the client rejects the page
        return
    if _valid_id(device["id"]):
        record = record_of(device)  # must not raise
        assert_valid(record)
    _check_everything(device)


@_SETTINGS
@given(_devices(loaded=False, wild=True))
def test_arbitrary_raw_payloads_map_or_raise_only_value_error(device: dict[str, Any]) -> None:
    _check_everything(device)
