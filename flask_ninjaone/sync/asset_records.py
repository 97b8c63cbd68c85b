"""NinjaOne device → host asset record, mirror row and change hash. Pure functions, no I/O.

Input is one device as :class:`~flask_ninjaone.client.schemas.DeviceSchema` loads it (timestamps are aware
UTC datetimes, null fields are absent, unknown fields are kept), in any ``deviceType`` shape: agents carry
``system``/``os``/``memory``/``processors``/``volumes`` blocks, VM hosts and guests carry flat fields
(``vendor``, ``cpuModel``, ``memorySize``...), MDM devices a smaller ``system`` block, NMS targets, cloud
monitors and unmanaged devices only the common fields. Webhook-expanded devices carry no ``deviceType``.
The mapping therefore never dispatches on the shape: each fact is read from the nested block first, then
from the flat field that carries it in the other shapes, so a new or absent ``deviceType`` still maps.

Raw (unloaded) dicts are accepted too: epoch numbers become datetimes with the schema's own rules, and a
value of the wrong type is treated as absent instead of raising. A sync of 50,000 devices must not stop
over one odd device, and a value we can't read is "unknown" (``None``), which the host leaves alone. The
only error is :class:`ValueError` for a device without a usable ``id`` (nothing could be keyed on it).

Values are made safe for the host's columns here, once, instead of in every adapter: strings are
stripped, cleared of NUL characters (PostgreSQL rejects them) and capped to the column sizes hosts use;
integers outside the SQL integer ranges become ``None``; lists become de-duplicated, bounded tuples so
that :class:`~flask_ninjaone.host.AssetRecord` stays hashable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from marshmallow import ValidationError

from ..client.schemas.fields import EpochSeconds
from ..digests import json_digest, package_version
from ..host import AdoptionKeys, AssetRecord, AssetType, Volume
from .node_classes import (
    MOBILE_OS_NAMES,
    NODE_CLASS_ASSET_TYPES,
    VIRTUALIZATION_HOST_CLASSES,
    VM_GUEST_CLASSES,
    asset_type_for,
)

__all__ = [
    "JUNK_SERIALS",
    "NODE_CLASS_ASSET_TYPES",
    "VIRTUALIZATION_HOST_CLASSES",
    "VM_GUEST_CLASSES",
    "adoption_keys",
    "agent_status",
    "asset_type_for",
    "clean_serial",
    "content_hash",
    "device_name",
    "maintenance_values",
    "mirror_values",
    "to_asset_record",
]

GIB = 1024**3
"""Sizes are reported in GiB (what Windows, macOS and NinjaOne's own UI call "GB")."""

# Column sizes of the mirror table and of typical host asset tables (see ``sample_host.models.Asset``).
NAME_MAX = 255
TEXT_MAX = 255
VERSION_MAX = 128
SHORT_MAX = 64
STATUS_MAX = 32
URL_MAX = 2048
MAX_ADDRESSES = 128
MAX_VOLUMES = 64
"""Bounds on list lengths: a VM host with hundreds of vNICs or a Linux box with a hundred snap mounts
must not produce an unbounded row or hash input."""

_INT32_MAX = 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_EPOCH_SECONDS = EpochSeconds()

# --------------------------------------------------------------------------------------------------
# Serial numbers
# --------------------------------------------------------------------------------------------------

JUNK_SERIALS: tuple[str, ...] = (
    # From the brief and API-NOTES: seen in real NinjaOne data.
    "To be Filled By O.E.M.",
    "To Be Filled By O.E.M.",
    "Default string",
    "System Serial Number",
    "Not Specified",
    "None",
    "N/A",
    "0",
    "00000000",
    # Other BIOS/SMBIOS placeholders that vendors ship unfilled.
    "To be filled by OEM",
    "O.E.M.",
    "OEM",
    "Default",
    "Chassis Serial Number",
    "Base Board Serial Number",
    "Serial Number",
    "SerialNumber",
    "Not Applicable",
    "Not Available",
    "NA",
    "Unknown",
    "Null",
    "Undefined",
    "Invalid",
    "Type1ProductConfigId",
    "0123456789",
    "123456789",
    "1234567890",
)
"""Values that are not serial numbers. Compared case-insensitively, ignoring blanks and dots, so
"to be filled by o.e.m" and "TO BE FILLED BY OEM" are caught as well."""

MIN_SERIAL_LENGTH = 3
"""Shorter "serials" are dropped: no manufacturer issues them, and adopting host assets by a one- or
two-character key would merge unrelated machines."""

_BLANKS_AND_DOTS = re.compile(r"[\s.]+")
_NOTHING = re.compile(r"[0\s.\-]*")  # only zeros, blanks, dots, dashes: "0000-0000", " . ", "---"


def _placeholder_key(value: str) -> str:
    return _BLANKS_AND_DOTS.sub("", value.casefold())


_JUNK_KEYS = frozenset(_placeholder_key(value) for value in JUNK_SERIALS)
# Placeholders that also show up as manufacturer/model on white-box boards.
_JUNK_HARDWARE_KEYS = _JUNK_KEYS | {
    _placeholder_key(value) for value in ("System manufacturer", "System Product Name", "System Version")
}


def clean_serial(value: Any) -> str | None:
    """The serial number, stripped, or ``None`` when it is missing or a placeholder.

    Why so strict: serials are the second adoption key (after the NinjaOne id). Thousands of white-box
    PCs report "To be Filled By O.E.M." or "Default string"; matching on those would attach every new
    device of a client to the same host asset. Missing is always safer than wrong here.
    """
    text = _text(value, TEXT_MAX)
    if text is None or _NOTHING.fullmatch(text):
        return None
    key = _placeholder_key(text)
    if len(key) < MIN_SERIAL_LENGTH or key in _JUNK_KEYS:
        return None
    return text


def _hardware_text(value: Any) -> str | None:
    """Manufacturer/model with the same placeholders removed ("To Be Filled By O.E.M." is no vendor)."""
    text = _text(value, TEXT_MAX)
    if text is None or _NOTHING.fullmatch(text) or _placeholder_key(text) in _JUNK_HARDWARE_KEYS:
        return None
    return text


# --------------------------------------------------------------------------------------------------
# Small readers: each returns None for anything it can't use, never raises.
# --------------------------------------------------------------------------------------------------


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
    value = value.strip()
    if len(value) > limit:
        value = value[:limit].rstrip()
    return value or None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int64(value: Any) -> int | None:
    """An id for a BIGINT column: ``True`` is not an id and 2**70 does not fit."""
    return value if _is_int(value) and _INT64_MIN <= value <= _INT64_MAX else None


def _count(value: Any) -> int | None:
    """A positive count (cores, sockets) that fits an INTEGER column; 0 means "not reported"."""
    return value if _is_int(value) and 0 < value <= _INT32_MAX else None


def _byte_size(value: Any) -> int | None:
    """Bytes as a non-negative int; floats are accepted from raw payloads if finite."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = int(value)
    if isinstance(value, int) and 0 <= value <= _INT64_MAX:
        return value
    return None


def _gib(size: int) -> float:
    return round(size / GIB, 1)


def _timestamp(value: Any) -> datetime | None:
    """An aware UTC datetime from a loaded datetime or a raw epoch-seconds value.

    Raw values go through :class:`EpochSeconds` so that seconds/milliseconds are told apart by exactly
    the rule the client uses; a naive datetime is taken as UTC (that is what the schema produces).
    """
    if isinstance(value, datetime):
        try:
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except (OverflowError, ValueError):
            return None
    if value is None or isinstance(value, bool):
        return None
    try:
        return _EPOCH_SECONDS.deserialize(value)
    except ValidationError:
        return None


def _block(device: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = device.get(key)
    return value if isinstance(value, Mapping) else _EMPTY


def _items(value: Any) -> Iterable[Any]:
    if isinstance(value, list | tuple):
        return value
    if isinstance(value, str):  # a single address sent as a string
        return (value,)
    return ()


def _first(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


def _addresses(value: Any, normalize: Any = None) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for item in _items(value):
        text = _text(item, SHORT_MAX)
        if text is None:
            continue
        found[normalize(text) if normalize else text] = None
        if len(found) >= MAX_ADDRESSES:
            break
    return tuple(found)


_MAC_SEPARATORS = re.compile(r"[:\-.]")
_HEX12 = re.compile(r"[0-9A-Fa-f]{12}")


def _mac(text: str) -> str:
    """``AA:BB:CC:DD:EE:FF`` whatever the source wrote (agents upper case, ESXi lower case, NMS devices
    Cisco dotted): the same NIC must look the same on every device and in every sync, or the
    de-duplication and the content hash see a change that isn't one. Non-MAC text is kept as sent."""
    digits = _MAC_SEPARATORS.sub("", text)
    if not _HEX12.fullmatch(digits):
        return text
    digits = digits.upper()
    return ":".join(digits[index : index + 2] for index in range(0, 12, 2))


# --------------------------------------------------------------------------------------------------
# Public single-fact helpers
# --------------------------------------------------------------------------------------------------


def device_name(device: Mapping[str, Any]) -> str:
    """The asset name: ``systemName``, else ``displayName``, ``dnsName``, ``netbiosName``, else
    ``"Device <id>"``; stripped and at most 255 characters.

    ``systemName`` first because it is the machine's own hostname, the name technicians and the host's
    existing assets use; ``displayName`` is often an IP address (VM hosts, NMS targets) or a URL (cloud
    monitors). The fallback keeps the name non-empty: hosts require one.
    """
    for key in ("systemName", "displayName", "dnsName", "netbiosName"):
        name = _text(device.get(key), NAME_MAX)
        if name is not None:
            return name
    device_id = device.get("id")
    return f"Device {device_id}" if _is_int(device_id) else "Unknown device"


def agent_status(device: Mapping[str, Any]) -> str:
    """``"online"``/``"offline"`` from the ``offline`` flag, ``"unknown"`` when it is absent or not a
    boolean. Absent happens (webhook payloads, unmanaged devices), and guessing "online" there would
    hide dead machines."""
    offline = device.get("offline")
    if offline is True:
        return "offline"
    if offline is False:
        return "online"
    return "unknown"


def _device_id(device: Any) -> int:
    if not isinstance(device, Mapping):
        raise ValueError("a device must be a mapping")
    device_id = _int64(device.get("id"))
    if device_id is None:
        raise ValueError(f"device without a usable integer id: {device.get('id')!r}")
    return device_id


def _serial_of(device: Mapping[str, Any], system: Mapping[str, Any]) -> str | None:
    """``system.serialNumber``, else ``system.biosSerialNumber`` (agents report both; either may be the
    junk one), else a VM host's ``serviceTag``. ``assetSerialNumber`` is not used: it holds asset tags
    that MSPs type in, which are not unique across clients."""
    return (
        clean_serial(system.get("serialNumber"))
        or clean_serial(system.get("biosSerialNumber"))
        or clean_serial(device.get("serviceTag"))
    )


def _check_client_id(client_id: Any) -> str:
    if not isinstance(client_id, str) or not client_id.strip():
        raise ValueError("client_id must be a non-empty string")
    return client_id


# --------------------------------------------------------------------------------------------------
# Volumes and storage
# --------------------------------------------------------------------------------------------------

_NOT_FIXED_DEVICE_TYPES = (
    "removable",
    "network",
    "compact disc",
    "cd-rom",
    "cdrom",
    "dvd",
    "optical",
    "ram disk",
    "ramdisk",
    "floppy",
    "no root",
)
_NOT_STORAGE_FILE_SYSTEMS = frozenset(
    {
        "squashfs",  # Linux snap packages: read-only images, one "volume" each
        "tmpfs",
        "devtmpfs",
        "ramfs",
        "overlay",
        "overlayfs",
        "proc",
        "sysfs",
        "autofs",
        "iso9660",
        "udf",
        "cdfs",
        "nfs",
        "nfs4",
        "cifs",
        "smbfs",
        "smb2",
        "afpfs",
        "fuse.sshfs",
    }
)


def _counts_as_storage(item: Mapping[str, Any], file_system: str | None) -> bool:
    device_type = item.get("deviceType")
    if isinstance(device_type, str):
        lowered = device_type.casefold()
        if any(marker in lowered for marker in _NOT_FIXED_DEVICE_TYPES):
            return False
    return file_system is None or file_system.casefold() not in _NOT_STORAGE_FILE_SYSTEMS


def _volumes(value: Any) -> tuple[tuple[Volume, ...], float | None]:
    """Volumes as reported, plus the device's fixed storage in GiB.

    ``storage_total_gb`` answers "how much disk does this machine have": it sums the capacities of
    local fixed volumes and leaves out removable media (USB sticks come and go), network drives (someone
    else's disk), optical/RAM disks and pseudo file systems (snap squashfs, tmpfs). APFS volumes of one
    container each report the container's size, so APFS volumes of equal capacity count once. Bind
    mounts and btrfs subvolumes can't be told apart from partitions and may be counted twice. ``None``
    when no volume reports a capacity.
    """
    volumes: list[Volume] = []
    total = 0
    counted = False
    apfs_seen: set[int] = set()
    for item in _items(value):
        if len(volumes) >= MAX_VOLUMES:
            break
        if not isinstance(item, Mapping):
            continue
        capacity = _byte_size(item.get("capacity"))
        file_system = _text(item.get("fileSystem"), SHORT_MAX)
        name = (
            _text(item.get("name"), TEXT_MAX)
            or _text(item.get("driveLetter"), TEXT_MAX)
            or _text(item.get("label"), TEXT_MAX)
            or ""
        )
        volumes.append(Volume(name, capacity, _byte_size(item.get("freeSpace")), file_system))
        if capacity and _counts_as_storage(item, file_system):
            if file_system is not None and file_system.casefold() == "apfs":
                if capacity in apfs_seen:
                    continue
                apfs_seen.add(capacity)
            total += capacity
            counted = True
    return tuple(volumes), (_gib(total) if counted else None)


# --------------------------------------------------------------------------------------------------
# CPU, memory, OS
# --------------------------------------------------------------------------------------------------


def _cpu(device: Mapping[str, Any], system: Mapping[str, Any]) -> tuple[str | None, int | None, int | None]:
    """``(model, physical cores, sockets)``.

    Agents list one ``processors`` entry per socket: the model is the first entry's name, cores the sum
    of ``numCores`` (physical, not logical: licensing and capacity planning count physical cores; we
    give no total when an entry lacks it rather than a partial sum), sockets the number of entries. VM
    hosts report ``cpuModel``/``cpuCores``/``cpuPackages``; VM guests ``cpuCores`` and
    ``coresPerSocket``, from which sockets follow when they divide evenly.
    """
    processors = [item for item in _items(device.get("processors")) if isinstance(item, Mapping)]
    model = cores = sockets = None
    if processors:
        model = _first(*(_text(item.get("name"), TEXT_MAX) for item in processors))
        per_socket = [_count(item.get("numCores")) or 0 for item in processors]
        if all(per_socket):
            cores = _count(sum(per_socket))
        sockets = _count(len(processors))
    model = model or _text(device.get("cpuModel"), TEXT_MAX)
    cores = cores or _count(device.get("cpuCores"))
    if sockets is None:
        sockets = _count(system.get("numberOfProcessors")) or _count(device.get("cpuPackages"))
    if sockets is None:
        per_socket_cores = _count(device.get("coresPerSocket"))
        if cores and per_socket_cores and cores % per_socket_cores == 0:
            sockets = cores // per_socket_cores
    return model, cores, sockets


def _ram_gb(device: Mapping[str, Any], system: Mapping[str, Any]) -> float | None:
    """``memory.capacity`` (agents, MDM), else ``system.totalPhysicalMemory``, else ``memorySize`` (VM
    hosts and guests); bytes → GiB with one decimal. Zero means "not reported", not "no RAM"."""
    size = (
        _byte_size(_block(device, "memory").get("capacity"))
        or _byte_size(system.get("totalPhysicalMemory"))
        or _byte_size(device.get("memorySize"))
    )
    return _gib(size) if size else None


def _looks_like_workstation_os(os_name: str | None) -> bool:
    """A desktop Windows or macOS guest is a workstation (VDI, test PCs); Linux and unknown stay servers."""
    if os_name is None:
        return False
    lowered = os_name.casefold()
    if "windows" in lowered:
        return "server" not in lowered
    return "macos" in lowered or "mac os" in lowered or "os x" in lowered


# --------------------------------------------------------------------------------------------------
# The record
# --------------------------------------------------------------------------------------------------


def to_asset_record(
    device: Mapping[str, Any],
    *,
    client_id: str,
    host_asset_id: str | None,
    location_name: str | None,
    ninjaone_url: str | None,
    site_id: str | None = None,
    host_asset_type: str | None = None,
) -> AssetRecord:
    """Everything NinjaOne tells about ``device``, as the :class:`AssetRecord` the host adapter writes.

    Never raises on missing, ``None`` or wrong-typed fields: they become ``None``/empty (unknown, which the
    host leaves alone). Raises :class:`ValueError` only when the device is not a mapping, has no integer
    ``id`` within the 64-bit range, or ``client_id`` is empty: such a record could not be keyed.

    ``location_name`` falls back to ``references.location.name`` (present on webhook-expanded devices)
    because a sync triggered by a webhook may not have the location table at hand. ``site_id`` (the
    host site of the device's location) and ``host_asset_type`` (the device-type table's answer) are
    decided by the caller from the tenant's mappings; ``None`` is "no site" and "no mapped type".
    """
    device_id = _device_id(device)
    client_id = _check_client_id(client_id)
    system = _block(device, "system")
    os_block = _block(device, "os")

    node_class = _text(device.get("nodeClass"), SHORT_MAX)
    asset_type, is_virtual = asset_type_for(node_class)
    if system.get("virtualMachine") is True:
        is_virtual = True  # an agent inside a VM: its node class (WINDOWS_SERVER...) doesn't say

    os_name = (
        _text(os_block.get("name"), TEXT_MAX)
        or _text(device.get("releaseName"), TEXT_MAX)  # VM host: "VMware ESXi 8.0.1 build-..."
        or _text(device.get("guestOSFullName"), TEXT_MAX)  # VM guest
        or MOBILE_OS_NAMES.get(node_class or "")
    )
    if node_class in VM_GUEST_CLASSES and _looks_like_workstation_os(os_name):
        asset_type = AssetType.WORKSTATION

    cpu_model, cpu_cores, cpu_count = _cpu(device, system)
    volumes, storage_total_gb = _volumes(device.get("volumes"))
    references = _block(device, "references")
    if location_name is None:
        location_name = _block(references, "location").get("name")
    warranty = _block(references, "warranty")

    return AssetRecord(
        ninjaone_device_id=device_id,
        client_id=client_id,
        name=device_name(device),
        asset_type=asset_type,
        host_asset_id=host_asset_id,
        is_virtual=is_virtual,
        node_class=node_class,
        location_name=_text(location_name, TEXT_MAX),
        site_id=_text(site_id, SHORT_MAX),
        host_asset_type=_text(host_asset_type, SHORT_MAX),
        agent_status=agent_status(device),
        last_seen=_timestamp(device.get("lastContact")),
        approval_status=_text(device.get("approvalStatus"), STATUS_MAX),
        manufacturer=_hardware_text(system.get("manufacturer")) or _hardware_text(device.get("vendor")),
        model=_hardware_text(system.get("model")) or _hardware_text(device.get("model")),
        serial_number=_serial_of(device, system),
        os_name=os_name,
        os_version=_text(os_block.get("releaseId"), VERSION_MAX) or _text(device.get("version"), VERSION_MAX),
        os_build=(
            _text(os_block.get("buildNumber"), VERSION_MAX)
            or _text(device.get("buildNumber"), VERSION_MAX)
            or _text(system.get("build"), VERSION_MAX)  # MDM
        ),
        os_architecture=_text(os_block.get("architecture"), SHORT_MAX),
        cpu_model=cpu_model,
        cpu_cores=cpu_cores,
        cpu_count=cpu_count,
        ram_gb=_ram_gb(device, system),
        storage_total_gb=storage_total_gb,
        volumes=volumes,
        ip_addresses=_addresses(device.get("ipAddresses")),
        mac_addresses=_addresses(device.get("macAddresses"), _mac),
        public_ip=_text(device.get("publicIP"), SHORT_MAX),
        last_logged_in_user=_text(device.get("lastLoggedInUser"), TEXT_MAX),
        last_boot=_timestamp(_first(os_block.get("lastBootTime"), device.get("lastBootTime"))),
        ninjaone_url=_text(ninjaone_url, URL_MAX),
        warranty_start=_timestamp(warranty.get("startDate")),
        warranty_end=_timestamp(warranty.get("endDate")),
        warranty_fulfillment=_timestamp(warranty.get("manufacturerFulfillmentDate")),
    )


def adoption_keys(device: Mapping[str, Any], *, client_id: str) -> AdoptionKeys:
    """The keys the host matches an existing asset on: the NinjaOne id, then the cleaned serial, then the
    name within the client. Same name and serial rules as :func:`to_asset_record`, so a device is adopted
    by exactly the values it will then be written with. Raises :class:`ValueError` like it."""
    device_id = _device_id(device)
    return AdoptionKeys(
        ninjaone_device_id=device_id,
        client_id=_check_client_id(client_id),
        name=device_name(device),
        serial_number=_serial_of(device, _block(device, "system")),
    )


# --------------------------------------------------------------------------------------------------
# Mirror row and change detection
# --------------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def maintenance_values(device: Mapping[str, Any]) -> dict[str, Any]:
    """The device's ``maintenance`` record (``Maintenance`` in the spec: ``status`` PENDING,
    IN_MAINTENANCE or FAILED, ``start``/``end`` in epoch seconds) as mirror columns; all ``None`` when
    NinjaOne sets none."""
    block = _block(device, "maintenance")
    status = _text(block.get("status"), STATUS_MAX)
    return {
        "maintenance_status": status,
        "maintenance_start": _timestamp(block.get("start")) if status else None,
        "maintenance_end": _timestamp(block.get("end")) if status else None,
    }


def mirror_values(device: Mapping[str, Any], record: AssetRecord) -> dict[str, Any]:
    """Column values of the :class:`~flask_ninjaone.models.devices.Device` mirror row.

    The mirror repeats a few record fields as columns (filterable in the device list) and keeps a small
    ``hardware`` summary as JSON (shown in the list and on the device page without a round trip to the
    host). Everything in ``hardware`` is JSON-native (datetimes as ISO strings), so any JSON column
    type stores it. Organization and location ids come from the device: the record only knows the host
    client they map onto.
    """
    return {
        "device_id": record.ninjaone_device_id,
        "organization_id": _int64(device.get("organizationId")),
        "location_id": _int64(device.get("locationId")),
        "node_class": record.node_class,
        "node_role_id": _int64(device.get("nodeRoleId")),
        "host_asset_type": record.host_asset_type,
        "site_id": record.site_id,
        "device_type": _text(device.get("deviceType"), SHORT_MAX),
        "name": record.name,
        "asset_type": record.asset_type.value,
        "approval_status": record.approval_status,
        "agent_status": record.agent_status,
        "last_contact": record.last_seen,
        "serial_number": record.serial_number,
        "warranty_start": record.warranty_start,
        "warranty_end": record.warranty_end,
        "warranty_fulfillment": record.warranty_fulfillment,
        "hardware": {
            "os": record.os_name,
            "manufacturer": record.manufacturer,
            "model": record.model,
            "cpu": record.cpu_model,
            "ram_gb": record.ram_gb,
            "storage_total_gb": record.storage_total_gb,
            "ip": record.ip_addresses[0] if record.ip_addresses else None,
            "public_ip": record.public_ip,
            "last_user": record.last_logged_in_user,
            "last_boot": _iso(record.last_boot),
            "is_virtual": record.is_virtual,
        },
        **maintenance_values(device),
    }


HASH_VERSION = 1
"""Part of the hashed payload: bump it when the canonical form changes, to force one full rewrite."""
#: Part of every payload fingerprint, so an upgrade re-maps devices even when their payload is unchanged.
_PACKAGE_VERSION = package_version()

_WARRANTY_FIELDS = ("warranty_start", "warranty_end", "warranty_fulfillment")
_HASHED_FIELDS = tuple(
    field.name
    for field in fields(AssetRecord)
    if field.name != "host_asset_id" and field.name not in _WARRANTY_FIELDS
)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Volume):
        return [value.name, value.capacity_bytes, value.free_bytes, value.file_system]
    raise TypeError(f"not hashable as JSON: {type(value).__name__}")


def content_hash(
    record: AssetRecord,
    *,
    organization_id: int | None,
    location_id: int | None,
    maintenance: Mapping[str, Any] | None = None,
) -> str:
    """SHA-256 (hex) of the record's canonical JSON, to skip devices whose facts did not change.

    Canonical: sorted keys, no whitespace, datetimes as ISO 8601, the asset type as its value, tuples
    as lists, ASCII-escaped (so the bytes don't depend on the encoder's Unicode handling). The
    organization and location ids are included because moving a device must update the mirror even
    when the host-facing record is identical; so is NinjaOne's ``maintenance`` record
    (:func:`maintenance_values`), which the asset panel shows from the mirror.

    ``host_asset_id`` is left out: it is the sync's own bookkeeping, and including it would make every
    device look changed right after its asset was created. ``last_seen`` and ``agent_status`` stay in:
    technicians read them in the host, so a device's hash changes whenever it contacts NinjaOne. Writes
    are still saved for every device that did not check in between two syncs (offline machines,
    NMS/cloud targets, most of a fleet on a short interval). Costs a few microseconds per device: the
    payload is built with plain ``getattr`` and serialised by the C JSON encoder.
    """
    payload = {name: getattr(record, name) for name in _HASHED_FIELDS}
    payload["asset_type"] = record.asset_type.value
    payload["organization_id"] = organization_id
    payload["location_id"] = location_id
    payload["hash_version"] = HASH_VERSION
    if maintenance and maintenance.get("maintenance_status"):
        # Only when set, so devices without maintenance keep their hash across the upgrade adding it.
        payload["maintenance"] = [maintenance[name] for name in sorted(maintenance)]
    warranty = [getattr(record, name) for name in _WARRANTY_FIELDS]
    if any(warranty):
        # Likewise only when NinjaOne knows a warranty: devices without one keep their hash.
        payload["warranty"] = warranty
    return json_digest(payload, default=_json_default)


def payload_target_hash(
    payload_fingerprint: str,
    *,
    client_id: str,
    location_name: str | None,
    base_url: str,
    pending_synced: bool,
    site_id: str | None = None,
    host_asset_type: str | None = None,
) -> str:
    """SHA-256 (hex) of a raw payload's fingerprint together with everything else its asset is built
    from, and the versions of the mapping and of this package: equal means "same input, same result".
    The site and host asset type the tenant's mappings give the device are part of it, so changing a
    mapping re-writes the devices it moves, though their payloads are the same.
    """
    return json_digest(
        [
            HASH_VERSION,
            _PACKAGE_VERSION,
            payload_fingerprint,
            client_id,
            location_name,
            base_url,
            pending_synced,
            site_id,
            host_asset_type,
        ]
    )
