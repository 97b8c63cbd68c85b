"""The seam between the extension and the host PSA.

The extension never imports host models and never touches host tables: everything it needs from the
host goes through one :class:`HostAdapter` the host implements, and only the plain dataclasses below
cross the seam. Asset writes cross in batches (a page of up to 1000 records in, their host ids out)
because a per-device round trip through the seam would dominate sync time on large fleets.

Ids of host objects (tenants, users, clients, assets, tickets) are strings on this side of the seam,
whatever type the host uses, so the extension's tables work with integer and UUID hosts alike.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime


class Permission(enum.StrEnum):
    """Permissions the extension asks the host about; the host maps them onto its own roles."""

    VIEW = "ninjaone.view"  # see status, devices, alerts
    MANAGE = "ninjaone.manage"  # credentials, connect/disconnect, mappings, rules, sync settings
    ALERTS = "ninjaone.alerts"  # acknowledge/resolve alerts, create tickets from them
    REMOTE = "ninjaone.remote"  # open Remote Connect sessions
    ACTIONS = "ninjaone.actions"  # start NinjaOne work on devices: refresh now, sync selected


class AssetType(enum.StrEnum):
    """The asset types every NinjaOne node class maps onto."""

    WORKSTATION = "workstation"
    SERVER = "server"
    NETWORK_DEVICE = "network_device"
    MOBILE = "mobile"
    PRINTER = "printer"
    OTHER = "other"


@dataclass(frozen=True)
class TenantRef:
    """A host tenant: ``id`` is what the extension stores, ``slug`` what operators type on the CLI."""

    id: str  # your tenant's primary key, as a string
    slug: str  # short unique name (the CLI's --tenant accepts it)
    name: str  # shown on pages


@dataclass(frozen=True)
class UserRef:
    """A host user, as shown in audit entries and assignee pickers."""

    id: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class ClientRef:
    """A host client (company) that NinjaOne organizations map onto."""

    id: str
    name: str


@dataclass(frozen=True)
class SiteRef:
    """A site (branch, office) of a host client, that NinjaOne locations map onto."""

    id: str
    name: str


@dataclass(frozen=True)
class Volume:
    """One disk volume of a device; sizes in bytes as NinjaOne reports them."""

    name: str
    capacity_bytes: int | None = None
    free_bytes: int | None = None
    file_system: str | None = None


@dataclass(frozen=True)
class AssetRecord:
    """Everything NinjaOne knows about one device, in host terms.

    ``host_asset_id`` is ``None`` for a device the host has never seen; the adapter then creates an
    asset. Fields left ``None`` are unknown, not "clear this value".
    """

    ninjaone_device_id: int  # unique per NinjaOne instance, not globally
    client_id: str  # the host client the device's organization is mapped to
    name: str  # the system name, else the display, DNS or NetBIOS name
    asset_type: AssetType
    host_asset_id: str | None = None  # None: create the asset; else update this one
    is_virtual: bool = False
    node_class: str | None = None  # NinjaOne's nodeClass, e.g. WINDOWS_WORKSTATION
    location_name: str | None = None  # the NinjaOne location within the organization
    site_id: str | None = None  # the client's site of the location; None: no site (see list_sites)
    host_asset_type: str | None = None  # one of asset_types(), mapped; None: use asset_type
    agent_status: str = "unknown"  # online | offline | unknown
    last_seen: datetime | None = None  # last agent contact, timezone-aware UTC
    approval_status: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    os_name: str | None = None
    os_version: str | None = None
    os_build: str | None = None
    os_architecture: str | None = None
    cpu_model: str | None = None
    cpu_cores: int | None = None
    cpu_count: int | None = None
    ram_gb: float | None = None
    storage_total_gb: float | None = None
    volumes: tuple[Volume, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    mac_addresses: tuple[str, ...] = ()
    public_ip: str | None = None
    last_logged_in_user: str | None = None
    last_boot: datetime | None = None
    ninjaone_url: str | None = None  # the device's page in NinjaOne
    # NinjaOne's ``references.warranty`` (UTC); None: no warranty known. Hosts without warranty
    # fields ignore them; the extension keeps them on its mirror for the warranties view either way.
    warranty_start: datetime | None = None
    warranty_end: datetime | None = None
    warranty_fulfillment: datetime | None = None  # the manufacturer's fulfillment (ship) date


@dataclass(frozen=True)
class AssetMatch:
    """What the adapter found when asked to match a device to an existing host asset."""

    host_asset_id: str
    matched_by: str  # "ninjaone_id" | "serial" | "name"


@dataclass(frozen=True)
class TicketDraft:
    """A ticket the extension wants the host to open (for example from an alert)."""

    client_id: str | None  # None: the host decides (e.g. from the assets)
    title: str
    description: str  # plain text
    priority: str  # urgent | high | medium | low
    asset_ids: tuple[str, ...] = ()  # host asset ids to link
    board: str | None = None  # the rule's board; None: the host's default
    assignee_id: str | None = None  # a host user id from list_users
    source: str = "ninjaone"
    external_ref: str | None = None  # e.g. the alert's seriesUid


@dataclass(frozen=True)
class FieldChoice:
    """One value a ticket field may take in the host (a board, a priority), and how people call it."""

    value: str  # what the extension stores and sends back in TicketDraft
    label: str  # shown in pickers


#: Ticket fields the rule form asks :meth:`HostAdapter.ticket_field_choices` about.
TICKET_CHOICE_FIELDS = ("board", "priority")


@dataclass(frozen=True)
class TicketState:
    """The host's view of a ticket the extension created."""

    exists: bool
    is_open: bool = False
    worked_by_human: bool = False  # a human replied, logged time or changed it: don't auto-close


@dataclass(frozen=True)
class HostPages:
    """Host page URLs the extension links to; ``None`` when the host has no such page."""

    asset: str | None = None  # e.g. /assets/{id}
    ticket: str | None = None  # e.g. /tickets/{id}
    client: str | None = None  # e.g. /clients/{id}
    settings: str | None = None  # your integrations page (no placeholder)
    contact: str | None = None  # e.g. /contacts/{id}


#: The types a host asset attribute (and the NinjaOne custom field mapped onto it) may have.
ATTRIBUTE_TYPES = ("text", "number", "date", "checkbox", "dropdown")

#: A value crossing the seam for an attribute: ``str`` (text, and a dropdown's option), ``int`` or
#: ``float`` (number), :class:`datetime.date` (date), ``bool`` (checkbox); ``None`` clears it.
AttributeValue = str | int | float | bool | date | None


@dataclass(frozen=True)
class AssetAttribute:
    """An attribute of the host's assets that a NinjaOne custom field may feed (field map page)."""

    key: str  # what set_asset_attributes and asset_attributes_changed name it by
    label: str  # shown in the field map's pickers
    type: str  # one of ATTRIBUTE_TYPES
    options: tuple[str, ...] = ()  # a dropdown's values, as the host stores them
    max_length: int | None = None  # longest text the host keeps


@dataclass(frozen=True)
class AttributeUpdate:
    """New values of some attributes of one asset, from NinjaOne's custom fields."""

    host_asset_id: str
    values: Mapping[str, AttributeValue]  # attribute key -> value (None: clear it)


@dataclass(frozen=True)
class LogonUser:
    """The last user NinjaOne saw log on to a device, for finding (or creating) their host contact."""

    client_id: str  # the host client of the device's organization
    user_name: str  # as NinjaOne reports it, e.g. CORP\j.smith or j.smith@corp.example
    login: str  # the name without its domain: j.smith
    email: str | None = None  # user_name when it is an e-mail address


@dataclass(frozen=True)
class ContactRef:
    """A host contact (a client's person)."""

    id: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class AdoptionKeys:
    """Keys used to adopt an existing host asset before creating a new one, in priority order."""

    ninjaone_device_id: int
    client_id: str
    name: str
    serial_number: str | None = None


def default_ticket_label(ticket_id: str) -> str:
    """A ticket's label when the host gives none."""
    return f"#{ticket_id}"


def default_asset_label(asset_id: str) -> str:
    """An asset's label when the host gives none."""
    return f"Asset {asset_id}"


class HostAdapter(abc.ABC):
    """What the extension needs from the host PSA. Implement every abstract method.

    Methods without a ``tenant_id`` argument run inside a request; all others may run in a background
    worker with no request, so they must not depend on the request or the logged-in user.
    """

    #: Template the extension's pages extend; it must define ``{% block content %}`` and may define
    #: ``{% block title %}`` and ``{% block head %}`` (see the block contract below; a host whose layout
    #: names its blocks differently points this at a shim template).
    base_template: str = "base.html"

    # --- request context -------------------------------------------------------------------------
    @abc.abstractmethod
    def current_tenant(self) -> TenantRef | None:
        """The tenant of the current request's user, or ``None`` when nobody is logged in.

        Asked once at the start of each request (again on first use if it said ``None`` then), never
        while the extension runs a query, so it may query the host's own tables (relationships too).
        """

    @abc.abstractmethod
    def current_user(self) -> UserRef | None:
        """The logged-in user of the current request, or ``None``."""

    @abc.abstractmethod
    def has_permission(self, permission: Permission) -> bool:
        """Whether the current user holds ``permission`` in the current tenant.

        Map the :class:`Permission` values onto your roles. A read-only role should hold
        ``ninjaone.view`` alone, which opens no POST route.
        """

    @abc.abstractmethod
    def login_url(self, next_url: str) -> str:
        """Where to send an anonymous user, returning to ``next_url`` afterwards."""

    # --- tenants and users --------------------------------------------------------------------------
    @abc.abstractmethod
    def find_tenant(self, ref: str) -> TenantRef | None:
        """Resolve a tenant by id or slug (the CLI's ``--tenant`` accepts both)."""

    @abc.abstractmethod
    def list_users(self, tenant_id: str) -> list[UserRef]:
        """Users of the tenant, for assignee and notification pickers."""

    # --- clients ------------------------------------------------------------------------------------
    @abc.abstractmethod
    def list_clients(self, tenant_id: str) -> list[ClientRef]:
        """All clients of the tenant, for the organization mapping page."""

    @abc.abstractmethod
    def create_client(self, tenant_id: str, name: str) -> ClientRef:
        """Create a client named after a NinjaOne organization ("create as new client", "create all
        missing clients"). Do not commit: the extension commits the new clients together with their
        mappings, so a bulk creation that fails part-way leaves no client behind. Returning the
        existing client when one already has this name is fine (and what the sample host does)."""

    # --- sites (optional capability) -----------------------------------------------------------------
    def list_sites(self, tenant_id: str, client_id: str) -> list[SiteRef] | None:
        """The sites of one client, for the locations → sites page; ``None``: the host has no sites.

        Answering ``None`` (the default) declares the capability absent: the sites page is hidden and
        every :class:`AssetRecord` carries ``site_id=None``, as before sites existed. A host with sites
        answers a list (empty for a client without sites) and implements :meth:`create_site` too.
        With sites, ``AssetRecord.site_id`` is the site the device's NinjaOne location is mapped to,
        and ``None`` means "no site" (the location is not mapped): clear the asset's site then. The
        extension checks ids it is given against this list, so another client's or tenant's site is
        refused before it reaches :meth:`upsert_assets`.
        """
        return None

    def create_site(self, tenant_id: str, client_id: str, name: str) -> SiteRef:
        """Create a site of the client named after a NinjaOne location ("create site"), or return the
        client's site of that name. Do not commit: the extension commits it with the location's
        mapping. Called only when :meth:`list_sites` answers a list; the default refuses."""
        raise NotImplementedError("this host has no sites (list_sites answers None)")

    # --- asset types (optional capability) -------------------------------------------------------------
    def asset_types(self, tenant_id: str) -> list[FieldChoice] | None:
        """The host's asset types, for the device types page; ``None`` (the default): the host takes
        the six :class:`AssetType` values of ``AssetRecord.asset_type`` and the page is hidden.

        With a list, the tenant can map NinjaOne node roles and classes (per organization, too) onto
        these values, and each record's ``host_asset_type`` carries the mapped value (``None`` where no
        mapping applies: use ``asset_type`` as before). Values are at most 64 characters.
        """
        return None

    # --- assets (batched) ---------------------------------------------------------------------------
    @abc.abstractmethod
    def match_assets(self, tenant_id: str, keys: Sequence[AdoptionKeys]) -> list[AssetMatch | None]:
        """For each key, the existing host asset to adopt, or ``None`` to create a new one.

        Match by NinjaOne device id first, then serial number (the extension already dropped junk
        serials), then by name within the same client. One result per key, in order; batch your
        queries. NinjaOne device ids are numbered per instance: the extension declines a match to an
        asset that a device of another of the tenant's integrations owns, and a new asset is created,
        unless the device's serial is that device's: then the admin is asked first whether it is the
        same machine (an adoption question), and the answer links the device to that asset or not.
        """

    @abc.abstractmethod
    def upsert_assets(self, tenant_id: str, records: Sequence[AssetRecord]) -> list[str]:
        """Create (``host_asset_id is None``) or update each asset; return host asset ids in order.

        Called with up to 1000 records; write them in a few statements and do not commit: the
        extension commits the batch together with its own bookkeeping so nothing is half-written.
        Fields named by :meth:`host_owned_fields` must be left alone on update. On a first sync this
        is most of the time: insert new assets in bulk rather than object by object
        (``flask_ninjaone.bulk.insert_rows`` sends rows as a pipelined executemany on PostgreSQL).
        """

    @abc.abstractmethod
    def retire_assets(self, tenant_id: str, host_asset_ids: Sequence[str], reason: str) -> None:
        """Mark assets inactive/unmanaged (device deleted or gone from NinjaOne). Never delete them."""

    def host_owned_fields(self) -> frozenset[str]:
        """Asset fields the host owns (e.g. notes, custom attributes) that sync must never overwrite.

        Default: none."""
        return frozenset()

    def asset_exists(self, tenant_id: str, host_asset_id: str) -> bool:
        """Whether the tenant has this asset, so pages about another tenant's asset answer 404.

        Default: ``True`` (every id is treated as the tenant's; the extension still shows no data
        it does not hold for the tenant). Override it so foreign ids are a 404.
        """
        return True

    @abc.abstractmethod
    def asset_device_id(self, tenant_id: str, host_asset_id: str) -> int | None:
        """The NinjaOne device id linked to a host asset, or ``None`` if the asset is not RMM-managed."""

    # --- custom fields (optional) --------------------------------------------------------------------
    def asset_attributes(self, tenant_id: str) -> list[AssetAttribute] | None:
        """The asset attributes NinjaOne custom fields may be mapped onto; ``None``: this host does not
        take custom fields (the default), and the field map page is hidden.

        Asked when the field map page shows and when a mapping is saved. Only attributes of the
        :data:`ATTRIBUTE_TYPES` are offered; a dropdown's ``options`` are the only values the
        extension will set (a NinjaOne option is matched to one by name, case-insensitively).
        """
        return None

    def set_asset_attributes(self, tenant_id: str, updates: Sequence[AttributeUpdate]) -> None:
        """Write custom field values onto assets, during the inventory walk (up to 1000 per call).

        Called only when :meth:`asset_attributes` answers a list, only with its keys and with values
        of their types, and only for what changed since the last walk. Do not commit (the extension
        commits with its bookkeeping). When a person later changes one of these attributes, call
        :func:`flask_ninjaone.asset_attributes_changed` so a two-way field goes back to NinjaOne.
        """
        raise NotImplementedError("asset_attributes() answered a list: implement set_asset_attributes")

    # --- contacts (optional) -------------------------------------------------------------------------
    #: Whether :meth:`find_contacts` is implemented: the last logged-on user of each device is then
    #: linked to a host contact (when the tenant turns it on) and shown on asset and alert tickets.
    contacts_supported: bool = False

    def find_contacts(
        self, tenant_id: str, users: Sequence[LogonUser], create: bool
    ) -> list[ContactRef | None]:
        """For each user, the client's contact it is (match the e-mail, then the login, within
        ``client_id``), or ``None``; with ``create``, create the missing ones instead (do not commit).

        One result per user, in order; called with up to 1000 users per walk batch: batch your
        queries. Only called when :attr:`contacts_supported` is true.
        """
        raise NotImplementedError("contacts_supported is true: implement find_contacts")

    # --- tickets ------------------------------------------------------------------------------------
    @abc.abstractmethod
    def create_ticket(self, tenant_id: str, draft: TicketDraft) -> str:
        """Open a ticket and link its assets; return the host ticket id. Do not commit.

        Alert tickets carry ``source="ninjaone"`` and the alert's series uid in ``external_ref``.
        """

    @abc.abstractmethod
    def add_ticket_note(self, tenant_id: str, ticket_id: str, body: str) -> None:
        """Append an internal note written by the integration (not by a human)."""

    @abc.abstractmethod
    def close_ticket(self, tenant_id: str, ticket_id: str, note: str) -> None:
        """Close a ticket with a note explaining why (for example: the alert reset in NinjaOne)."""

    @abc.abstractmethod
    def reopen_ticket(self, tenant_id: str, ticket_id: str, note: str) -> None:
        """Reopen a closed ticket because its problem came back within the reopen window."""

    @abc.abstractmethod
    def ticket_state(self, tenant_id: str, ticket_id: str) -> TicketState:
        """Whether the ticket exists, is open, and whether a human worked it (a human-worked ticket
        is never closed automatically)."""

    @abc.abstractmethod
    def ticket_asset_ids(self, tenant_id: str, ticket_id: str) -> list[str]:
        """Host asset ids linked to a ticket (for Remote Connect from a ticket)."""

    def ticket_field_choices(self, tenant_id: str, field: str) -> list[FieldChoice] | None:
        """The values a ticket field may take, for the alert rule form's pickers; ``None`` keeps the
        form's default for that field.

        ``field`` is ``"board"`` (the :attr:`TicketDraft.board` values your tickets accept: without
        choices the form offers a free-text box) or ``"priority"`` (your labels for ``urgent``,
        ``high``, ``medium`` and ``low``; other values are ignored, as the draft's priority is always
        one of those four). Asked once per form; answer from one query. Default: ``None``.
        """
        return None

    def notify(self, tenant_id: str, user_ids: Sequence[str], subject: str, body: str) -> None:  # noqa: B027
        """Tell users about something (e.g. an alert rule's "notify"). Default: hosts without
        notifications ignore it; override to send e-mail or in-app messages."""

    # --- display labels -----------------------------------------------------------------------------
    def ticket_labels(self, tenant_id: str, ticket_ids: Sequence[str]) -> dict[str, str]:
        """How people name each ticket ("#42"), keyed by ticket id; ids left out get the default.

        Called once per page with every ticket id it shows (a page of 50 alerts is one call), so
        answer with one query. Default: ``#<id>``, right for hosts whose ticket id is its number;
        override it when people quote something else (a per-tenant number, or for UUID keys).
        """
        return {ticket_id: default_ticket_label(ticket_id) for ticket_id in ticket_ids}

    def asset_labels(self, tenant_id: str, asset_ids: Sequence[str]) -> dict[str, str]:
        """How people name each asset (its tag or name, e.g. "NW-LT-0012"), keyed by asset id.

        Batched like :meth:`ticket_labels`. Default: ``Asset <id>``.
        """
        return {asset_id: default_asset_label(asset_id) for asset_id in asset_ids}

    # --- navigation ---------------------------------------------------------------------------------
    @abc.abstractmethod
    def pages(self, tenant_id: str) -> HostPages:
        """URL templates of host pages with ``{id}`` placeholders, e.g. ``/assets/{id}``."""
