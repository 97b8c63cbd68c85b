"""``flask ninjaone alerts``: list a tenant's alerts (filled in with the alerts feature)."""

from __future__ import annotations
