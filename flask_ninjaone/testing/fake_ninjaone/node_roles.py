"""Device (node) roles, as ``GET /v2/noderole/list`` lists them.

Every NinjaOne account has one built-in role per node class ("Windows Server", "Windows Desktop or
Laptop", ...), and technicians add custom roles under a parent role of the same class. Devices carry
their role as ``nodeRoleId``. The spec gives ``/v2/noderole/list`` no response schema; its items are
served in the shape of the spec's ``NodeRole`` schema (what ``/v2/roles`` documents: ``id``, ``name``,
``description``, ``nodeClass``, ``custom``, ``chassisType``, ``created``, ``nodeRoleParentId``,
``icon``) — inferred. The built-in ids below keep the ids the fake always gave devices (1001 for Windows
workstations, 9 for VMware hosts, as in the real samples); the ids of the other classes are inferred.
"""

from __future__ import annotations

from typing import Any

from .enums import NODE_CLASSES

#: Built-in role id per node class. 1002 and 9 are the ids of the real samples' devices.
BUILTIN_ROLE_IDS: dict[str, int] = {
    "WINDOWS_WORKSTATION": 1001,
    "WINDOWS_SERVER": 1002,
    "MAC": 1003,
    "LINUX_WORKSTATION": 1004,
    "LINUX_SERVER": 1005,
    "MAC_SERVER": 1006,
    "VMWARE_VM_HOST": 9,
    "VMWARE_VM_GUEST": 10,
    "HYPERV_VMM_HOST": 11,
    "HYPERV_VMM_GUEST": 12,
    "ANDROID": 20,
    "APPLE_IOS": 21,
    "APPLE_IPADOS": 22,
    "CLOUD_MONITOR_TARGET": 30,
}
_NEXT_BUILTIN = 40
for _node_class in NODE_CLASSES:
    if _node_class not in BUILTIN_ROLE_IDS:
        BUILTIN_ROLE_IDS[_node_class] = _NEXT_BUILTIN
        _NEXT_BUILTIN += 1

#: Custom roles are numbered from here (inferred: real accounts number them after the built-ins).
FIRST_CUSTOM_ROLE_ID = 5001
CHASSIS_TYPES = ("UNKNOWN", "DESKTOP", "LAPTOP", "MOBILE")
#: Names of built-in roles NinjaOne shows (the others are the class name in title case).
_BUILTIN_NAMES = {
    "WINDOWS_WORKSTATION": "Windows Desktop or Laptop",
    "WINDOWS_SERVER": "Windows Server",
    "MAC": "Mac Desktop or Laptop",
    "MAC_SERVER": "Mac Server",
    "LINUX_WORKSTATION": "Linux Desktop or Laptop",
    "LINUX_SERVER": "Linux Server",
}
#: When the built-in roles "were created" (epoch seconds, as ``created`` is in the spec).
_BUILTIN_CREATED = 1_577_836_800.0


def role_id_for(node_class: str) -> int:
    """The built-in role a new device of ``node_class`` gets."""
    return BUILTIN_ROLE_IDS[node_class]


def builtin_roles() -> list[dict[str, Any]]:
    """One built-in role per node class, sorted by id."""
    roles = [
        {
            "id": role_id,
            "name": _BUILTIN_NAMES.get(node_class, node_class.replace("_", " ").title()),
            "description": "",
            "nodeClass": node_class,
            "custom": False,
            "chassisType": "UNKNOWN",
            "created": _BUILTIN_CREATED,
        }
        for node_class, role_id in BUILTIN_ROLE_IDS.items()
    ]
    return sorted(roles, key=lambda role: role["id"])


def custom_role(
    role_id: int, name: str, parent: dict[str, Any], *, chassis_type: str | None, created: float
) -> dict[str, Any]:
    """A custom role under ``parent`` (it takes the parent's class, as the spec's create request says
    it must)."""
    if not name.strip():
        raise ValueError("a node role needs a name")
    if chassis_type is not None and chassis_type not in CHASSIS_TYPES:
        raise ValueError(f"unknown chassisType {chassis_type!r}")
    role: dict[str, Any] = {
        "id": role_id,
        "name": name,
        "description": "",
        "nodeClass": parent["nodeClass"],
        "custom": True,
        "created": created,
        "nodeRoleParentId": parent["id"],
    }
    if chassis_type is not None:
        role["chassisType"] = chassis_type
    return role
