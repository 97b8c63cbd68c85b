"""The fake's stand-in for NinjaOne's web app: what a technician sees after "Open in NinjaOne" or
Remote Connect (``GET /v2/device/{id}/dashboard-url`` answers ``{base}/#/deviceDashboard/{id}/overview``).

NinjaOne's web app routes on the URL fragment, which browsers never send, so ``GET /`` is a small app
shell: its script reads the fragment and shows ``/_fake/dashboard/devices/<id>``, a server-rendered
device page that also works on its own (and in tests) without script. Without a device in the
fragment the shell lists the fleet by organization. HTML, read-only, no authentication (like the
control API: a test double, never exposed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, render_template

from .state import current_state

bp = Blueprint("fake_ninjaone_dashboard", __name__, template_folder="templates")

#: Devices listed on the landing page; a fleet of 10,000 would make a page nobody reads.
LISTED_DEVICES = 500


def _when(epoch: Any) -> str | None:
    if not isinstance(epoch, int | float) or isinstance(epoch, bool):
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _device_name(device: dict[str, Any]) -> str:
    return str(device.get("displayName") or device.get("systemName") or f"Device {device['id']}")


@bp.get("/")
def shell() -> str:
    """The web app's shell: the device in the URL fragment, else the fleet by organization."""
    state = current_state()
    devices = state.devices_page(None, LISTED_DEVICES)
    organizations = state.organizations_page(None, 10_000)
    by_organization: dict[int, list[dict[str, Any]]] = {org["id"]: [] for org in organizations}
    for device in devices:
        by_organization.setdefault(device["organizationId"], []).append(device)
    return render_template(
        "fake_ninjaone/shell.html",
        organizations=organizations,
        by_organization=by_organization,
        name=_device_name,
        listed=len(devices),
        limited=len(devices) == LISTED_DEVICES,
    )


@bp.get("/_fake/dashboard/devices/<int:device_id>")
def device_page(device_id: int) -> str | tuple[str, int]:
    """One device as NinjaOne's device dashboard summarises it: status, hardware, OS, alerts."""
    state = current_state()
    device = state.device(device_id)
    if device is None:
        return render_template("fake_ninjaone/missing.html", device_id=device_id), 404
    organization = state.organization(device["organizationId"]) or {}
    location = next(
        (
            loc
            for loc in state.locations_of(device["organizationId"])
            if loc["id"] == device.get("locationId")
        ),
        {},
    )
    system = device.get("system") or {}
    os_block = device.get("os") or {}
    facts = [
        ("Organization", organization.get("name")),
        ("Location", location.get("name")),
        ("Node class", device.get("nodeClass")),
        ("Approval", device.get("approvalStatus")),
        ("Last contact", _when(device.get("lastContact"))),
        (
            "Operating system",
            os_block.get("name") or device.get("releaseName") or device.get("guestOSFullName"),
        ),
        ("Manufacturer", system.get("manufacturer") or device.get("vendor")),
        ("Model", system.get("model") or device.get("model")),
        ("Serial number", system.get("serialNumber") or device.get("serialNumber")),
        ("IP addresses", ", ".join(map(str, device.get("ipAddresses") or [])) or None),
        ("Last logged-in user", device.get("lastLoggedInUser")),
    ]
    return render_template(
        "fake_ninjaone/device.html",
        device=device,
        name=_device_name(device),
        online=not device.get("offline", False),
        facts=[(label, value) for label, value in facts if value],
        alerts=state.alerts(device_id=device_id),
        when=_when,
    )
