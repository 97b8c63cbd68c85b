"""Stream devices-detailed from the fake with the API client: requests, pages, devices/s, peak RSS.

Each size runs in a fresh child process so its peak RSS is its own; the fake runs in yet another
process. Goal (issue 3): peak RSS at 50k within 1.3x of the figure at 5k — the client streams.
``--sizes SMALL,LARGE`` measures other sizes (``goals.py --quick`` uses tiny ones to check its plumbing).
The whole fleet is streamed, every approval status: the device lists default to APPROVED devices only
(as the real API does), which would leave out the fleet's few PENDING and DECOMMISSIONED ones.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

SIZES = (5_000, 50_000)
#: Every approval status the fake's fleets hold.
EVERY_STATUS = "status in (APPROVED,PENDING,DECOMMISSIONED)"


def measure(url: str, expected: int) -> dict:
    from flask_ninjaone.client import InMemoryTokenStore, NinjaOneClient, client_credentials

    token = client_credentials(url, "demo-client-id", "demo-client-secret")
    client = NinjaOneClient(url, "demo-client-id", "demo-client-secret", InMemoryTokenStore(token))
    started = time.perf_counter()
    devices = pages = 0
    for page in client.devices_detailed(EVERY_STATUS).pages():
        pages += 1
        devices += len(page.items)
    elapsed = time.perf_counter() - started
    assert devices == expected, (devices, expected)
    return {
        "devices": devices,
        "pages": pages,
        "requests": client.stats["requests"],
        "seconds": round(elapsed, 2),
        "devices_per_second": round(devices / elapsed),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1].startswith("http"):  # child: one size against a running fake
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="SMALL,LARGE (default: %(default)s)"
    )
    sizes = sorted(int(size) for size in parser.parse_args().sizes.split(","))
    sys.path.insert(0, "bench")
    from bench_support import fake_ninjaone

    results = []
    for size in sizes:
        with fake_ninjaone(size) as url:
            out = subprocess.run(
                [sys.executable, __file__, url, str(size)], check=False, capture_output=True, text=True
            )
            if out.returncode:
                sys.exit(f"streaming {size} devices failed:\n{out.stderr[-3000:]}")
            results.append(json.loads(out.stdout))
            print(json.dumps(results[-1]))
    ratio = results[-1]["peak_rss_mb"] / results[0]["peak_rss_mb"]
    verdict = "OK" if ratio <= 1.3 else "OVER"
    print(f"peak RSS {sizes[-1]} / {sizes[0]} = {ratio:.2f} (goal <= 1.3): {verdict}")


if __name__ == "__main__":
    main()
