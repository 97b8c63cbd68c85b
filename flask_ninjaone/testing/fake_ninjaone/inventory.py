"""Software, patch, antivirus and health rows of a device, generated on demand.

A 10,000-device fleet has about 800,000 software rows; building them at seed time would cost seconds and
hundreds of megabytes for data most tests never read. Every row set is instead a pure function of
``(fleet seed, device)``: the same device always reports the same inventory, pages of a query walk are
stable, and seeding stays cheap. Only agent devices (Windows, macOS, Linux) report inventory, as in
NinjaOne; the health row exists for every device.

Value vocabularies (patch ``status``/``severity``/``type``, AV ``productState``) are strings in the
OpenAPI document, not enums; the values used here are NinjaOne's as they appear in its UI and reports.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Mapping
from typing import Any

AGENT_CLASSES = frozenset(
    {"WINDOWS_SERVER", "WINDOWS_WORKSTATION", "LINUX_WORKSTATION", "LINUX_SERVER", "MAC", "MAC_SERVER"}
)
_SALT_SOFTWARE, _SALT_OS_PATCH, _SALT_SW_PATCH, _SALT_AV, _SALT_HEALTH = 1, 2, 3, 4, 5
_PRODUCT_NAMESPACE = uuid.UUID("6f1d3c1e-2b7a-4d8e-9a51-0c2f3e4d5a6b")

_WINDOWS_SOFTWARE: list[tuple[str, str, str]] = [
    ("Google Chrome", "Google LLC", "122.0.6261.95"),
    ("Microsoft Edge", "Microsoft Corporation", "122.0.2365.66"),
    ("Microsoft Edge WebView2 Runtime", "Microsoft Corporation", "122.0.2365.66"),
    ("Mozilla Firefox (x64 de)", "Mozilla", "123.0.1"),
    ("Mozilla Maintenance Service", "Mozilla", "123.0.1"),
    ("Microsoft 365 Apps for business - de-de", "Microsoft Corporation", "16.0.17231.20236"),
    ("Microsoft 365 Apps for enterprise - en-us", "Microsoft Corporation", "16.0.17231.20236"),
    ("Microsoft OneDrive", "Microsoft Corporation", "24.030.0211.0002"),
    ("Microsoft Teams (work or school)", "Microsoft Corporation", "24004.1403.2634.2418"),
    ("Teams Machine-Wide Installer", "Microsoft Corporation", "1.7.0.3653"),
    ("Office 16 Click-to-Run Extensibility Component", "Microsoft Corporation", "16.0.17231.20182"),
    ("Office 16 Click-to-Run Licensing Component", "Microsoft Corporation", "16.0.17231.20236"),
    ("Office 16 Click-to-Run Localization Component", "Microsoft Corporation", "16.0.17231.20182"),
    ("Microsoft Update Health Tools", "Microsoft Corporation", "5.72.0.0"),
    ("Windows PC Health Check", "Microsoft Corporation", "3.7.2204.15001"),
    ("Microsoft Policy Platform", "Microsoft Corporation", "68.1.1010.0"),
    ("Microsoft GameInput", "Microsoft Corporation", "10.1.22621.3036"),
    ("PowerShell 7-x64", "Microsoft Corporation", "7.4.1.0"),
    ("Microsoft ODBC Driver 17 for SQL Server", "Microsoft Corporation", "17.10.5.1"),
    ("Microsoft OLE DB Driver for SQL Server", "Microsoft Corporation", "18.6.7.0"),
    ("NinjaRMMAgent", "NinjaRMM LLC", "5.7.8836"),
    ("NinjaOne Patcher", "NinjaOne", "1.0.45"),
    ("Splashtop Streamer", "Splashtop Inc.", "3.6.6.0"),
    ("Zoom (64-bit)", "Zoom Video Communications, Inc.", "5.17.11.34827"),
    ("7-Zip 23.01 (x64)", "Igor Pavlov", "23.01"),
    ("Notepad++ (64-bit x64)", "Notepad++ Team", "8.6.4"),
    ("Adobe Acrobat Reader DC - Deutsch", "Adobe Systems Incorporated", "23.008.20470"),
    ("Adobe Refresh Manager", "Adobe Systems Incorporated", "1.8.0"),
    ("VLC media player", "VideoLAN", "3.0.20"),
    ("Java 8 Update 401 (64-bit)", "Oracle Corporation", "8.0.4010.10"),
    ("Intel(R) Management Engine Components", "Intel Corporation", "2241.3.44.0"),
    ("Intel(R) Chipset Device Software", "Intel(R) Corporation", "10.1.19444.8378"),
    ("Intel(R) Serial IO", "Intel Corporation", "30.100.2031.2"),
    ("Intel(R) Wireless Bluetooth(R)", "Intel Corporation", "23.30.0.3"),
    ("Realtek High Definition Audio Driver", "Realtek Semiconductor Corp.", "6.0.9239.1"),
    ("NVIDIA Graphics Driver 551.61", "NVIDIA Corporation", "551.61"),
    ("NVIDIA HD Audio Driver 1.3.40.14", "NVIDIA Corporation", "1.3.40.14"),
    ("Dell SupportAssist", "Dell Inc.", "3.14.2.45116"),
    ("Dell Command | Update", "Dell Inc.", "5.2.0"),
    ("HP Wolf Security", "HP Inc.", "4.5.13.2262"),
    ("Lenovo Vantage Service", "Lenovo Group Ltd.", "3.13.43.0"),
    ("Git", "The Git Development Community", "2.44.0"),
    ("Python 3.12.2 (64-bit)", "Python Software Foundation", "3.12.2150.0"),
    ("Microsoft Visual Studio Code", "Microsoft Corporation", "1.87.0"),
    ("WinRAR 6.24 (64-bit)", "win.rar GmbH", "6.24.0"),
    ("PDF24 Creator", "geek software GmbH", "11.17.0"),
    ("KeePass Password Safe 2.56", "Dominik Reichl", "2.56"),
    ("FileZilla 3.66.5", "Tim Kosse", "3.66.5"),
    ("Cisco Secure Client - AnyConnect VPN", "Cisco Systems, Inc.", "5.1.2.42"),
    ("FortiClient VPN", "Fortinet Technologies Inc", "7.2.3.0929"),
    ("Bitdefender Endpoint Security Tools", "Bitdefender", "7.9.11.377"),
    ("TeamViewer", "TeamViewer", "15.51.5"),
    ("AnyDesk", "AnyDesk Software GmbH", "ad 8.0.8"),
    ("Citrix Workspace 2311", "Citrix Systems, Inc.", "23.11.0.132"),
    ("SAP GUI for Windows 7.70 (Patch 8)", "SAP SE", "7.70.8"),
    ("DATEV Arbeitsplatz", "DATEV eG", "16.0.12"),
    ("Lexware büro easy", "Haufe-Lexware GmbH & Co. KG", "24.00.00.0060"),
    ("弥生会計 24", "弥生株式会社", "30.1.2"),
    ("LibreOffice 7.6.4.1", "The Document Foundation", "7.6.4.1"),
    ("Mozilla Thunderbird (x64 de)", "Mozilla", "115.8.1"),
    ("WinSCP 6.1.2", "Martin Prikryl", "6.1.2"),
    ("PuTTY release 0.80 (64-bit)", "Simon Tatham", "0.80.0.0"),
    ("Wireshark 4.2.3 x64", "The Wireshark developer community", "4.2.3"),
    ("Npcap", "Nmap Project", "1.79"),
    ("Greenshot 1.2.10.6", "Greenshot", "1.2.10.6"),
    ("Snagit 2024", "TechSmith Corporation", "24.0.1.1409"),
    ("paint.net", "dotPDN LLC", "5.0.12"),
    ("Logi Options+", "Logitech", "1.66.508135"),
    ("Veeam Agent for Microsoft Windows", "Veeam Software Group GmbH", "6.1.0.349"),
    ("Microsoft Azure CLI (64-bit)", "Microsoft Corporation", "2.58.0"),
    ("Node.js", "Node.js Foundation", "20.11.1"),
    ("Docker Desktop", "Docker Inc.", "4.28.0"),
    ("Oracle VM VirtualBox 7.0.14", "Oracle Corporation", "7.0.14"),
    ("Microsoft Visual Studio Installer", "Microsoft Corporation", "3.9.2164.8365"),
    (
        "Windows Software Development Kit - Windows 10.0.22621.2428",
        "Microsoft Corporation",
        "10.1.22621.2428",
    ),
    ("Microsoft SQL Server 2019 (64-bit)", "Microsoft Corporation", "15.0.2000.5"),
    ("Microsoft SQL Server Management Studio - 19.3", "Microsoft Corporation", "19.3.4.0"),
    ("IIS URL Rewrite Module 2", "Microsoft Corporation", "7.2.1993"),
    ("Microsoft Web Deploy 4.0", "Microsoft Corporation", "10.0.1994"),
    ("Microsoft Silverlight", "Microsoft Corporation", "5.1.50918.0"),
]
_WINDOWS_SOFTWARE += [
    (f"Microsoft Visual C++ {year} Redistributable ({arch}) - {version}", "Microsoft Corporation", version)
    for year, version in (
        ("2005", "8.0.61001"),
        ("2008", "9.0.30729.6161"),
        ("2010", "10.0.40219"),
        ("2012", "11.0.61030"),
        ("2013", "12.0.40664"),
        ("2015-2022", "14.38.33135"),
    )
    for arch in ("x86", "x64")
]
_WINDOWS_SOFTWARE += [
    (f"Microsoft {runtime} - {version} (x64)", "Microsoft Corporation", version)
    for runtime in (".NET Runtime", "Windows Desktop Runtime", ".NET Host", ".NET Host FX Resolver")
    for version in ("6.0.27", "7.0.16", "8.0.2")
]

_MAC_SOFTWARE: list[tuple[str, str, str]] = [
    (name, "Apple Inc.", version)
    for name, version in (
        ("Safari", "17.3.1"),
        ("Xcode", "15.2"),
        ("Numbers", "13.2"),
        ("Pages", "13.2"),
        ("Keynote", "13.2"),
        ("iMovie", "10.4"),
        ("GarageBand", "10.4.10"),
        ("Automator", "2.10"),
        ("Calculator", "11.0"),
        ("Chess", "3.18"),
        ("Preview", "11.0"),
        ("QuickTime Player", "10.5"),
        ("TextEdit", "1.19"),
        ("Terminal", "2.14"),
        ("Activity Monitor", "10.14"),
        ("Console", "1.1"),
        ("Disk Utility", "22.6"),
        ("Font Book", "11.0"),
        ("Photo Booth", "13.1"),
        ("Photos", "9.0"),
        ("Podcasts", "1.1.0"),
        ("Reminders", "7.0"),
        ("Shortcuts", "7.0"),
        ("Stickies", "10.3"),
        ("Stocks", "6.0"),
        ("System Information", "11.0"),
        ("Time Machine", "1.3"),
        ("VoiceOver Utility", "10"),
        ("Weather", "4.2"),
        ("Books", "6.2"),
        ("Calendar", "14.0"),
        ("Clock", "1.0"),
        ("Contacts", "14.0"),
        ("FaceTime", "5.0"),
        ("Find My", "4.0"),
        ("Freeform", "2.3"),
        ("Home", "7.0"),
        ("Image Capture", "8.0"),
        ("Mail", "16.0"),
        ("Maps", "3.0"),
        ("Messages", "14.0"),
        ("Music", "1.4.2"),
        ("News", "9.2"),
        ("Notes", "4.11"),
        ("TV", "1.4.2"),
        ("Screenshot", "1.0"),
        ("Migration Assistant", "14.2"),
        ("Boot Camp Assistant", "6.1.0"),
    )
] + [
    ("Google Chrome", "Google LLC", "122.0.6261.94"),
    ("Firefox", "Mozilla", "123.0"),
    ("Microsoft Word", "Microsoft Corporation", "16.82"),
    ("Microsoft Excel", "Microsoft Corporation", "16.82"),
    ("Microsoft PowerPoint", "Microsoft Corporation", "16.82"),
    ("Microsoft Outlook", "Microsoft Corporation", "16.82"),
    ("Microsoft OneNote", "Microsoft Corporation", "16.82"),
    ("Microsoft Teams (work or school)", "Microsoft Corporation", "24033.811.2738.2546"),
    ("Microsoft AutoUpdate", "Microsoft Corporation", "4.68"),
    ("OneDrive", "Microsoft Corporation", "24.023.0129.0002"),
    ("Slack", "Slack Technologies, LLC", "4.36.140"),
    ("zoom.us", "Zoom Video Communications, Inc.", "5.17.11"),
    ("1Password 7", "AgileBits Inc.", "7.9.11"),
    ("Visual Studio Code", "Microsoft Corporation", "1.87.0"),
    ("Docker", "Docker Inc.", "4.28.0"),
    ("Spotify", "Spotify AB", "1.2.31.1205"),
    ("NinjaRMMAgent", "NinjaRMM LLC", "5.7.8836"),
    ("Splashtop Streamer", "Splashtop Inc.", "3.6.4.0"),
    ("Adobe Acrobat Reader", "Adobe Inc.", "23.008.20470"),
    ("VLC", "VideoLAN", "3.0.20"),
    ("The Unarchiver", "MacPaw Inc.", "4.3.6"),
    ("Rectangle", "Ryan Hanson", "0.77"),
    ("iTerm", "George Nachman", "3.4.23"),
    ("Affinity Photo 2", "Serif (Europe) Ltd", "2.4.0"),
    ("Final Cut Pro", "Apple Inc.", "10.7.1"),
    ("Logic Pro", "Apple Inc.", "10.8.1"),
    ("Bitdefender Endpoint Security Tools", "Bitdefender", "7.14.32.200011"),
    ("FortiClient", "Fortinet", "7.2.3.0822"),
    ("Cisco Secure Client", "Cisco Systems, Inc.", "5.1.2.42"),
    ("Citrix Workspace", "Citrix Systems, Inc.", "23.11.1.12"),
    ("Microsoft Remote Desktop", "Microsoft Corporation", "10.9.5"),
    ("TeamViewer", "TeamViewer Germany GmbH", "15.51.5"),
]

_LINUX_PACKAGES = [
    "adduser",
    "apt",
    "apt-utils",
    "base-files",
    "base-passwd",
    "bash",
    "bash-completion",
    "bind9-host",
    "bsdutils",
    "bzip2",
    "ca-certificates",
    "coreutils",
    "cron",
    "curl",
    "dash",
    "dbus",
    "debconf",
    "debianutils",
    "diffutils",
    "dirmngr",
    "distro-info-data",
    "dmidecode",
    "dpkg",
    "e2fsprogs",
    "fdisk",
    "file",
    "findutils",
    "gawk",
    "gcc-12-base",
    "gnupg",
    "gpg",
    "grep",
    "gzip",
    "hostname",
    "init-system-helpers",
    "iproute2",
    "iptables",
    "iputils-ping",
    "isc-dhcp-client",
    "jq",
    "kmod",
    "less",
    "libc-bin",
    "libc6",
    "libcurl4",
    "libssl3",
    "libsystemd0",
    "libudev1",
    "locales",
    "login",
    "logrotate",
    "lsb-release",
    "lsof",
    "man-db",
    "mawk",
    "mount",
    "nano",
    "ncurses-base",
    "ncurses-bin",
    "net-tools",
    "netbase",
    "nginx",
    "ninjarmm-agent",
    "openssh-client",
    "openssh-server",
    "openssl",
    "passwd",
    "perl",
    "perl-base",
    "procps",
    "python3",
    "python3-apt",
    "python3-minimal",
    "readline-common",
    "rsync",
    "rsyslog",
    "sed",
    "sensible-utils",
    "sudo",
    "systemd",
    "systemd-sysv",
    "systemd-timesyncd",
    "sysvinit-utils",
    "tar",
    "tmux",
    "tzdata",
    "ubuntu-keyring",
    "ucf",
    "udev",
    "unattended-upgrades",
    "unzip",
    "util-linux",
    "vim",
    "vim-common",
    "wget",
    "whiptail",
    "xz-utils",
    "zlib1g",
    "zstd",
    "postgresql-16",
    "postgresql-client-16",
    "docker-ce",
    "docker-ce-cli",
    "containerd.io",
    "fail2ban",
    "ufw",
    "htop",
    "git",
    "apache2",
    "certbot",
    "chrony",
]

_WINDOWS_UPDATES = (
    ("{month} Cumulative Update for Windows 11 Version 23H2 for x64-based Systems", "SECURITY_UPDATES"),
    ("{month} Cumulative Update for Windows Server 2022 for x64-based Systems", "SECURITY_UPDATES"),
    ("{month} Cumulative Update for .NET Framework 3.5, 4.8 and 4.8.1 for x64", "UPDATE_ROLLUPS"),
    ("Security Intelligence Update for Microsoft Defender Antivirus", "DEFINITION_UPDATES"),
    ("Windows Malicious Software Removal Tool x64 - v5.{minor}", "UPDATE_ROLLUPS"),
    ("Intel - System - 10.1.{minor}.8", "DRIVERS"),
    ("Microsoft Edge-Stable Channel Version 122.0.2365.{minor}", "SECURITY_UPDATES"),
    ("Feature update to Windows 11, version 23H2", "FEATURE_PACKS"),
)
_OTHER_UPDATES = (
    ("macOS Sonoma 14.{minor}", "SECURITY_UPDATES"),
    ("openssl 3.0.2-0ubuntu1.{minor}", "SECURITY_UPDATES"),
    ("linux-image-generic 5.15.0.{minor}", "CRITICAL_UPDATES"),
)
_PATCH_SEVERITIES = ("CRITICAL", "IMPORTANT", "MODERATE", "LOW", "OPTIONAL")
_PATCH_STATUSES = ("PENDING", "PENDING", "APPROVED", "FAILED", "REJECTED", "INSTALLED", "INSTALLED")
_SOFTWARE_PATCH_PRODUCTS = (
    ("Google Chrome", "122.0.6261.112"),
    ("Mozilla Firefox", "123.0.1"),
    ("Adobe Acrobat Reader DC", "24.001.20604"),
    ("7-Zip", "23.01"),
    ("Notepad++", "8.6.5"),
    ("Zoom", "5.17.11"),
    ("VLC media player", "3.0.20"),
    ("Java 8", "8.0.4020.8"),
)
_AV_PRODUCTS = (
    ("Windows Defender", "4.18.24020.7"),
    ("Bitdefender Endpoint Security Tools", "7.9.11.377"),
    ("SentinelOne Agent", "23.3.3.264"),
    ("Sophos Intercept X", "2023.2.2.1"),
)


def _rng(seed: int, device_id: int, salt: int) -> random.Random:
    # Integer seeding only: str/tuple hashing is randomized per process and would break determinism.
    return random.Random((seed << 40) ^ (device_id << 8) ^ salt)


def _family(device: dict[str, Any]) -> str:
    node_class = device["nodeClass"]
    if node_class.startswith("WINDOWS"):
        return "windows"
    return "mac" if node_class.startswith("MAC") else "linux"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso_date(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).strftime("%Y-%m-%dT00:00:00Z")


def software(seed: int, device: dict[str, Any]) -> list[dict[str, Any]]:
    """Installed software, ``GET /v2/device/{id}/software`` shape (Application)."""
    if device["nodeClass"] not in AGENT_CLASSES:
        return []
    rng = _rng(seed, device["id"], _SALT_SOFTWARE)
    family = _family(device)
    created = float(device["created"])
    span = max(float(device["lastContact"]) - created, 86400.0)  # installed between enrolment and now
    rows: list[dict[str, Any]] = []
    if family == "linux":
        for name in rng.sample(_LINUX_PACKAGES, min(len(_LINUX_PACKAGES), rng.randint(60, 100))):
            version = f"{rng.randint(0, 9)}.{rng.randint(0, 40)}-{rng.randint(1, 9)}ubuntu{rng.randint(0, 3)}"
            rows.append(
                {
                    "name": name,
                    "publisher": "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>",
                    "version": version,
                    "installDate": _iso_date(created + rng.random() * span),
                    "size": rng.randint(10, 90_000) * 1024,
                }
            )
        return rows
    catalogue = _WINDOWS_SOFTWARE if family == "windows" else _MAC_SOFTWARE
    for name, publisher, version in rng.sample(catalogue, min(len(catalogue), rng.randint(60, 100))):
        row: dict[str, Any] = {"name": name, "publisher": publisher, "version": version}
        if rng.random() < 0.9:
            row["installDate"] = _iso_date(created + rng.random() * span)
        if family == "windows":
            if rng.random() < 0.6:
                row["location"] = f"C:\\Program Files\\{publisher.split(' ')[0]}\\"
            if rng.random() < 0.5:
                row["productCode"] = "{" + _uuid(rng).upper() + "}"
        else:
            row["location"] = f"/Applications/{name}.app"
        if rng.random() < 0.8:
            row["size"] = rng.randint(100, 2_000_000) * 1024
        rows.append(row)
    return rows


def os_patches(seed: int, device: dict[str, Any]) -> list[dict[str, Any]]:
    """Every OS patch the device knows, with its status (OSPatch shape); installs carry ``installedAt``."""
    if device["nodeClass"] not in AGENT_CLASSES:
        return []
    rng = _rng(seed, device["id"], _SALT_OS_PATCH)
    windows = _family(device) == "windows"
    last_contact = float(device["lastContact"])
    rows: list[dict[str, Any]] = []
    for _ in range(rng.randint(0, 10)):
        template, patch_type = rng.choice(_WINDOWS_UPDATES if windows else _OTHER_UPDATES)
        month = f"2024-{rng.randint(1, 3):02d}"
        name = template.format(month=month, minor=rng.randint(1, 120))
        status = rng.choice(_PATCH_STATUSES)
        row: dict[str, Any] = {
            "id": _uuid(rng),
            "name": name,
            "severity": rng.choice(_PATCH_SEVERITIES),
            "status": status,
            "type": patch_type,
        }
        if windows:
            kb = f"KB50{rng.randint(10000, 39999)}"
            row["name"] = f"{name} ({kb})"
            row["kbNumber"] = kb
        if status in ("INSTALLED", "FAILED"):
            row["installedAt"] = round(last_contact - rng.randint(3600, 30 * 86400) + rng.random(), 3)
        rows.append(row)
    return rows


def software_patches(seed: int, device: dict[str, Any]) -> list[dict[str, Any]]:
    """Third-party patches (SoftwarePatch shape); a product keeps one ``productIdentifier`` fleet-wide."""
    if _family(device) != "windows" or device["nodeClass"] not in AGENT_CLASSES:
        return []
    rng = _rng(seed, device["id"], _SALT_SW_PATCH)
    last_contact = float(device["lastContact"])
    rows: list[dict[str, Any]] = []
    for product, version in rng.sample(_SOFTWARE_PATCH_PRODUCTS, rng.randint(0, 4)):
        status = rng.choice(_PATCH_STATUSES)
        row: dict[str, Any] = {
            "id": _uuid(rng),
            "productIdentifier": str(uuid.uuid5(_PRODUCT_NAMESPACE, product)),
            "title": f"{product} {version}",
            "impact": rng.choice(("CRITICAL", "RECOMMENDED", "OPTIONAL")),
            "status": status,
            "type": "PATCH",
        }
        if status in ("INSTALLED", "FAILED"):
            row["installedAt"] = round(last_contact - rng.randint(3600, 30 * 86400) + rng.random(), 3)
        rows.append(row)
    return rows


def antivirus(seed: int, device: dict[str, Any]) -> list[dict[str, Any]]:
    """Antivirus product status rows (Windows and macOS agents; Linux reports none)."""
    if device["nodeClass"] not in AGENT_CLASSES or _family(device) == "linux":
        return []
    rng = _rng(seed, device["id"], _SALT_AV)
    product, version = rng.choice(_AV_PRODUCTS)
    return [
        {
            "productName": product,
            "productState": rng.choices(("ON", "OFF", "SNOOZED", "EXPIRED"), (90, 4, 3, 3))[0],
            "definitionStatus": rng.choices(("UP_TO_DATE", "OUT_OF_DATE"), (92, 8))[0],
            "version": version,
        }
    ]


def health(
    seed: int,
    device: dict[str, Any],
    alert_count: int,
    parent_offline: bool,
    *,
    reported: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``/v2/queries/device-health`` row, consistent with this device's patches and active alerts.

    ``reported`` holds the row sets a test set in place of the generated ones (see
    :mod:`.inventory_changes`), so the counts always agree with the patch and antivirus rows served.
    """
    reported = reported or {}
    patches = reported.get("os-patches", os_patches(seed, device))
    third_party = reported.get("software-patches", software_patches(seed, device))
    products = reported.get("antivirus", antivirus(seed, device))
    rng = _rng(seed, device["id"], _SALT_HEALTH)
    agent = device["nodeClass"] in AGENT_CLASSES
    threats = {
        "activeThreatsCount": rng.choices((0, 1, 2), (95, 4, 1))[0] if agent else 0,
        "quarantinedThreatsCount": rng.choices((0, 1, 3), (90, 8, 2))[0] if agent else 0,
        "blockedThreatsCount": rng.choices((0, 1), (97, 3))[0] if agent else 0,
        **reported.get("threats", {}),
    }
    active_threats = threats["activeThreatsCount"]
    failed_os = sum(patch["status"] == "FAILED" for patch in patches)
    pending_os = sum(patch["status"] in ("PENDING", "APPROVED") for patch in patches)
    failed_sw = sum(patch["status"] == "FAILED" for patch in third_party)
    pending_sw = sum(patch["status"] in ("PENDING", "APPROVED") for patch in third_party)
    needs_reboot = bool(device.get("os", {}).get("needsReboot"))
    if alert_count or active_threats or failed_os or failed_sw:
        status = "UNHEALTHY"
    elif pending_os or pending_sw or needs_reboot or device["offline"]:
        status = "NEEDS_ATTENTION"
    else:
        status = "HEALTHY" if agent else "UNKNOWN"
    row: dict[str, Any] = {
        **threats,
        "failedOSPatchesCount": failed_os,
        "pendingOSPatchesCount": pending_os,
        "alertCount": alert_count,
        "activeJobCount": 0,
        "failedSoftwarePatchesCount": failed_sw,
        "pendingSoftwarePatchesCount": pending_sw,
    }
    if needs_reboot:
        row["pendingRebootReason"] = "WINDOWS_PM"
    if products:
        row["avInstallStatus"] = "INSTALLED"
    row["productsInstallationStatuses"] = {}
    row["offline"] = device["offline"]
    if "parentDeviceId" in device:
        row["parentDeviceId"] = device["parentDeviceId"]
    row["parentOffline"] = parent_offline
    row["healthStatus"] = status
    row["installationIssuesCount"] = 0
    row["deviceId"] = device["id"]
    return row
