"""One realistic device record per node class, in the detailed shape NinjaOne returns.

``deviceType`` names are the OpenAPI discriminator's schema names (``AgentDevice``, ``VMHost``,
``VMGuest``, ``MdmDevice``, ``NMSTarget``, ``NMSServer``, ``CloudMonitorPing``/``HTTP``/``DNS``/
``EmailServer``/``PortScan``, ``UnmanagedDevice``); each carries only extra fields its schema
names (:data:`DEVICE_TYPE_FIELDS`). Shapes follow the real samples: hardware blocks as in
``devices-detailed-item-windows-server.json`` (bytes for memory and volumes, Hz for clock speeds, volumes
with the ``nodeId`` the real API emits though the spec omits it), VMware nodes without ``uid`` like
``device-detail-vmhost.json``, absent rather than null fields.

The traps a sync must survive are built in at realistic rates: junk or missing serial numbers, agents
without ``system`` or ``os`` blocks, unicode names, timestamps as float seconds and sometimes ints.
The spec does not map node classes to deviceTypes; two mappings here are judgement calls:
``NMS_NETWORK_MANAGEMENT_AGENT`` (the collector) is an ``NMSServer`` and the other ``NMS_*`` classes are
``NMSTarget``; ``MANAGED_DEVICE`` gets the plain ``UnmanagedDevice`` shape (no extra fields), the base
shape a client must handle anyway.
"""

from __future__ import annotations

import random
import string
import unicodedata
import uuid
from typing import Any

from .node_roles import role_id_for

AGENT_OS = {
    "WINDOWS_WORKSTATION": "windows",
    "WINDOWS_SERVER": "windows",
    "LINUX_WORKSTATION": "linux",
    "LINUX_SERVER": "linux",
    "MAC": "mac",
    "MAC_SERVER": "mac",
}
_FIXED_DEVICE_TYPES = {
    **dict.fromkeys(AGENT_OS, "AgentDevice"),
    **dict.fromkeys(("ANDROID", "APPLE_IOS", "APPLE_IPADOS"), "MdmDevice"),
    **dict.fromkeys(("VMWARE_VM_HOST", "HYPERV_VMM_HOST"), "VMHost"),
    **dict.fromkeys(("VMWARE_VM_GUEST", "HYPERV_VMM_GUEST"), "VMGuest"),
    "NMS_NETWORK_MANAGEMENT_AGENT": "NMSServer",
    "UNMANAGED_DEVICE": "UnmanagedDevice",
    "MANAGED_DEVICE": "UnmanagedDevice",
}
CLOUD_MONITOR_TYPES = (
    "CloudMonitorHTTP",
    "CloudMonitorPing",
    "CloudMonitorDNS",
    "CloudMonitorEmailServer",
    "CloudMonitorPortScan",
)
# Fields each deviceType adds to the common detailed fields (from the spec's component schemas).
DEVICE_TYPE_FIELDS: dict[str, frozenset[str]] = {
    "AgentDevice": frozenset({"os", "system", "memory", "processors", "volumes", "lastLoggedInUser"}),
    "MdmDevice": frozenset({"system", "memory", "network", "volumes"}),
    "VMHost": frozenset(
        {
            "cpuMhz",
            "cpuModel",
            "htActive",
            "htAvailable",
            "lastBootTime",
            "memorySize",
            "model",
            "name",
            "cpuCores",
            "cpuPackages",
            "cpuThreads",
            "serviceTag",
            "vendor",
            "releaseName",
            "version",
            "buildNumber",
        }
    ),
    "VMGuest": frozenset(
        {
            "files",
            "fullName",
            "lastBootTime",
            "memorySize",
            "coresPerSocket",
            "cpuCores",
            "powerState",
            "toolsInstallType",
            "toolStatus",
            "toolsVersion",
            "guestOSFullName",
            "guestOSFamily",
            "guestOSId",
            "toolsVersionStatus",
            "snapshotCount",
            "snapshotTotalSize",
        }
    ),
    "NMSTarget": frozenset(),
    "NMSServer": frozenset(),
    "UnmanagedDevice": frozenset(),
    **dict.fromkeys(CLOUD_MONITOR_TYPES, frozenset({"enabled", "interval", "timeout", "target"})),
}
DEVICE_TYPE_FIELDS["CloudMonitorEmailServer"] = DEVICE_TYPE_FIELDS["CloudMonitorEmailServer"] | {
    "smtpPort",
    "senderEmail",
    "recipientEmail",
}
# Detailed-only fields common to every deviceType (beyond the /v2/devices base fields).
COMMON_DETAIL_FIELDS = frozenset(
    {"ipAddresses", "macAddresses", "publicIP", "notes", "deviceType", "references"}
)

JUNK_SERIALS = ("To be Filled By O.E.M.", "Default string", "0", "None", "")
GIB = 1024**3

_USERS = (
    "jdoe",
    "asmith",
    "m.weber",
    "jürgen.müller",
    "søren.ås",
    "tanaka.h",
    "田中",
    "chloé.dupont",
    "admin",
)
_LOCALES = (("en-US", "English"), ("en-GB", "English"), ("de-DE", "German"), ("ja-JP", "Japanese"))
_UNICODE_WORKSTATIONS = ("Büro-PC-Ü", "Empfang-Zürich-", "Café-Kasse-", "Ørsted-WS", "Lager-Süd-")
_UNICODE_SERVERS = ("東京サーバー", "Serveur-Genève-", "Überwachung-SRV-")

_WORKSTATION_VENDORS = (
    ("Dell Inc.", ("OptiPlex 7090", "Latitude 5520", "Latitude 7440", "Precision 3660"), "dell"),
    ("LENOVO", ("20XW0026GE", "21CB007HGE", "11DT003AGE"), "lenovo"),
    ("HP", ("HP EliteBook 840 G8 Notebook PC", "HP ProDesk 600 G6 Desktop Mini PC"), "hp"),
    ("Microsoft Corporation", ("Surface Pro 8", "Surface Laptop 5"), "digits"),
    ("To Be Filled By O.E.M.", ("To Be Filled By O.E.M.",), "junk"),
)
_SERVER_VENDORS = (
    ("Microsoft Corporation", ("Virtual Machine",), "hyperv"),
    ("VMware, Inc.", ("VMware7,1", "VMware Virtual Platform"), "vmware"),
    ("Dell Inc.", ("PowerEdge R750", "PowerEdge R650"), "dell"),
    ("HPE", ("ProLiant DL380 Gen10", "ProLiant DL360 Gen10 Plus"), "hp"),
)
_WINDOWS_OS = {
    "WINDOWS_WORKSTATION": (
        ("Windows 11 Professional Edition", "22631", "23H2"),
        ("Windows 11 Enterprise Edition", "22631", "23H2"),
        ("Windows 10 Professional Edition", "19045", "22H2"),
        ("Windows 10 Enterprise Edition", "19045", "22H2"),
    ),
    "WINDOWS_SERVER": (
        ("Windows Server 2022 Standard Edition", "20348", "21H2"),
        ("Windows Server 2019 Standard Edition", "17763", "1809"),
        ("Windows Server 2016 Datacenter Edition", "14393", "1607"),
    ),
}
_LINUX_OS = (
    ("Ubuntu 22.04.4 LTS", "5.15.0-97-generic"),
    ("Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64"),
    ("Red Hat Enterprise Linux 9.3 (Plow)", "5.14.0-362.18.1.el9_3.x86_64"),
)
_MAC_OS = (("macOS Sonoma 14.3.1", "23D60"), ("macOS Ventura 13.6.4", "22G513"))
_INTEL_CPUS = (
    ("Intel(R) Core(TM) i5-10500 CPU @ 3.10GHz", 3_096_000_000, 6),
    ("Intel(R) Core(TM) i7-1165G7 @ 2.80GHz", 2_803_000_000, 4),
    ("13th Gen Intel(R) Core(TM) i7-1365U", 1_800_000_000, 10),
    ("AMD Ryzen 7 PRO 5850U with Radeon Graphics", 1_900_000_000, 8),
)
_SERVER_CPUS = (
    ("Intel(R) Xeon(R) Gold 6258R CPU @ 2.70GHz", 2_694_000_000, 7),
    ("Intel(R) Xeon(R) Silver 4114 CPU @ 2.20GHz", 2_195_000_000, 10),
    ("AMD EPYC 7313 16-Core Processor", 3_000_000_000, 16),
)
_APPLE_CPUS = (("Apple M2 Pro", 3_490_000_000, 10), ("Apple M1", 3_200_000_000, 8))
_MDM_MODELS = {
    "ANDROID": (("samsung", "SM-G991B", "Galaxy S21"), ("Google", "Pixel 8", "Pixel 8")),
    "APPLE_IOS": (("Apple", "iPhone14,5", "iPhone 13"), ("Apple", "iPhone15,2", "iPhone 14 Pro")),
    "APPLE_IPADOS": (("Apple", "iPad13,18", "iPad (10th generation)"),),
}
_NMS_NAMES = {
    "NMS_SWITCH": "SW-CORE",
    "NMS_ROUTER": "RT-EDGE",
    "NMS_FIREWALL": "FW-EDGE",
    "NMS_PRIVATE_NETWORK_GATEWAY": "GW-VPN",
    "NMS_PRINTER": "PRN-2OG-Flur",
    "NMS_SCANNER": "SCAN-Empfang",
    "NMS_DIAL_MANAGER": "DIAL-MGR",
    "NMS_WAP": "AP-Lager",
    "NMS_IPSLA": "IPSLA-WAN",
    "NMS_COMPUTER": "NMS-PC",
    "NMS_VM_HOST": "NMS-HV",
    "NMS_APPLIANCE": "NAS-Synology",
    "NMS_OTHER": "UPS-APC",
    "NMS_SERVER": "NMS-SRV",
    "NMS_PHONE": "VoIP-Yealink",
    "NMS_VIRTUAL_MACHINE": "NMS-VM",
    "NMS_NETWORK_MANAGEMENT_AGENT": "NMS-Collector",
}


def device_type_for(node_class: str, rng: random.Random) -> str:
    """The discriminator value for a node class (cloud monitors come in five kinds)."""
    if node_class == "CLOUD_MONITOR_TARGET":
        return rng.choice(CLOUD_MONITOR_TYPES)
    return _FIXED_DEVICE_TYPES.get(node_class, "NMSTarget")


def domain_for(organization_name: str) -> str:
    """A DNS domain derived from an organization name (``Müller & Söhne GmbH`` -> ``muller-sohne.local``)."""
    ascii_name = unicodedata.normalize("NFKD", organization_name).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_name).lower().split()
    words = [word for word in words if word not in ("gmbh", "ag", "inc", "llc", "ltd", "co", "kg")]
    return ("-".join(words[:2]) or "example") + ".local"


def build_device(
    rng: random.Random,
    *,
    device_id: int,
    node_class: str,
    organization_id: int,
    location_id: int,
    domain: str,
    now: float,
    approval_status: str = "APPROVED",
    parent_device_id: int | None = None,
    name_prefix: str | None = None,
    device_type: str | None = None,
) -> dict[str, Any]:
    """Build the detailed record of one device; ``name_prefix`` forces the start of its name and
    ``device_type`` the kind of a ``CLOUD_MONITOR_TARGET`` (otherwise drawn at random)."""
    device_type = device_type or device_type_for(node_class, rng)
    offline = approval_status == "DECOMMISSIONED" or rng.random() < 0.12
    created = now - rng.uniform(2, 900) * 86400
    if approval_status == "PENDING":
        created = now - rng.uniform(600, 3 * 86400)
    last_contact = now - (rng.uniform(3600, 60 * 86400) if offline else rng.uniform(5, 600))
    last_contact = max(last_contact, created + 60)
    name = _name(rng, node_class, device_id, domain, name_prefix)

    record: dict[str, Any] = {"id": device_id}
    if not node_class.startswith("VMWARE"):
        record["uid"] = _uuid(rng)
    if parent_device_id is not None:
        record["parentDeviceId"] = parent_device_id
    record.update(organizationId=organization_id, locationId=location_id, nodeClass=node_class)
    record["nodeRoleId"] = role_id_for(node_class)
    record["rolePolicyId"] = 40 + organization_id % 7
    if rng.random() < 0.3:
        record["policyId"] = 200 + rng.randint(0, 60)
    record.update(approvalStatus=approval_status, offline=offline)
    agent = device_type == "AgentDevice"
    address = _ip(rng)
    if agent:
        if rng.random() < 0.25:  # agents carry a displayName only when a technician renamed them
            record["displayName"] = name
    elif device_type.startswith("CloudMonitor"):
        record["displayName"] = rng.choice(("https://shop.example.com", "https://portal.example.org/login"))
    else:
        record["displayName"] = address if device_type in ("VMHost", "NMSTarget") else name
    record["systemName"] = name
    record["dnsName"] = f"{name}.{domain}" if agent else address
    if node_class.startswith("WINDOWS") and name.isascii() and rng.random() < 0.5:
        record["netbiosName"] = name.upper()[:15]
    record.update(
        created=_ts(rng, created), lastContact=_ts(rng, last_contact), lastUpdate=_ts(rng, last_contact)
    )
    if agent:
        record["tags"] = rng.choice(([], [], ["VIP"], ["Kasse", "Filiale"]))
    record["ipAddresses"] = [address]
    record["macAddresses"] = [_mac(rng, upper=agent)]
    if agent:
        record["publicIP"] = f"203.0.113.{location_id % 250 + 1}"
        record.update(_agent_blocks(rng, node_class, name, domain, device_id, last_contact))
    elif device_type == "MdmDevice":
        record.update(_mdm_blocks(rng, node_class, name))
    elif device_type == "VMHost":
        record.update(_vm_host_fields(rng, node_class, name, last_contact))
    elif device_type == "VMGuest":
        record.update(_vm_guest_fields(rng, node_class, name, last_contact))
    elif device_type.startswith("CloudMonitor"):
        record.update(_cloud_monitor_fields(rng, device_type, record["displayName"]))
    record["deviceType"] = device_type
    warranty = (
        _warranty(device_id, created)
        if agent and not record.get("system", {}).get("virtualMachine")
        else None
    )
    if warranty:
        record["references"] = {"warranty": warranty}
    return record


def _warranty(device_id: int, created: float) -> dict[str, float] | None:
    """``references.warranty`` (``WarrantyDates`` in the spec: ``startDate``, ``endDate``,
    ``manufacturerFulfillmentDate``, epoch seconds as doubles) of a physical agent.

    Inferred: NinjaOne looks warranties up from the manufacturer, so about a fifth of the machines carry
    none and the fulfillment (ship) date comes a few days before the start. Drawn from a generator of
    its own, seeded by the device id, so adding warranties did not shift any other generated value.
    """
    rng = random.Random(f"warranty-{device_id}")
    if rng.random() < 0.2:
        return None
    start = created - rng.uniform(0, 400) * 86400
    years = rng.choice((1, 3, 3, 3, 5))
    return {
        "startDate": float(int(start)),
        "endDate": float(int(start + years * 365 * 86400)),
        "manufacturerFulfillmentDate": float(int(start - rng.uniform(2, 20) * 86400)),
    }


def _name(rng: random.Random, node_class: str, device_id: int, domain: str, prefix: str | None) -> str:
    if prefix is not None:
        return f"{prefix}{device_id}"
    code = "".join(rng.choices(string.ascii_uppercase + string.digits, k=7))
    if node_class == "WINDOWS_WORKSTATION":
        if rng.random() < 0.03:
            return f"{rng.choice(_UNICODE_WORKSTATIONS)}{device_id}"
        return rng.choice((f"DESKTOP-{code}", f"LAPTOP-{code}", f"WS-{device_id:04d}"))
    if node_class == "WINDOWS_SERVER":
        if rng.random() < 0.05:
            return f"{rng.choice(_UNICODE_SERVERS)}{device_id}"
        return f"SRV-{rng.choice(('DC', 'FS', 'SQL', 'RDS', 'APP', 'EXCH'))}{device_id:04d}"
    if node_class in ("LINUX_SERVER", "LINUX_WORKSTATION"):
        role = (
            rng.choice(("web", "db", "docker", "backup", "dev"))
            if node_class == "LINUX_SERVER"
            else "ubuntu-ws"
        )
        return f"{role}-{device_id}"
    if node_class in ("MAC", "MAC_SERVER"):
        return rng.choice(
            ("MacBook-Pro-von-Jürgen-", "Sarahs-MacBook-Air-", "MBP-", "mac-mini-build-")
        ) + str(device_id)
    if node_class.startswith("VMWARE") or node_class.startswith("HYPERV"):
        kind = {"VMWARE_VM_HOST": "esxi", "HYPERV_VMM_HOST": "HV-HOST"}.get(node_class, "vm")
        return f"{kind}{device_id:02d}.{domain}" if kind == "esxi" else f"{kind}-{device_id}"
    if node_class in _MDM_MODELS:
        owner = rng.choice(("Anna", "Jürgen", "Kenji", "Lager"))
        return f"{owner}-{node_class.split('_')[-1].title()}-{device_id}"
    if node_class in ("CLOUD_MONITOR_TARGET",):
        return f"monitor-{device_id}"
    if node_class in ("UNMANAGED_DEVICE", "MANAGED_DEVICE"):
        return f"{rng.choice(('Konferenzraum-Display', 'Zeiterfassung', 'Beamer-EG'))}-{device_id}"
    return f"{_NMS_NAMES.get(node_class, 'NMS')}-{device_id}"


def _agent_blocks(
    rng: random.Random, node_class: str, name: str, domain: str, device_id: int, last_contact: float
) -> dict[str, Any]:
    family = AGENT_OS[node_class]
    server = node_class.endswith("SERVER")
    memory = rng.choice((32, 64, 128, 256) if server else (8, 16, 16, 32)) * GIB
    boot = last_contact - rng.uniform(3600, 40 * 86400)
    blocks: dict[str, Any] = {}
    if rng.random() >= 0.03:
        blocks["os"] = _os_block(rng, node_class, family, boot)
    if rng.random() >= 0.05:
        blocks["system"] = _system_block(rng, family, server, name, domain, memory)
    blocks["memory"] = {"capacity": memory}
    if rng.random() >= 0.02:
        cpu_name, hz, cores = rng.choice(
            _APPLE_CPUS if family == "mac" else _SERVER_CPUS if server else _INTEL_CPUS
        )
        blocks["processors"] = [
            {
                "architecture": "arm64" if family == "mac" else "x64",
                "maxClockSpeed": hz,
                "clockSpeed": hz,
                "name": cpu_name,
                "numCores": cores,
                "numLogicalCores": cores if family == "mac" else cores * 2,
            }
        ]
        blocks["volumes"] = _volumes(rng, family, server, device_id)
    user = rng.choice(_USERS)
    if family == "windows":
        user = f"{domain.split('.')[0].upper()}\\{user}"
    if rng.random() < 0.9:
        blocks["lastLoggedInUser"] = user
    return blocks


def _os_block(rng: random.Random, node_class: str, family: str, boot: float) -> dict[str, Any]:
    locale, language = rng.choice(_LOCALES)
    if family == "windows":
        os_name, build, release = rng.choice(_WINDOWS_OS[node_class])
        return {
            "manufacturer": "Microsoft Corporation",
            "name": os_name,
            "architecture": "64-bit",
            "lastBootTime": _ts(rng, boot),
            "buildNumber": build,
            "releaseId": release,
            "servicePackMajorVersion": 0,
            "servicePackMinorVersion": 0,
            "locale": locale,
            "language": language,
            "needsReboot": rng.random() < 0.15,
        }
    os_name, build = rng.choice(_MAC_OS if family == "mac" else _LINUX_OS)
    block: dict[str, Any] = {"name": os_name, "architecture": "arm64" if family == "mac" else "x86_64"}
    if family == "mac":
        block["manufacturer"] = "Apple Inc."
    block.update(lastBootTime=_ts(rng, boot), buildNumber=build, locale=locale, language=language)
    block["needsReboot"] = rng.random() < 0.1
    return block


def _system_block(
    rng: random.Random, family: str, server: bool, name: str, domain: str, memory: int
) -> dict[str, Any]:
    if family == "mac":
        manufacturer, model, serial_kind = (
            "Apple Inc.",
            rng.choice(("MacBookPro18,3", "Mac14,3", "Mac14,2")),
            "apple",
        )
        chassis = "DESKTOP" if model == "Mac14,3" else "LAPTOP"
        virtual = False
    else:
        manufacturer, models, serial_kind = rng.choice(_SERVER_VENDORS if server else _WORKSTATION_VENDORS)
        model = rng.choice(models)
        virtual = serial_kind in ("hyperv", "vmware")
        chassis = (
            "LAPTOP" if any(word in model for word in ("Latitude", "Book", "Surface", "21CB")) else "DESKTOP"
        )
    block: dict[str, Any] = {"name": name, "manufacturer": manufacturer, "model": model}
    roll = rng.random()
    if serial_kind == "junk" or roll < 0.12:
        junk = rng.choice(JUNK_SERIALS)
        block.update(biosSerialNumber=junk, serialNumber=junk)
    elif roll >= 0.17:  # 5 % report no serial at all
        serial = _serial(rng, serial_kind)
        block.update(biosSerialNumber=serial, serialNumber=serial)
    if family == "windows":
        block["domain"] = domain.split(".")[0].upper()
        block["domainRole"] = (
            rng.choice(("Member Server", "Primary Domain Controller"))
            if server
            else (rng.choice(("Member Workstation", "Standalone Workstation")))
        )
    block.update(
        numberOfProcessors=1, totalPhysicalMemory=memory, virtualMachine=virtual, chassisType=chassis
    )
    return block


def _serial(rng: random.Random, kind: str) -> str:
    upper = string.ascii_uppercase + string.digits
    if kind == "dell":
        return "".join(rng.choices(upper, k=7))
    if kind == "lenovo":
        return "PF" + "".join(rng.choices(upper, k=6))
    if kind == "hp":
        return rng.choice(("5CG", "CZJ")) + "".join(rng.choices(upper, k=7))
    if kind == "hyperv":
        return (
            "-".join("".join(rng.choices(string.digits, k=4)) for _ in range(6))
            + "-"
            + str(rng.randint(10, 99))
        )
    if kind == "vmware":
        return (
            "VMware-42 "
            + " ".join(f"{rng.getrandbits(8):02x}" for _ in range(7))
            + "-"
            + " ".join(f"{rng.getrandbits(8):02x}" for _ in range(8))
        )
    if kind == "apple":
        return "C02" + "".join(rng.choices(upper, k=9))
    return "".join(rng.choices(string.digits, k=12))


def _volumes(rng: random.Random, family: str, server: bool, device_id: int) -> list[dict[str, Any]]:
    capacity = rng.choice((256, 512, 1024) if not server else (136, 500, 2000)) * GIB
    if family == "windows":
        specs = [("C:", "", "NTFS", capacity)]
        if server or rng.random() < 0.2:
            specs.append(("D:", "Daten", "NTFS", rng.choice((500, 1000, 4000)) * GIB))
    elif family == "mac":
        specs = [("Macintosh HD", "Macintosh HD", "APFS", capacity)]
    else:
        specs = [("/", "", "ext4", capacity), ("/boot", "", "ext4", 1 * GIB)]
    return [
        {
            "nodeId": device_id,
            "name": name,
            "label": label,
            "deviceType": "Local Disk",
            "fileSystem": file_system,
            "autoMount": False,
            "compressed": False,
            "capacity": size,
            "freeSpace": int(size * rng.uniform(0.02, 0.8)),
            "serialNumber": f"{rng.getrandbits(32):08X}",
        }
        for name, label, file_system, size in specs
    ]


def _mdm_blocks(rng: random.Random, node_class: str, name: str) -> dict[str, Any]:
    manufacturer, model, display = rng.choice(_MDM_MODELS[node_class])
    storage = rng.choice((64, 128, 256)) * GIB
    system: dict[str, Any] = {
        "displayName": display,
        "name": name,
        "manufacturer": manufacturer,
        "model": model,
    }
    if rng.random() < 0.9:
        system["serialNumber"] = _serial(rng, "apple" if manufacturer == "Apple" else "digits")
    system["build"] = "UP1A.231005.007" if node_class == "ANDROID" else "21D61"
    blocks: dict[str, Any] = {"system": system, "memory": {"capacity": rng.choice((4, 6, 8)) * GIB}}
    if node_class != "APPLE_IPADOS":
        blocks["network"] = [
            {
                "imei": "".join(rng.choices(string.digits, k=15)),
                "phoneNumber": f"+49151{rng.randint(1000000, 9999999)}",
                "carrier": rng.choice(("Telekom.de", "Vodafone.de", "NTT DOCOMO")),
                "iccId": "8949" + "".join(rng.choices(string.digits, k=15)),
            }
        ]
    blocks["volumes"] = [
        {"name": "Internal Storage", "capacity": storage, "freeSpace": int(storage * rng.uniform(0.1, 0.7))}
    ]
    return blocks


def _vm_host_fields(rng: random.Random, node_class: str, name: str, last_contact: float) -> dict[str, Any]:
    cpu_model, hz, cores = rng.choice(_SERVER_CPUS)
    packages = rng.choice((1, 2))
    vmware = node_class == "VMWARE_VM_HOST"
    vendor, models, serial_kind = rng.choice(_SERVER_VENDORS[2:])
    fields: dict[str, Any] = {
        "cpuMhz": hz // 1_000_000,
        "cpuModel": cpu_model,
        "htActive": True,
        "htAvailable": True,
        "lastBootTime": _ts(rng, last_contact - rng.uniform(86400, 90 * 86400)),
        "memorySize": rng.choice((96, 128, 256, 512)) * GIB,
        "model": rng.choice(models),
        "name": name,
        "cpuCores": cores * packages,
        "cpuPackages": packages,
        "cpuThreads": cores * packages * 2,
        "serviceTag": rng.choice(JUNK_SERIALS) if rng.random() < 0.1 else _serial(rng, serial_kind),
        "vendor": vendor,
    }
    if vmware:
        fields.update(releaseName="VMware ESXi 8.0.1 build-21813344", version="8.0.1", buildNumber="21813344")
    else:
        fields.update(
            releaseName="Microsoft Windows Server 2022 Datacenter", version="10.0.20348", buildNumber="20348"
        )
    return fields


def _vm_guest_fields(rng: random.Random, node_class: str, name: str, last_contact: float) -> dict[str, Any]:
    cores = rng.choice((2, 4, 8))
    powered_on = rng.random() < 0.9
    fields: dict[str, Any] = {}
    if node_class == "VMWARE_VM_GUEST":
        fields["files"] = f"[datastore1] {name}/{name}.vmx"
    fields.update(
        fullName=name,
        lastBootTime=_ts(rng, last_contact - rng.uniform(3600, 30 * 86400)),
        memorySize=rng.choice((4, 8, 16, 32)) * GIB,
        coresPerSocket=cores,
        cpuCores=cores,
        powerState="POWERED_ON" if powered_on else "POWERED_OFF",
    )
    if node_class == "VMWARE_VM_GUEST":
        fields.update(
            toolsInstallType="GUEST_TOOLS_MSI",
            toolStatus="TOOLS_OK" if powered_on else "TOOLS_NOT_RUNNING",
            toolsVersion="12352",
            guestOSFullName="Microsoft Windows Server 2022 (64-bit)",
            guestOSFamily="windowsGuest",
            guestOSId="windows2019srvNext_64Guest",
            toolsVersionStatus="GUEST_TOOLS_CURRENT",
        )
    else:
        fields["guestOSFullName"] = "Windows Server 2019 Standard"
    fields.update(snapshotCount=rng.randint(0, 3), snapshotTotalSize=rng.randint(0, 40) * GIB)
    return fields


def _cloud_monitor_fields(rng: random.Random, device_type: str, target: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "enabled": rng.random() < 0.95,
        "interval": rng.choice((60, 300, 900)),
        "timeout": 30,
        "target": target,
    }
    if device_type == "CloudMonitorEmailServer":
        fields.update(smtpPort=25, senderEmail="monitor@example.com", recipientEmail="probe@example.com")
    return fields


def _ts(rng: random.Random, epoch: float) -> float | int:
    """Epoch SECONDS: usually a float with sub-second digits, sometimes an int (both occur in real data)."""
    return int(epoch) if rng.random() < 0.1 else round(epoch, 6)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ip(rng: random.Random) -> str:
    return f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"


def _mac(rng: random.Random, *, upper: bool) -> str:
    text = ":".join(f"{rng.getrandbits(8):02x}" for _ in range(6))
    return text.upper() if upper else text
