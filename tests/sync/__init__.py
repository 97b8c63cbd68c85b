"""Tests of the device sync."""
