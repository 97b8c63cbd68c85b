"""Stream devices-detailed from the fake with the API client: requests, pages, devices/s, peak RSS.

Each size runs in a fresh child process so its peak RSS is its own; the fake runs in yet another
process. Goal (issue 3): peak RSS at 50k within 1.3x of the figure at 5k — the client streams.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

SIZES = (5_000, 50_000)


def measure(url: str, expected: int) -> dict:
    from flask_ninjaone.client import InMemoryTokenStore, NinjaOneClient, client_credentials

    token = client_credentials(url, "demo-client-id", "demo-client-secret")
    client = NinjaOneClient(url, "demo-client-id", "demo-client-secret", InMemoryTokenStore(token))
    started = time.perf_counter()
    devices = pages = 0
    for page in client.devices_detailed().pages():
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
    if len(sys.argv) == 3:  # child: measure one size against a running fake
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
        return
    sys.path.insert(0, "bench")
    from bench_support import fake_ninjaone

    results = []
    for size in SIZES:
        with fake_ninjaone(size) as url:
            out = subprocess.run(
                [sys.executable, __file__, url, str(size)], check=True, capture_output=True, text=True
            )
            results.append(json.loads(out.stdout))
            print(json.dumps(results[-1]))
    ratio = results[-1]["peak_rss_mb"] / results[0]["peak_rss_mb"]
    print(f"peak RSS 50k / 5k = {ratio:.2f} (goal <= 1.3): {'OK' if ratio <= 1.3 else 'OVER'}")


if __name__ == "__main__":
    main()
