"""Fingerprints of a device's report rows, so a bulk refresh can skip devices that did not change.

A device's rows of one report hash to a fingerprint stored on its mirror row
(:attr:`~flask_ninjaone.models.Device.inventory_fingerprints`) once the writer has written them.
When the next refresh hands over rows with the same fingerprint, the stored inventory was written
from exactly these rows, so the writer neither reads the device's stored rows back nor diffs them:
the no-change refresh costs the report walk and one hash per device and report.

Left out of the hash: ``deviceId`` (the key) and ``timestamp`` (when the agent last reported; it
moves without the inventory changing, and the only thing built from it, a patch report's last scan
time, is compared on its own for skipped devices). The version of this package is hashed in, so an
upgrade that normalises rows differently rewrites every device once. Row order counts: a report
that reorders a device's rows costs one full comparison of that device, never a wrong skip.
"""

from __future__ import annotations

from typing import Any

from ..digests import json_digest, package_version

#: Bump when what the hash covers changes, to force one full comparison of every device.
FINGERPRINT_VERSION = 1
_PACKAGE_VERSION = package_version()
_UNHASHED = frozenset({"deviceId", "timestamp"})


def rows_fingerprint(report: str, rows: list[dict[str, Any]], *, raw: bool = False) -> str:
    """SHA-256 (hex) of one device's rows of ``report``, without the fields listed above.

    ``raw``: the rows are as NinjaOne sent them, not schema-loaded (the fleet walk, which loads only
    the rows of devices whose raw fingerprint moved). The two forms hash in separate namespaces, so
    a raw row set can never match a fingerprint written from loaded rows (one-device refreshes load
    theirs whole): where the forms meet, the device is compared in full once and its fingerprint
    recomputed, never wrongly skipped. The first fleet refresh after this change does that for every
    device, as any upgrade does (the package version is hashed in); it writes nothing that did not
    change.
    """
    kept = [{key: value for key, value in row.items() if key not in _UNHASHED} for row in rows]
    form = "raw" if raw else "loaded"
    return json_digest([FINGERPRINT_VERSION, _PACKAGE_VERSION, report, form, kept], default=str)
