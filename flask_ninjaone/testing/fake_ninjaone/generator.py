"""Seed a FakeState with a realistic, deterministic MSP fleet.

``seed_fleet(state, devices=N, seed=S)`` always builds the same fleet for the same arguments (and the same
``now``): organizations with one to three locations, every one of the 33 node classes once the fleet has
at least 33 devices and every deviceType (incl. the five cloud monitor kinds) from 37 devices (the rest
weighted like a real MSP: mostly Windows workstations), VM guests under VM
hosts, a few PENDING and DECOMMISSIONED devices, unicode names, an activity history (NODE_CREATED,
SYSTEM_REBOOTED, TRIGGERED) and a few active alerts. Per-device inventory (software, patches, antivirus,
health) is not stored: it is derived on demand from ``state.seed`` (see ``inventory.py``), which keeps
seeding 10,000 devices to about a second.

Seed before configuring webhooks: the seeded alerts are triggered through the same path as live ones.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence
from typing import Any

from .device_builder import AGENT_OS, CLOUD_MONITOR_TYPES, build_device, domain_for
from .enums import NODE_CLASSES
from .state import FakeState

_ORGANIZATIONS = (
    ("Example Consulting", None),
    ("Müller & Söhne GmbH", "Maschinenbau, 2 Standorte"),
    ("Acme Manufacturing Inc.", None),
    ("Bäckerei Köhler", "Filialbetrieb"),
    ("株式会社サクラ商事", "Tokyo trading house"),
    ("Nordlicht Logistik AG", None),
    ("Café Ørsted ApS", None),
    ("Smith & Partners LLP", "Law firm"),
    ("Clínica São José", None),
    ("Hotel Zürichsee", None),
    ("Łódź Software Sp. z o.o.", None),
    ("Oceanic Freight Ltd", None),
)
_LOCATIONS = (
    ("Main Office", "1 Main Street"),
    ("Warehouse", None),
    ("Zweigstelle Köln", "Domkloster 4, 50667 Köln"),
    ("本社", "東京都千代田区丸の内1-1"),
    ("Home Office", None),
    ("Data Center", None),
)
# Relative frequency of each node class beyond the one-of-each guarantee.
_CLASS_WEIGHTS = {
    "WINDOWS_WORKSTATION": 50,
    "WINDOWS_SERVER": 10,
    "MAC": 8,
    "LINUX_SERVER": 4,
    "LINUX_WORKSTATION": 1,
    "MAC_SERVER": 0.5,
    "VMWARE_VM_HOST": 1,
    "VMWARE_VM_GUEST": 4,
    "HYPERV_VMM_HOST": 0.5,
    "HYPERV_VMM_GUEST": 2,
    "ANDROID": 2,
    "APPLE_IOS": 2,
    "APPLE_IPADOS": 1,
    "CLOUD_MONITOR_TARGET": 1,
    "UNMANAGED_DEVICE": 1,
    "MANAGED_DEVICE": 0.5,
}
_NMS_WEIGHT = 0.4  # each NMS_* class
_GUEST_HOSTS = {"VMWARE_VM_GUEST": "VMWARE_VM_HOST", "HYPERV_VMM_GUEST": "HYPERV_VMM_HOST"}
_FORCED_NAMES = {"WINDOWS_WORKSTATION": "Büro-PC-Ü", "WINDOWS_SERVER": "東京サーバー"}
_SEVERITIES = (None, "MINOR", "MODERATE", "MAJOR", "CRITICAL")
_PRIORITIES = (None, "LOW", "MEDIUM", "HIGH")


def seed_fleet(
    state: FakeState,
    *,
    devices: int,
    organizations: int = 10,
    seed: int = 0,
    now: float | None = None,
    organization_names: Sequence[str] = (),
) -> None:
    """Add ``organizations`` organizations and ``devices`` devices to ``state``, deterministically.

    ``organization_names`` adds organizations with those names after the generated ones (which stay
    as they are), sharing the fleet: a demo names some like its host's clients ("Northwind Traders,
    Inc." for "Northwind Traders") so the mapping page has suggestions to show.
    """
    if devices < 0 or organizations < 1:
        raise ValueError("need devices >= 0 and organizations >= 1")
    names = [name.strip() for name in organization_names]
    if not all(names) or any(len(name) > 255 for name in names):
        raise ValueError("organization names must be 1 to 255 characters")
    rng = random.Random(seed)
    now = time.time() if now is None else now
    state.seed = seed
    orgs = _seed_organizations(state, rng, organizations)
    for name in names:
        orgs.append(_add_organization(state, rng, name, None))
    plan = _plan(state, rng, devices, orgs)
    records = [
        state.add_device(
            build_device(
                rng,
                device_id=entry["id"],
                node_class=entry["class"],
                organization_id=entry["organization"]["id"],
                location_id=entry["location"],
                domain=entry["domain"],
                now=now,
                approval_status=entry["approval"],
                parent_device_id=entry.get("parent"),
                name_prefix=entry.get("name_prefix"),
                device_type=entry.get("device_type"),
            )
        )
        for entry in plan
    ]
    _seed_history(state, rng, records, now)


def _seed_organizations(state: FakeState, rng: random.Random, count: int) -> list[dict[str, Any]]:
    organizations = []
    for index in range(count):
        name, description = _ORGANIZATIONS[index % len(_ORGANIZATIONS)]
        if index >= len(_ORGANIZATIONS):
            name = f"{name} {index // len(_ORGANIZATIONS) + 1}"
        organizations.append(_add_organization(state, rng, name, description))
    return organizations


def _add_organization(
    state: FakeState, rng: random.Random, name: str, description: str | None
) -> dict[str, Any]:
    """One organization with one to three locations."""
    organization = state.add_organization(
        name,
        description=description,
        node_approval_mode="MANUAL" if rng.random() < 0.2 else "AUTOMATIC",
        policies=[{"nodeRoleId": 1001, "policyId": 101}, {"nodeRoleId": 1002, "policyId": 102}],
    )
    for location_name, address in rng.sample(_LOCATIONS, rng.randint(1, 3)):
        state.add_location(organization["id"], location_name, address=address)
    return organization


def _plan(
    state: FakeState, rng: random.Random, devices: int, organizations: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Decide id, class, organization, location, approval and parent of every device before building."""
    weights = dict(_CLASS_WEIGHTS)
    weights.update({name: _NMS_WEIGHT for name in NODE_CLASSES if name.startswith("NMS_")})
    # One of each class (and of each cloud monitor kind) when the fleet is big enough for it.
    guaranteed = list(NODE_CLASSES) + ["CLOUD_MONITOR_TARGET"] * (len(CLOUD_MONITOR_TYPES) - 1)
    classes = (
        guaranteed
        if devices >= len(guaranteed)
        else list(NODE_CLASSES)
        if devices >= len(NODE_CLASSES)
        else []
    )
    population = list(weights)
    classes += rng.choices(population, [weights[name] for name in population], k=devices - len(classes))
    rng.shuffle(classes)
    org_weights = [rng.uniform(0.3, 3.0) for _ in organizations]
    locations = {org["id"]: [loc["id"] for loc in state.locations_of(org["id"])] for org in organizations}
    plan: list[dict[str, Any]] = []
    forced = dict(_FORCED_NAMES)
    monitors = 0
    for node_class in classes:
        organization = rng.choices(organizations, org_weights)[0]
        entry: dict[str, Any] = {
            # Gaps like deleted devices leave: paging must use the last id, never an offset.
            "id": state.reserve_device_id(gap=1 if rng.random() < 0.8 else rng.randint(2, 9)),
            "class": node_class,
            "organization": organization,
            "location": rng.choice(locations[organization["id"]]),
            "domain": domain_for(organization["name"]),
            "approval": _approval(rng, node_class, organization),
        }
        if node_class in forced:
            entry["name_prefix"] = forced.pop(node_class)
        if node_class == "CLOUD_MONITOR_TARGET":
            entry["device_type"] = CLOUD_MONITOR_TYPES[monitors % len(CLOUD_MONITOR_TYPES)]
            monitors += 1
        plan.append(entry)
    _guarantee_statuses(plan)
    _assign_parents(rng, plan)
    return plan


def _approval(rng: random.Random, node_class: str, organization: dict[str, Any]) -> str:
    if node_class not in AGENT_OS and node_class not in ("ANDROID", "APPLE_IOS", "APPLE_IPADOS"):
        return "APPROVED"
    roll = rng.random()
    pending_rate = 0.1 if organization["nodeApprovalMode"] == "MANUAL" else 0.02
    if roll < pending_rate:
        return "PENDING"
    return "DECOMMISSIONED" if roll < pending_rate + 0.02 else "APPROVED"


def _guarantee_statuses(plan: list[dict[str, Any]]) -> None:
    """Fleets of 33+ devices always contain a PENDING and a DECOMMISSIONED workstation."""
    if len(plan) < len(NODE_CLASSES):
        return
    present = {entry["approval"] for entry in plan}
    workstations = [entry for entry in plan if entry["class"] == "WINDOWS_WORKSTATION"] or plan
    for status, entry in zip(("PENDING", "DECOMMISSIONED"), workstations[-2:], strict=False):
        if status not in present:
            entry["approval"] = status


def _assign_parents(rng: random.Random, plan: list[dict[str, Any]]) -> None:
    """VM guests run on a host of their hypervisor (same organization when possible); NMS targets are
    polled by a Windows server of their organization."""
    by_class: dict[str, list[dict[str, Any]]] = {}
    for entry in plan:
        by_class.setdefault(entry["class"], []).append(entry)
    for entry in plan:
        node_class = entry["class"]
        if node_class in _GUEST_HOSTS:
            candidates = by_class.get(_GUEST_HOSTS[node_class], [])
        elif node_class.startswith("NMS_") or node_class == "VMWARE_VM_HOST":
            candidates = by_class.get("WINDOWS_SERVER", [])
        else:
            continue
        same_org = [c for c in candidates if c["organization"] is entry["organization"]]
        pool = same_org or (candidates if node_class in _GUEST_HOSTS else [])
        if pool:
            entry["parent"] = rng.choice(pool)["id"]


def _seed_history(state: FakeState, rng: random.Random, records: list[dict[str, Any]], now: float) -> None:
    """NODE_CREATED for every device, reboots and a few active alerts, recorded in time order."""
    events: list[tuple[float, int, str, dict[str, Any]]] = []
    for order, record in enumerate(records):
        events.append((float(record["created"]), order, "created", record))
        boot = record.get("os", {}).get("lastBootTime")
        if boot is not None and rng.random() < 0.3:
            events.append((float(boot), order, "rebooted", record))
        if (
            record["approvalStatus"] == "APPROVED"
            and record["deviceType"] == "AgentDevice"
            and rng.random() < 0.04
        ):
            events.append((now - rng.uniform(60, 5 * 86400), order, "alert", record))
    events.sort(key=lambda event: (event[0], event[1]))
    for at, _, kind, record in events:
        if kind == "created":
            state.record_activity(
                at=at,
                activity_type="SYSTEM",
                status_code="NODE_CREATED",
                device_id=record["id"],
                message=f"Device {record['systemName']} was created",
            )
        elif kind == "rebooted":
            state.record_reboot(record["id"], at=at)
        else:
            state.trigger_condition(
                record["id"],
                condition=rng.choice(("cpu", "memory", "disk", "eventlog")),
                severity=rng.choice(_SEVERITIES),
                priority=rng.choice(_PRIORITIES),
                at=round(at, 3),
                source_config_uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                series_uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            )
