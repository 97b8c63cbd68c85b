"""CPU per ``devices-detailed`` page of the full sync's own steps (issue 18): the device load with
the compiled loader against marshmallow alone, the raw fingerprint, and the mapping.

    .venv/bin/python bench/device_load_cpu.py --rounds 5

One page of 1000 devices of the fake's fleet (every shape; JSON as sent), CPU time
(``time.process_time``) of each step in this process, the steps interleaved and their order flipped
every round; median [min–max] ms per page over the rounds. "marshmallow alone" loads each device
with its shape's schema, as ``DeviceSchema`` did before the compiled loader; both loads are checked
to give equal results first. No database, no HTTP: what the sync's Python costs per page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_ninjaone.client.schemas import DeviceSchema, payload_fingerprint  # noqa: E402
from flask_ninjaone.sync.asset_records import (  # noqa: E402
    content_hash,
    maintenance_values,
    mirror_values,
    to_asset_record,
)
from flask_ninjaone.testing.fake_ninjaone import FakeState, seed_fleet  # noqa: E402


def _page(devices: int) -> bytes:
    state = FakeState()
    seed_fleet(state, devices=devices, organizations=20, seed=0)
    return json.dumps(state.devices_page(None, devices)).encode()


def _marshmallow_alone(page: list[dict[str, Any]]) -> list[Any]:
    return [DeviceSchema._shape_of(device).load(device) for device in page]


def _mapping(loaded: list[dict[str, Any]]) -> None:
    for device in loaded:
        record = to_asset_record(
            device, client_id="1", host_asset_id=None, location_name="HQ", ninjaone_url="https://x/"
        )
        content_hash(
            record,
            organization_id=device.get("organizationId"),
            location_id=device.get("locationId"),
            maintenance=maintenance_values(device),
        )
        mirror_values(device, record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000, help="devices on the page")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    body = _page(args.devices)
    page = json.loads(body)
    loaded = DeviceSchema(many=True).load(page)
    if loaded != _marshmallow_alone(page):
        raise SystemExit("the compiled loader and marshmallow disagree")
    steps: dict[str, Callable[[], Any]] = {
        "json.loads of the page": lambda: json.loads(body),
        "device load, compiled (DeviceSchema now)": lambda: DeviceSchema(many=True).load(page),
        "device load, marshmallow alone (before)": lambda: _marshmallow_alone(page),
        "payload_fingerprint of every raw device": lambda: [payload_fingerprint(item) for item in page],
        "to_asset_record + content_hash + mirror_values": lambda: _mapping(loaded),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    for round_number in range(args.rounds):
        order = list(steps) if round_number % 2 == 0 else list(reversed(steps))
        for name in order:
            started = time.process_time()
            steps[name]()
            times[name].append((time.process_time() - started) * 1000)
    size = f"{len(page)} devices, {len(body) // 1024} KiB of JSON"
    print(f"{size}; ms CPU per page, median [min–max] of {args.rounds} rounds")
    print("| Step | ms CPU |\n|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.1f} [{min(values):.1f}–{max(values):.1f}] |")
    ratios = [
        old / new
        for old, new in zip(
            times["device load, marshmallow alone (before)"],
            times["device load, compiled (DeviceSchema now)"],
            strict=True,
        )
    ]
    spread = f"{statistics.median(ratios):.1f} [{min(ratios):.1f}–{max(ratios):.1f}]"
    print(f"marshmallow alone ÷ compiled, per round: {spread}")


if __name__ == "__main__":
    main()
