"""The fixed vocabularies of alerts: NinjaOne's enums that rules refer to, and ticket priorities.

Kept as constants (not read from the fake's ``enums.json``) so production code never depends on the
testing package; ``tests/alerts/test_catalog.py`` compares them with ``shared/ninjaone/enums.json`` so
they cannot drift silently when NinjaOne's spec grows.
"""

from __future__ import annotations

from types import MappingProxyType

from ..sync.node_classes import NODE_CLASS_ASSET_TYPES

#: ``Alert.resolved_by`` of resolutions no person made (a person's are their name).
BY_NINJAONE = "NinjaOne"
BY_RECONCILIATION = "reconciliation"
BY_TICKET_CLOSE = "ticket close"

#: ``Activity.severity``, least to most severe.
SEVERITIES: tuple[str, ...] = ("NONE", "MINOR", "MODERATE", "MAJOR", "CRITICAL")
#: The same, worst first: the order of every display that counts alerts by severity.
SEVERITIES_WORST_FIRST: tuple[str, ...] = SEVERITIES[::-1]

#: ``Activity.activityType`` (the event's category), in the spec's order.
ACTIVITY_TYPES: tuple[str, ...] = (
    "ACTIONSET", "ACTION", "CONDITION", "CONDITION_ACTIONSET", "CONDITION_ACTION", "ANTIVIRUS",
    "PATCH_MANAGEMENT", "TEAMVIEWER", "MONITOR", "SYSTEM", "COMMENT", "SHADOWPROTECT", "IMAGEMANAGER",
    "HELP_REQUEST", "SOFTWARE_PATCH_MANAGEMENT", "SPLASHTOP", "CLOUDBERRY", "CLOUDBERRY_BACKUP",
    "SCHEDULED_TASK", "RDP", "SCRIPTING", "SECURITY", "REMOTE_TOOLS", "VIRTUALIZATION", "PSA", "MDM",
    "NINJA_REMOTE", "NINJA_QUICK_CONNECT", "NINJA_NETWORK_DISCOVERY", "NINJA_BACKUP", "NINJA_TICKETING",
    "KNOWLEDGE_BASE", "RELATED_ITEM", "CLIENT_CHECKLIST", "CHECKLIST_TEMPLATE", "DOCUMENTATION",
    "MICROSOFT_INTUNE", "DYNAMIC_POLICY",
)  # fmt: skip

#: ``statusCode`` values of CONDITION activities, by what they do to an alert series.
TRIGGER_CODES: frozenset[str] = frozenset({"TRIGGERED"})
RESET_CODES: frozenset[str] = frozenset(
    {"RESET", "CUSTOM_HEALTH_STATUS_RESET", "RESET_BY_PSA_TICKET_CALLBACK"}
)
ACKNOWLEDGE_CODES: frozenset[str] = frozenset({"ACKNOWLEDGED"})
#: Every condition status code a rule may name.
CONDITION_STATUS_CODES: tuple[str, ...] = (
    "TRIGGERED", "RESET", "ACKNOWLEDGED", "CUSTOM_HEALTH_STATUS_RESET", "RESET_BY_PSA_TICKET_CALLBACK",
)  # fmt: skip

#: ``Device.nodeClass`` (33 values in API 2.0), shared with the sync's asset type table.
NODE_CLASSES: tuple[str, ...] = tuple(NODE_CLASS_ASSET_TYPES)

#: Ticket priorities the host understands (:class:`~flask_ninjaone.host.TicketDraft.priority`).
TICKET_PRIORITIES: tuple[str, ...] = ("urgent", "high", "medium", "low")

#: Severity → ticket priority when a rule does not override it.
DEFAULT_PRIORITY: MappingProxyType[str, str] = MappingProxyType(
    {"CRITICAL": "urgent", "MAJOR": "high", "MODERATE": "medium", "MINOR": "low", "NONE": "low"}
)

#: Condition message codes (``data.message.code`` of a CONDITION activity) rules can name, with what
#: each watches. The same code on every NinjaOne instance, unlike a condition's ``sourceConfigUid``
#: (one per policy), so it is what a rule copied between tenants should name. The codes the public
#: samples and the fake show; conditions seen in a tenant's alerts are offered next to these.
CONDITION_CODES: MappingProxyType[str, str] = MappingProxyType(
    {
        "agent_cond_cpu_usage_ge": "CPU usage at or above a threshold",
        "agent_cond_memory_usage_ge": "Memory usage at or above a threshold",
        "agent_cond_disk_free_space_le": "Disk free space at or below a threshold",
        "agent_cond_eventlog2": "Windows event log entry",
        "vmm_cond_memory_usage_ge": "Virtual machine host memory usage at or above a threshold",
    }
)
