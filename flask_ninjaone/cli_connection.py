"""``flask ninjaone`` commands about the connection (disconnect, webhook secret rotation)."""

from __future__ import annotations
