"""Webhook receiver, inbox and processing: NinjaOne's real-time device and alert events."""
