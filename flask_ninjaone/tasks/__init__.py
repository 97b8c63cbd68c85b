"""Thin RQ entry points. Importing this package registers every built-in task with :mod:`..jobs`."""

from . import actions, alerts, inventory, sync, webhooks, writes  # noqa: F401
