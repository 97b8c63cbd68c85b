"""How pages name NinjaOne's enum values: "Windows workstation", "Unhealthy", "Critical" — never
``WINDOWS_WORKSTATION``.

One table for every page (templates use the ``ninjaone_label`` filter, forms and the rules summary call
:func:`enum_label`), so a value reads the same on the alerts list, the rule form and the dry run.
Values the table does not know (NinjaOne's enums grow) fall back to their words in sentence case, so a
new value is readable too rather than shouted.
"""

from __future__ import annotations

from types import MappingProxyType

#: Spellings the generic rule gets wrong: brand names, acronyms and words NinjaOne abbreviates.
_SPECIAL: MappingProxyType[str, str] = MappingProxyType(
    {
        # Device classes (nodeClass)
        "MAC": "Mac",
        "MAC_SERVER": "Mac server",
        "APPLE_IOS": "Apple iOS",
        "APPLE_IPADOS": "Apple iPadOS",
        "VMWARE_VM_HOST": "VMware host",
        "VMWARE_VM_GUEST": "VMware virtual machine",
        "HYPERV_VMM_HOST": "Hyper-V host",
        "HYPERV_VMM_GUEST": "Hyper-V virtual machine",
        "WINDOWS_WORKSTATION": "Windows workstation",
        "WINDOWS_SERVER": "Windows server",
        "LINUX_WORKSTATION": "Linux workstation",
        "LINUX_SERVER": "Linux server",
        "NMS_SWITCH": "Network switch",
        "NMS_ROUTER": "Router",
        "NMS_FIREWALL": "Firewall",
        "NMS_PRIVATE_NETWORK_GATEWAY": "Private network gateway",
        "NMS_WAP": "Wireless access point",
        "NMS_DIAL_MANAGER": "Dial manager",
        "NMS_IPSLA": "IP SLA probe",
        "NMS_APPLIANCE": "Network appliance",
        "NMS_PRINTER": "Network printer",
        "NMS_SCANNER": "Network scanner",
        "NMS_PHONE": "IP phone",
        "NMS_SERVER": "Server (network monitored)",
        "NMS_COMPUTER": "Computer (network monitored)",
        "NMS_VIRTUAL_MACHINE": "Virtual machine (network monitored)",
        "NMS_OTHER": "Other network device",
        "NMS_NETWORK_MANAGEMENT_AGENT": "Network management agent",
        "CLOUD_MONITOR_TARGET": "Cloud monitor target",
        "NMS_VM_HOST": "Virtualization host (network monitored)",
        "MANAGED_DEVICE": "Managed device",
        "UNMANAGED_DEVICE": "Unmanaged device",
        # Activity types and status codes
        "ACTIONSET": "Action set",
        "CONDITION_ACTIONSET": "Condition action set",
        "TEAMVIEWER": "TeamViewer",
        "SHADOWPROTECT": "ShadowProtect",
        "IMAGEMANAGER": "ImageManager",
        "CLOUDBERRY": "CloudBerry",
        "CLOUDBERRY_BACKUP": "CloudBerry backup",
        "RDP": "RDP",
        "PSA": "PSA",
        "MDM": "MDM",
        "NINJA_REMOTE": "NinjaOne Remote",
        "NINJA_QUICK_CONNECT": "NinjaOne Quick Connect",
        "NINJA_NETWORK_DISCOVERY": "NinjaOne network discovery",
        "NINJA_BACKUP": "NinjaOne Backup",
        "NINJA_TICKETING": "NinjaOne ticketing",
        "MICROSOFT_INTUNE": "Microsoft Intune",
        "RESET_BY_PSA_TICKET_CALLBACK": "Reset by PSA ticket",
        "CUSTOM_HEALTH_STATUS_RESET": "Custom health status reset",
        # Our own values: remote access results, rule modes
        "ok": "Connected",
        "no_control_scope": "No control scope",
        "api_error": "NinjaOne API error",
        "create_ticket": "Create a ticket",
        "record_only": "Only record the alert",
    }
)


def enum_label(value: object) -> str:
    """The human label of an enum value; ``"—"`` for nothing, sentence case for unknown values."""
    if value is None or value == "":
        return "—"
    text = str(value)
    special = _SPECIAL.get(text)
    if special is not None:
        return special
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower()
