"""Patch compliance and software inventory: bulk refresh, per-device refresh, fleet views.

* :mod:`.refresh` — stream the ``/v2/queries/*`` reports into the database.
* :mod:`.device_refresh` — one device or a selection ("refresh this device now", "sync selected"),
  and the compliance re-read of a patch-management or antivirus webhook delivery.
* :mod:`.writer` — compare a batch of devices with what is stored and write only the changes.
* :mod:`.normalize`, :mod:`.versions` — pure functions: row normalization, version comparison.
* :mod:`.panels` — what the asset and ticket panels show.
* :mod:`.search` — fleet-wide software search ("which devices have Chrome < 120").
* :mod:`.compliance` — dashboard figures per client, and the asset-list badges and filters.
* :mod:`.export` — CSV with spreadsheet-formula protection.
"""

from .device_refresh import DeviceRefresh, refresh_device, refresh_device_compliance, refresh_devices
from .refresh import InventoryAlreadyRunning, refresh_inventory
from .versions import VersionFilter, VersionFilterError, compare_versions, version_key
from .writer import InventoryCounts

__all__ = [
    "DeviceRefresh",
    "InventoryAlreadyRunning",
    "InventoryCounts",
    "VersionFilter",
    "VersionFilterError",
    "compare_versions",
    "refresh_device",
    "refresh_device_compliance",
    "refresh_devices",
    "refresh_inventory",
    "version_key",
]
