"""Devices (NinjaOne "nodes") in every ``deviceType`` shape.

``GET /v2/devices`` returns the common fields only; ``/v2/devices-detailed`` and ``/v2/device/{id}`` add the
fields of the device's shape (``os``, ``system``, ``volumes``... for an agent; CPU and memory for a VM host).
:class:`DeviceSchema` picks the shape from ``deviceType`` and falls back to the common fields when the type
is absent or new, keeping every unknown field. Enum-like strings (``nodeClass``, ``approvalStatus``) are not
checked against the spec's lists on purpose: new values appear with new NinjaOne versions and must not
break a sync. Capacities and memory sizes are bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from marshmallow import ValidationError, fields

from ...digests import json_digest
from .base import NinjaSchema
from .compiled import Loader, Miss, compile_loader
from .fields import EpochSeconds, StrictInteger
from .organizations import LocationRefSchema, OrganizationRefSchema


class MaintenanceSchema(NinjaSchema):
    status = fields.String()
    start = EpochSeconds()
    end = EpochSeconds()
    reasonMessage = fields.String()


class PolicyRefSchema(NinjaSchema):
    id = StrictInteger()
    parentPolicyId = StrictInteger()
    name = fields.String()
    description = fields.String()
    nodeClass = fields.String()
    updated = EpochSeconds()
    nodeClassDefault = fields.Boolean()


class NodeRoleSchema(NinjaSchema):
    id = StrictInteger()
    name = fields.String()
    description = fields.String()
    nodeClass = fields.String()
    custom = fields.Boolean()
    chassisType = fields.String()
    created = EpochSeconds()
    nodeRoleParentId = StrictInteger()
    icon = fields.String()


class BackupUsageSchema(NinjaSchema):
    """Sizes are bytes; the size counters ride along untouched, only the two job times are typed."""

    lastSuccessfulBackupJob = EpochSeconds()
    lastFailedBackupJob = EpochSeconds()


class WarrantySchema(NinjaSchema):
    startDate = EpochSeconds()
    endDate = EpochSeconds()
    manufacturerFulfillmentDate = EpochSeconds()


class ReferencesSchema(NinjaSchema):
    """Objects NinjaOne expands next to a device (webhook ``expand``, detailed endpoints)."""

    organization = fields.Nested(OrganizationRefSchema)
    location = fields.Nested(LocationRefSchema)
    rolePolicy = fields.Nested(PolicyRefSchema)
    policy = fields.Nested(PolicyRefSchema)
    role = fields.Nested(NodeRoleSchema)
    backupUsage = fields.Nested(BackupUsageSchema)
    warranty = fields.Nested(WarrantySchema)
    assignedOwner = fields.Dict()
    backupBandwidthThrottle = fields.Dict()


class NoteSchema(NinjaSchema):
    text = fields.String()


class DeviceBaseSchema(NinjaSchema):
    """Fields every device has, whatever its shape (``Device`` in the OpenAPI document)."""

    id = StrictInteger(required=True)
    uid = fields.String()
    assignedOwnerUid = fields.String()
    parentDeviceId = StrictInteger()
    organizationId = StrictInteger()
    locationId = StrictInteger()
    nodeClass = fields.String()
    nodeRoleId = StrictInteger()
    rolePolicyId = StrictInteger()
    policyId = StrictInteger()
    approvalStatus = fields.String()
    offline = fields.Boolean()
    displayName = fields.String()
    systemName = fields.String()
    dnsName = fields.String()
    netbiosName = fields.String()
    created = EpochSeconds()
    lastContact = EpochSeconds()
    lastUpdate = EpochSeconds()
    userData = fields.Dict()
    tags = fields.List(fields.String())
    maintenance = fields.Nested(MaintenanceSchema)
    references = fields.Nested(ReferencesSchema)
    ipAddresses = fields.List(fields.String())
    macAddresses = fields.List(fields.String())
    publicIP = fields.String()
    notes = fields.List(fields.Nested(NoteSchema))
    deviceType = fields.String()


class OperatingSystemSchema(NinjaSchema):
    manufacturer = fields.String()
    name = fields.String()
    architecture = fields.String()
    lastBootTime = EpochSeconds()
    buildNumber = fields.String()
    releaseId = fields.String()
    servicePackMajorVersion = StrictInteger()
    servicePackMinorVersion = StrictInteger()
    locale = fields.String()
    language = fields.String()
    needsReboot = fields.Boolean()


class ComputerSystemSchema(NinjaSchema):
    """Serial numbers may be junk ("To be Filled By O.E.M.", "0"): loaded as sent, judged by the sync."""

    name = fields.String()
    manufacturer = fields.String()
    model = fields.String()
    biosSerialNumber = fields.String()
    serialNumber = fields.String()
    assetSerialNumber = fields.String()
    domain = fields.String()
    domainRole = fields.String()
    numberOfProcessors = StrictInteger()
    totalPhysicalMemory = StrictInteger()
    virtualMachine = fields.Boolean()
    chassisType = fields.String()


class MemorySchema(NinjaSchema):
    capacity = StrictInteger()


class ProcessorSchema(NinjaSchema):
    architecture = fields.String()
    maxClockSpeed = StrictInteger()
    clockSpeed = StrictInteger()
    name = fields.String()
    numCores = StrictInteger()
    numLogicalCores = StrictInteger()


class VolumeSchema(NinjaSchema):
    name = fields.String()
    driveLetter = fields.String()
    label = fields.String()
    deviceType = fields.String()
    fileSystem = fields.String()
    autoMount = fields.Boolean()
    compressed = fields.Boolean()
    capacity = StrictInteger()
    freeSpace = StrictInteger()
    serialNumber = fields.String()
    bitLockerStatus = fields.Dict()


class AgentDeviceSchema(DeviceBaseSchema):
    """A device running the NinjaOne agent (Windows, macOS, Linux)."""

    os = fields.Nested(OperatingSystemSchema)
    system = fields.Nested(ComputerSystemSchema)
    memory = fields.Nested(MemorySchema)
    processors = fields.List(fields.Nested(ProcessorSchema))
    volumes = fields.List(fields.Nested(VolumeSchema))
    lastLoggedInUser = fields.String()


class VMHostSchema(DeviceBaseSchema):
    """A hypervisor host monitored agentless (VMware ESXi, Hyper-V)."""

    cpuMhz = StrictInteger()
    cpuModel = fields.String()
    htActive = fields.Boolean()
    htAvailable = fields.Boolean()
    lastBootTime = EpochSeconds()
    memorySize = StrictInteger()
    model = fields.String()
    name = fields.String()
    cpuCores = StrictInteger()
    cpuPackages = StrictInteger()
    cpuThreads = StrictInteger()
    serviceTag = fields.String()
    vendor = fields.String()
    releaseName = fields.String()
    version = fields.String()
    buildNumber = fields.String()


class VMGuestSchema(DeviceBaseSchema):
    """A virtual machine seen through its host."""

    files = fields.String()
    fullName = fields.String()
    lastBootTime = EpochSeconds()
    memorySize = StrictInteger()
    coresPerSocket = StrictInteger()
    cpuCores = StrictInteger()
    powerState = fields.String()
    toolsInstallType = fields.String()
    toolStatus = fields.String()
    toolsVersion = fields.String()
    guestOSFullName = fields.String()
    guestOSFamily = fields.String()
    guestOSId = fields.String()
    toolsVersionStatus = fields.String()
    snapshotCount = StrictInteger()
    snapshotTotalSize = StrictInteger()


class MdmSystemSchema(NinjaSchema):
    displayName = fields.String()
    name = fields.String()
    manufacturer = fields.String()
    model = fields.String()
    serialNumber = fields.String()
    build = fields.String()


class MdmNetworkSchema(NinjaSchema):
    imei = fields.String()
    eid = fields.String()
    meid = fields.String()
    phoneNumber = fields.String()
    carrier = fields.String()
    iccId = fields.String()


class MdmDeviceSchema(DeviceBaseSchema):
    """A phone or tablet under NinjaOne MDM."""

    system = fields.Nested(MdmSystemSchema)
    memory = fields.Nested(MemorySchema)
    network = fields.List(fields.Nested(MdmNetworkSchema))
    volumes = fields.List(fields.Nested(VolumeSchema))


class CloudMonitorTargetSchema(DeviceBaseSchema):
    """A cloud monitor (ping, HTTP, DNS, port scan, e-mail server check): a target, not a machine."""

    enabled = fields.Boolean()
    interval = StrictInteger()
    timeout = StrictInteger()
    target = fields.String()
    smtpPort = StrictInteger()
    senderEmail = fields.String()
    recipientEmail = fields.String()


class NMSTargetSchema(DeviceBaseSchema):
    """A network device discovered by NMS (switch, router, printer...): common fields only."""


class UnmanagedDeviceSchema(DeviceBaseSchema):
    """A device entered by hand, with no agent: common fields only."""


DEVICE_SHAPES: Mapping[str, type[DeviceBaseSchema]] = {
    "AgentDevice": AgentDeviceSchema,
    "VMHost": VMHostSchema,
    "VMGuest": VMGuestSchema,
    "MdmDevice": MdmDeviceSchema,
    "NMSTarget": NMSTargetSchema,
    "NMSServer": NMSTargetSchema,
    "CloudMonitorTarget": CloudMonitorTargetSchema,
    "CloudMonitorDNS": CloudMonitorTargetSchema,
    "CloudMonitorEmailServer": CloudMonitorTargetSchema,
    "CloudMonitorHTTP": CloudMonitorTargetSchema,
    "CloudMonitorPing": CloudMonitorTargetSchema,
    "CloudMonitorPortScan": CloudMonitorTargetSchema,
    "UnmanagedDevice": UnmanagedDeviceSchema,
}
"""``deviceType`` value → schema of that shape (names from the OpenAPI discriminator)."""

_SHAPE_INSTANCES = {name: schema() for name, schema in DEVICE_SHAPES.items()}
_BASE = DeviceBaseSchema()
#: Each shape's compiled loader (see :mod:`.compiled`), keyed by its schema instance's id.
_FAST: dict[int, Loader | None] = {
    id(shape): compile_loader(shape) for shape in (*_SHAPE_INSTANCES.values(), _BASE)
}


class Unchanged(dict[str, Any]):
    """Stands in a page for a device the caller already applied from a byte-identical payload.

    Holds only ``id`` (an ``int``, checked), so paging still advances by it; nothing was loaded.
    """


#: Given ``(id, fingerprint, raw item)`` of a page's devices, the ids the caller needs no load of.
UnchangedFilter = Callable[[list[tuple[int, str, Mapping[str, Any]]]], Collection[int]]


def payload_fingerprint(item: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a raw device's canonical JSON: sorted keys, no whitespace, ASCII."""
    return json_digest(item)


class DeviceSchema(DeviceBaseSchema):
    """Loads a device of any shape, dispatching on ``deviceType``.

    Usable anywhere a schema is: ``DeviceSchema().load(item)``, ``DeviceSchema(many=True).load(page)``,
    ``fields.Nested(DeviceSchema)``. Errors of a list are keyed by item index, like marshmallow's own.

    With ``unchanged`` (lists only), devices the caller says it already holds byte for byte come
    back as :class:`Unchanged` instead of being loaded again: schema loading is most of the cost of
    a sync in which nothing changed, and an identical payload loads to an identical result.
    """

    def __init__(self, *args: Any, unchanged: UnchangedFilter | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unchanged = unchanged

    def load(self, data: Any, *, many: bool | None = None, partial: Any = None, unknown: Any = None) -> Any:
        many = self.many if many is None else many
        if partial is not None or unknown is not None:
            load_one = self._marshmallow_load(partial, unknown)
        else:
            load_one = self._load_one
        if not many:
            return load_one(data)
        if not isinstance(data, Sequence) or isinstance(data, str | bytes):
            raise ValidationError({"_schema": ["Invalid input type: expected a list of devices."]})
        skip = self._skippable(data)
        loaded: list[Any] = []
        errors: dict[int, Any] = {}
        for index, item in enumerate(data):
            if skip and _plain_id(item) in skip:
                loaded.append(Unchanged(id=item["id"]))
                continue
            try:
                loaded.append(load_one(item))
            except ValidationError as err:
                errors[index] = err.messages
        if errors:
            raise ValidationError(errors, valid_data=loaded)
        return loaded

    def _skippable(self, data: Sequence[Any]) -> frozenset[int]:
        if self._unchanged is None:
            return frozenset()
        candidates = [
            (device_id, payload_fingerprint(item), item)
            for item in data
            if (device_id := _plain_id(item)) is not None
        ]
        return frozenset(self._unchanged(candidates)) if candidates else frozenset()

    @staticmethod
    def _shape_of(item: Any) -> DeviceBaseSchema:
        device_type = item.get("deviceType") if isinstance(item, Mapping) else None
        if isinstance(device_type, str):
            return _SHAPE_INSTANCES.get(device_type, _BASE)
        return _BASE

    def _load_one(self, item: Any) -> Any:
        """One device as its shape's schema loads it: the compiled loader for a well-formed payload,
        marshmallow for anything the compiled loader will not vouch for (so marshmallow alone decides
        what is refused, and with which messages)."""
        shape = self._shape_of(item)
        fast = _FAST[id(shape)]
        if fast is not None:
            try:
                return fast(item)
            except Miss:
                pass
        return shape.load(item)

    def _marshmallow_load(self, partial: Any, unknown: Any) -> Callable[[Any], Any]:
        """Loads items with marshmallow alone: the compiled loaders know neither option."""
        return lambda item: self._shape_of(item).load(item, partial=partial, unknown=unknown)


def _plain_id(item: Any) -> int | None:
    """The item's ``id`` if it is a real ``int`` (not a bool, which hashes equal to 0 and 1)."""
    device_id = item.get("id") if isinstance(item, Mapping) else None
    return device_id if type(device_id) is int else None
