"""Patch rows shaped like openapi.json's per-device and query patch items, for tests that put a device
into a patch state through the fake's control API."""

from __future__ import annotations

FAILED_OS_PATCH = {
    "id": "0f8b8c43-2b1c-4a50-9d55-6f3e1b2a7c11",
    "name": "2024-03 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5035853)",
    "severity": "CRITICAL",
    "status": "FAILED",
    "type": "SECURITY_UPDATES",
    "installedAt": 1741793000.5,
    "kbNumber": "KB5035853",
}
PENDING_SOFTWARE_PATCH = {
    "id": "6a3c2f9e-0b4d-4e1a-8c7b-2d5e9f0a1b3c",
    "productIdentifier": "3b6f7c2e-9a1d-4c5b-8e0f-1a2b3c4d5e6f",
    "title": "Google Chrome 122.0.6261.112",
    "impact": "CRITICAL",
    "status": "PENDING",
    "type": "PATCH",
}
FAILED_SOFTWARE_PATCH = {**PENDING_SOFTWARE_PATCH, "status": "FAILED", "installedAt": 1741793100.25}
