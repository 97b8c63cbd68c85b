"""The sample host's side of the seam: :class:`SampleHostAdapter` answers the extension from host tables.

Ids cross the seam as strings and are turned back into integers here. No method commits: the
extension commits the host's writes together with its own bookkeeping, so a failed batch leaves
neither side half-written. Methods that take ``tenant_id`` may run in a worker without a request, so
they never look at the session.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import ColumnElement, String, func, insert, or_, select, update

from flask_ninjaone.bulk import analyze_after_bulk_load, in_values, insert_rows
from flask_ninjaone.host import (
    AdoptionKeys,
    AssetAttribute,
    AssetMatch,
    AssetRecord,
    AttributeUpdate,
    ClientRef,
    ContactRef,
    FieldChoice,
    HostAdapter,
    HostPages,
    LogonUser,
    Permission,
    SiteRef,
    TenantRef,
    TicketDraft,
    TicketState,
    UserRef,
    Volume,
)

from . import asset_attributes, auth, ticketing
from .database import db
from .models import (
    ASSET_TYPES,
    TICKET_BOARDS,
    TICKET_PRIORITIES,
    Asset,
    Client,
    Notification,
    Site,
    Tenant,
    Ticket,
    User,
    normalize_serial,
    ticket_assets,
)
from .roles import role_has_permission

logger = logging.getLogger(__name__)

#: ``Asset.external_source`` of assets that NinjaOne manages.
SOURCE = "ninjaone"
#: Board of tickets the integration opens when the draft names none.
INTEGRATION_BOARD = "Alerts"


def _to_int(value: str | None) -> int | None:
    """A host id from its seam form; ``None`` for anything that cannot be one of our ids."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _utc(moment: datetime | None) -> datetime | None:
    """Store instants in UTC: SQLite keeps no offset, so a non-UTC time would silently shift."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC)


def _tenant_ref(tenant: Tenant) -> TenantRef:
    return TenantRef(id=str(tenant.id), slug=tenant.slug, name=tenant.name)


def _in_tenant(
    model: type[Client | User], tenant_id: int, object_id: int | None, *extra: ColumnElement[bool]
) -> bool:
    """Whether the tenant has this row: ids from the extension are checked, never trusted."""
    query = select(model.id).where(model.tenant_id == tenant_id, model.id == object_id, *extra)
    return db.session.scalar(query) is not None


def _adoptable() -> ColumnElement[bool]:
    """Assets a serial or name match may adopt: not linked to another live NinjaOne device.

    A retired asset (its device deleted) may be adopted by the re-enrolled device with the same
    serial; an active asset of another device may not, or two devices would fight over one row.
    """
    return or_(Asset.external_id.is_(None), Asset.external_source != SOURCE, Asset.status == "inactive")


def _asset_type(record: AssetRecord) -> str:
    """The mapped type when the device-type table gave one of ours, else the class default."""
    if record.host_asset_type in ASSET_TYPES:
        return record.host_asset_type
    return record.asset_type.value


def _record_columns(record: AssetRecord, sites: dict[tuple[int, str], int]) -> dict[str, Any]:
    """What NinjaOne knows about an asset, column by column; ``None`` means "unknown" except for the
    site, where it means "no site" (``sites``: the batch's known sites by client and id)."""
    client_id = int(record.client_id)
    return {
        "client_id": client_id,
        "site_id": sites.get((client_id, record.site_id)) if record.site_id else None,
        "name": record.name,
        "asset_type": _asset_type(record),
        "is_virtual": record.is_virtual,
        "agent_status": record.agent_status,
        "status": "active",
        "inactive_reason": None,
        "external_source": SOURCE,
        "external_id": str(record.ninjaone_device_id),
        "location": record.location_name,
        "last_seen": _utc(record.last_seen),
        "manufacturer": record.manufacturer,
        "model": record.model,
        "serial_number": record.serial_number,
        "os_name": record.os_name,
        "os_version": record.os_version,
        "os_build": record.os_build,
        "os_architecture": record.os_architecture,
        "cpu_model": record.cpu_model,
        "cpu_cores": record.cpu_cores,
        "ram_gb": record.ram_gb,
        "storage_total_gb": record.storage_total_gb,
        "ip_addresses": list(record.ip_addresses) or None,
        "mac_addresses": list(record.mac_addresses) or None,
        "public_ip": record.public_ip,
        "last_user": record.last_logged_in_user,
        "last_boot": _utc(record.last_boot),
        "external_url": record.ninjaone_url,
    }


#: Columns written on every sync, even as ``None``; the others keep their value when NinjaOne has none.
_ALWAYS_WRITTEN = frozenset({"status", "inactive_reason", "site_id"})


#: A volume's fields, in order (what ``dataclasses.asdict`` gives, without its recursive deep copy:
#: the values are scalars, and asdict was a tenth of a first sync's mapping CPU).
_VOLUME_FIELDS = tuple(field.name for field in fields(Volume))


def _volume(volume: Volume) -> dict[str, Any]:
    return {name: getattr(volume, name) for name in _VOLUME_FIELDS}


def _record_details(record: AssetRecord) -> dict[str, Any]:
    """Type-specific extras for ``Asset.details`` (only what NinjaOne reported)."""
    extras: dict[str, Any] = {
        "node_class": record.node_class,
        "approval_status": record.approval_status,
        "cpu_count": record.cpu_count,
        "volumes": [_volume(volume) for volume in record.volumes] or None,
    }
    return {key: value for key, value in extras.items() if value is not None}


def _apply_record(asset: Asset, record: AssetRecord, sites: dict[tuple[int, str], int]) -> None:
    """Copy what NinjaOne knows onto the asset. ``None`` (and empty lists) mean "unknown", so they
    never clear a value (the site excepted: no site is a fact); host-owned fields (notes, custom
    attributes) are not touched at all."""
    for column, value in _record_columns(record, sites).items():
        if value is not None or column in _ALWAYS_WRITTEN:
            setattr(asset, column, value)
    asset.details = {
        **(asset.details or {}),
        **_record_details(record),
    }  # a new dict: the JSON column sees it


def _new_asset_row(tenant_id: int, record: AssetRecord, sites: dict[tuple[int, str], int]) -> dict[str, Any]:
    """A new asset as one row of a bulk insert (every key present, as executemany needs)."""
    row = _record_columns(record, sites)
    row.update(
        tenant_id=tenant_id,
        serial_key=normalize_serial(record.serial_number),
        ip_addresses=row["ip_addresses"] or [],
        mac_addresses=row["mac_addresses"] or [],
        details=_record_details(record),
        notes="",
        custom_attributes={},
    )
    return row


def _insert_assets(rows: list[dict[str, Any]]) -> list[int]:
    """Insert new assets in bulk and return their ids in the rows' order.

    On PostgreSQL the ids are drawn from the table's sequence first (one query), so the rows go out
    as plain executemany calls (``flask_ninjaone.bulk``): an ``INSERT ... RETURNING`` of a thousand
    rows is a statement of a megabyte that the driver parses again for every page. Elsewhere
    SQLAlchemy's ordered ``RETURNING`` does the job. When a batch at least doubles what the
    table's planner statistics describe (early in a first sync), the table is analyzed, so the next
    batches' lookups use their indexes (``flask_ninjaone.bulk.analyze_after_bulk_load``).
    """
    table = Asset.__table__
    if db.session.get_bind().dialect.name != "postgresql":
        return list(
            db.session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        )
    sequence = func.pg_get_serial_sequence(table.name, "id")
    ids = list(
        db.session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows))))
    )
    insert_rows(db.session, table, [{**row, "id": asset_id} for row, asset_id in zip(rows, ids, strict=True)])
    analyze_after_bulk_load(db.session, table, len(rows))
    return ids


def _known_sites(tenant_id: int, records: Sequence[AssetRecord]) -> dict[tuple[int, str], int]:
    """The batch's site ids that are sites of the record's client in this tenant, in one query. A site
    id this host does not know (deleted since it was mapped, or another client's) means "no site"
    rather than failing the batch."""
    wanted = {site_id for record in records if (site_id := _to_int(record.site_id)) is not None}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Site.id, Site.client_id).where(Site.tenant_id == tenant_id, in_values(Site.id, wanted))
    )
    return {(row.client_id, str(row.id)): row.id for row in rows}


class SampleHostAdapter(HostAdapter):
    """Implements every :class:`HostAdapter` method against the sample host's tables."""

    base_template = "base.html"

    # --- request context -------------------------------------------------------------------------
    @staticmethod
    def _request_user() -> User | None:
        return auth.current_user() if has_request_context() else None

    def current_tenant(self) -> TenantRef | None:
        user = self._request_user()
        return _tenant_ref(user.tenant) if user else None

    def current_user(self) -> UserRef | None:
        user = self._request_user()
        return UserRef(id=str(user.id), name=user.name, email=user.email) if user else None

    def has_permission(self, permission: Permission) -> bool:
        user = self._request_user()
        return user is not None and role_has_permission(user.role, permission)

    def login_url(self, next_url: str) -> str:
        return auth.login_url(next_url)

    # --- tenants and users --------------------------------------------------------------------------
    def find_tenant(self, ref: str) -> TenantRef | None:
        """By id first (``"2"``), then by slug (``"acme"``)."""
        ref = ref.strip()
        tenant_id = _to_int(ref)
        tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
        if tenant is None:
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == ref.lower()))
        return _tenant_ref(tenant) if tenant else None

    def list_users(self, tenant_id: str) -> list[UserRef]:
        users = db.session.scalars(
            select(User).where(User.tenant_id == _to_int(tenant_id), User.active).order_by(User.name)
        )
        return [UserRef(id=str(user.id), name=user.name, email=user.email) for user in users]

    # --- clients ------------------------------------------------------------------------------------
    def list_clients(self, tenant_id: str) -> list[ClientRef]:
        clients = db.session.scalars(
            select(Client).where(Client.tenant_id == _to_int(tenant_id)).order_by(Client.name)
        )
        return [ClientRef(id=str(client.id), name=client.name) for client in clients]

    def create_client(self, tenant_id: str, name: str) -> ClientRef:
        """Returns the existing client when one already has this name (case-insensitively): client
        names are unique per tenant, and mapping onto it is what the operator meant."""
        tid = int(tenant_id)
        name = name.strip()
        client = db.session.scalar(
            select(Client).where(Client.tenant_id == tid, func.lower(Client.name) == name.lower())
        )
        if client is None:
            client = Client(tenant_id=tid, name=name, notes="")
            db.session.add(client)
            db.session.flush()
        return ClientRef(id=str(client.id), name=client.name)

    # --- sites ---------------------------------------------------------------------------------------
    def list_sites(self, tenant_id: str, client_id: str) -> list[SiteRef] | None:
        sites = db.session.scalars(
            select(Site)
            .where(Site.tenant_id == _to_int(tenant_id), Site.client_id == _to_int(client_id))
            .order_by(Site.name)
        )
        return [SiteRef(id=str(site.id), name=site.name) for site in sites]

    def create_site(self, tenant_id: str, client_id: str, name: str) -> SiteRef:
        """Returns the client's site of that name (case-insensitively) when there is one; a client
        outside the tenant raises ``LookupError``."""
        tid = int(tenant_id)
        cid = _to_int(client_id)
        if not _in_tenant(Client, tid, cid):
            raise LookupError(f"client {client_id} does not exist in tenant {tid}")
        name = name.strip()[:200]
        site = db.session.scalar(
            select(Site).where(
                Site.tenant_id == tid, Site.client_id == cid, func.lower(Site.name) == name.lower()
            )
        )
        if site is None:
            site = Site(tenant_id=tid, client_id=cid, name=name)
            db.session.add(site)
            db.session.flush()
        return SiteRef(id=str(site.id), name=site.name)

    # --- asset types ---------------------------------------------------------------------------------
    def asset_types(self, tenant_id: str) -> list[FieldChoice] | None:
        return [FieldChoice(value, value.replace("_", " ").capitalize()) for value in ASSET_TYPES]

    # --- assets (batched) ---------------------------------------------------------------------------
    def match_assets(self, tenant_id: str, keys: Sequence[AdoptionKeys]) -> list[AssetMatch | None]:
        """Three queries at most (device ids, serials, names), whatever the batch size.

        Each query carries the batch's values as literals (``in_values``): planned with them every
        time, never a prepared generic plan that filters the tenant's assets one by one.

        Each host asset is handed out once per batch, to the first key that matches it. Serials
        compare case-insensitively; names compare case-insensitively within the key's client
        (ASCII-only on SQLite, whose ``lower()`` knows no other letters).
        """
        tid = int(tenant_id)
        results: list[AssetMatch | None] = [None] * len(keys)
        claimed: set[int] = set()

        def claim(index: int, asset_id: int | None, matched_by: str) -> None:
            if asset_id is not None and asset_id not in claimed:
                claimed.add(asset_id)
                results[index] = AssetMatch(host_asset_id=str(asset_id), matched_by=matched_by)

        device_ids = {str(key.ninjaone_device_id) for key in keys}
        by_device: dict[str, int] = {}
        for asset_id, external_id in db.session.execute(
            select(Asset.id, Asset.external_id)
            .where(
                Asset.tenant_id == tid,
                Asset.external_source == SOURCE,
                in_values(Asset.external_id, device_ids),
            )
            .order_by(Asset.id)
        ):
            by_device.setdefault(external_id, asset_id)
        for index, key in enumerate(keys):
            claim(index, by_device.get(str(key.ninjaone_device_id)), "ninjaone_id")

        serials = {
            index: serial
            for index, key in enumerate(keys)
            if results[index] is None and (serial := normalize_serial(key.serial_number))
        }
        if serials:
            by_serial: dict[str, int] = {}
            for asset_id, serial_key in db.session.execute(
                select(Asset.id, Asset.serial_key)
                .where(
                    Asset.tenant_id == tid, in_values(Asset.serial_key, set(serials.values())), _adoptable()
                )
                .order_by(Asset.id)
            ):
                by_serial.setdefault(serial_key, asset_id)
            for index, serial in serials.items():
                claim(index, by_serial.get(serial), "serial")

        names = {
            index: (client_id, key.name.strip().lower())
            for index, key in enumerate(keys)
            if results[index] is None and (client_id := _to_int(key.client_id)) is not None
        }
        if names:
            by_name: dict[tuple[int, str], int] = {}
            for asset_id, client_id, name in db.session.execute(
                select(Asset.id, Asset.client_id, func.lower(Asset.name))
                .where(
                    Asset.tenant_id == tid,
                    in_values(Asset.client_id, {client_id for client_id, _ in names.values()}),
                    in_values(func.lower(Asset.name, type_=String), {name for _, name in names.values()}),
                    _adoptable(),
                )
                .order_by(Asset.id)
            ):
                by_name.setdefault((client_id, name), asset_id)
            for index, pair in names.items():
                claim(index, by_name.get(pair), "name")
        return results

    def upsert_assets(self, tenant_id: str, records: Sequence[AssetRecord]) -> list[str]:
        """Two SELECTs (clients, existing assets), one flush of the changed assets (an executemany
        UPDATE) and one bulk INSERT of the new ones, returning their ids in the records' order.

        New assets skip the ORM's unit of work: building and flushing a thousand objects a page cost
        more than the rows themselves. A ``host_asset_id`` that no longer exists in this tenant gets
        a new asset rather than failing the batch forever; a client id outside the tenant is a
        mapping bug and raises ``LookupError``.
        """
        tid = int(tenant_id)
        client_ids = {int(record.client_id) for record in records}
        known_clients = set(
            db.session.scalars(
                select(Client.id).where(Client.tenant_id == tid, in_values(Client.id, client_ids))
            )
        )
        if unknown := client_ids - known_clients:
            raise LookupError(f"clients {sorted(unknown)} do not exist in tenant {tid}")
        sites = _known_sites(tid, records)

        wanted = {asset_id for record in records if (asset_id := _to_int(record.host_asset_id)) is not None}
        query = select(Asset).where(Asset.tenant_id == tid, in_values(Asset.id, wanted))
        existing = {asset.id: asset for asset in db.session.scalars(query)} if wanted else {}
        ids: list[int | None] = []
        new_rows: list[dict[str, Any]] = []
        for record in records:
            asset_id = _to_int(record.host_asset_id)
            asset = existing.get(asset_id) if asset_id is not None else None
            if asset is None:
                if record.host_asset_id is not None:
                    logger.warning(
                        "asset %s of tenant %s is gone; creating a new one for NinjaOne device %s",
                        record.host_asset_id,
                        tid,
                        record.ninjaone_device_id,
                    )
                new_rows.append(_new_asset_row(tid, record, sites))
                ids.append(None)
            else:
                _apply_record(asset, record, sites)
                ids.append(asset.id)
        db.session.flush()
        if new_rows:
            created = iter(_insert_assets(new_rows))
            ids = [asset_id if asset_id is not None else next(created) for asset_id in ids]
        return [str(asset_id) for asset_id in ids]

    def retire_assets(self, tenant_id: str, host_asset_ids: Sequence[str], reason: str) -> None:
        """One UPDATE; the rows stay, so tickets and history that point at them keep working."""
        ids = {asset_id for value in host_asset_ids if (asset_id := _to_int(value)) is not None}
        if not ids:
            return
        db.session.execute(
            update(Asset)
            .where(Asset.tenant_id == int(tenant_id), Asset.id.in_(ids))
            .values(status="inactive", agent_status="unknown", inactive_reason=reason[:255])
        )

    def host_owned_fields(self) -> frozenset[str]:
        return frozenset({"notes", "custom_attributes"})

    def asset_exists(self, tenant_id: str, host_asset_id: str) -> bool:
        asset_id = _to_int(host_asset_id)
        if asset_id is None:
            return False
        found = db.session.execute(
            select(Asset.id).where(Asset.tenant_id == _to_int(tenant_id), Asset.id == asset_id)
        ).first()
        return found is not None

    def asset_device_id(self, tenant_id: str, host_asset_id: str) -> int | None:
        """Only active NinjaOne assets count: a retired asset is no longer managed."""
        row = db.session.execute(
            select(Asset.external_source, Asset.external_id, Asset.status).where(
                Asset.tenant_id == _to_int(tenant_id), Asset.id == _to_int(host_asset_id)
            )
        ).first()
        if row is None or row.external_source != SOURCE or row.status != "active":
            return None
        return _to_int(row.external_id)

    # --- custom fields and contacts -----------------------------------------------------------------
    contacts_supported = True

    def asset_attributes(self, tenant_id: str) -> list[AssetAttribute] | None:
        return list(asset_attributes.ATTRIBUTES)

    def set_asset_attributes(self, tenant_id: str, updates: Sequence[AttributeUpdate]) -> None:
        asset_attributes.set_attributes(int(tenant_id), updates)

    def find_contacts(
        self, tenant_id: str, users: Sequence[LogonUser], create: bool
    ) -> list[ContactRef | None]:
        return asset_attributes.find_contacts(int(tenant_id), users, create)

    # --- tickets ------------------------------------------------------------------------------------
    def _ticket(self, tenant_id: str, ticket_id: str) -> Ticket | None:
        """By primary key, so a ticket already read in this transaction (the alert lifecycle asks
        for its state, then notes or closes it) costs no second query."""
        ticket_pk = _to_int(ticket_id)
        ticket = db.session.get(Ticket, ticket_pk) if ticket_pk is not None else None
        return ticket if ticket is not None and ticket.tenant_id == _to_int(tenant_id) else None

    def _require_ticket(self, tenant_id: str, ticket_id: str) -> Ticket:
        ticket = self._ticket(tenant_id, ticket_id)
        if ticket is None:
            raise LookupError(f"ticket {ticket_id} does not exist in tenant {tenant_id}")
        return ticket

    def create_ticket(self, tenant_id: str, draft: TicketDraft) -> str:
        """Ids in the draft must belong to the tenant (``LookupError`` otherwise). Without a client,
        the ticket takes the client of its assets when they all share one."""
        tid = int(tenant_id)
        if draft.priority not in TICKET_PRIORITIES:
            raise ValueError(f"unknown priority {draft.priority!r}; expected one of {TICKET_PRIORITIES}")
        asset_ids = {_to_int(value) for value in draft.asset_ids}
        assets = list(
            db.session.scalars(select(Asset).where(Asset.tenant_id == tid, Asset.id.in_(asset_ids)))
        )
        if len(assets) != len(asset_ids):
            raise LookupError(f"some of assets {list(draft.asset_ids)} do not exist in tenant {tid}")

        client_id = _to_int(draft.client_id)
        if draft.client_id is not None and not _in_tenant(Client, tid, client_id):
            raise LookupError(f"client {draft.client_id} does not exist in tenant {tid}")
        if client_id is None and len({asset.client_id for asset in assets}) == 1:
            client_id = assets[0].client_id

        assignee_id = _to_int(draft.assignee_id)
        if draft.assignee_id is not None and not _in_tenant(User, tid, assignee_id, User.active):
            raise LookupError(f"user {draft.assignee_id} is not an active user of tenant {tid}")

        title = draft.title if len(draft.title) <= 255 else draft.title[:254] + "…"
        ticket = ticketing.open_ticket(
            tid,
            title=title,
            description=draft.description,
            priority=draft.priority,
            board=draft.board or INTEGRATION_BOARD,
            client_id=client_id,
            assignee_id=assignee_id,
            source=draft.source,
            external_ref=draft.external_ref,
            assets=assets,
        )
        return str(ticket.id)

    def add_ticket_note(self, tenant_id: str, ticket_id: str, body: str) -> None:
        ticketing.add_note(self._require_ticket(tenant_id, ticket_id), body, author=None, internal=True)

    def close_ticket(self, tenant_id: str, ticket_id: str, note: str) -> None:
        """Closing an already closed ticket is a no-op, so a retried job adds no second note."""
        ticketing.close_ticket(self._require_ticket(tenant_id, ticket_id), actor=None, note=note)

    def reopen_ticket(self, tenant_id: str, ticket_id: str, note: str) -> None:
        ticketing.reopen_ticket(self._require_ticket(tenant_id, ticket_id), actor=None, note=note)

    def ticket_state(self, tenant_id: str, ticket_id: str) -> TicketState:
        ticket = self._ticket(tenant_id, ticket_id)
        if ticket is None:
            return TicketState(exists=False)
        return TicketState(
            exists=True, is_open=ticket.is_open, worked_by_human=ticketing.worked_by_human(ticket.id)
        )

    def ticket_asset_ids(self, tenant_id: str, ticket_id: str) -> list[str]:
        asset_ids = db.session.scalars(
            select(ticket_assets.c.asset_id)
            .join(Ticket, Ticket.id == ticket_assets.c.ticket_id)
            .where(Ticket.tenant_id == _to_int(tenant_id), Ticket.id == _to_int(ticket_id))
            .order_by(ticket_assets.c.asset_id)
        )
        return [str(asset_id) for asset_id in asset_ids]

    def ticket_labels(self, tenant_id: str, ticket_ids: Sequence[str]) -> dict[str, str]:
        """People quote the per-tenant number ("#6"), not the row id; one query for the page."""
        wanted = {value for raw in ticket_ids if (value := _to_int(raw)) is not None}
        rows = db.session.execute(
            select(Ticket.id, Ticket.number).where(
                Ticket.tenant_id == _to_int(tenant_id), Ticket.id.in_(wanted)
            )
        )
        return {str(row.id): f"#{row.number}" for row in rows}

    def asset_labels(self, tenant_id: str, asset_ids: Sequence[str]) -> dict[str, str]:
        """Assets are known by their name (the sample host has no asset tags); one query."""
        wanted = {value for raw in asset_ids if (value := _to_int(raw)) is not None}
        rows = db.session.execute(
            select(Asset.id, Asset.name).where(Asset.tenant_id == _to_int(tenant_id), Asset.id.in_(wanted))
        )
        return {str(row.id): row.name for row in rows}

    def ticket_field_choices(self, tenant_id: str, field: str) -> list[FieldChoice] | None:
        """The sample host's boards are a fixed list, and its priorities read "P1 – Urgent" …"""
        if field == "board":
            return [FieldChoice(board, board) for board in TICKET_BOARDS]
        if field == "priority":
            return [
                FieldChoice(priority, f"P{rank} – {priority.title()}")
                for rank, priority in enumerate(TICKET_PRIORITIES, start=1)
            ]
        return None

    def notify(self, tenant_id: str, user_ids: Sequence[str], subject: str, body: str) -> None:
        """An in-app notification per active user of the tenant (shown on their dashboard); ids of
        other tenants' users are dropped rather than leaking the message across tenants."""
        tid = int(tenant_id)
        wanted = {user_id for value in user_ids if (user_id := _to_int(value)) is not None}
        recipients = db.session.scalars(
            select(User.id).where(User.tenant_id == tid, User.id.in_(wanted), User.active)
        ).all()
        db.session.add_all(
            Notification(tenant_id=tid, user_id=user_id, subject=subject[:255], body=body)
            for user_id in recipients
        )
        logger.info("notified %d user(s) of tenant %s: %s", len(recipients), tid, subject)

    # --- navigation ---------------------------------------------------------------------------------
    def pages(self, tenant_id: str) -> HostPages:
        """Paths of the host's detail pages; they are the same for every tenant. Built by hand, not
        with ``url_for``, because workers have no request to build URLs from."""
        root = request.script_root if has_request_context() else current_app.config["APPLICATION_ROOT"]
        root = root.rstrip("/")
        return HostPages(
            asset=f"{root}/assets/{{id}}",
            ticket=f"{root}/tickets/{{id}}",
            client=f"{root}/clients/{{id}}",
            settings=f"{root}/settings/integrations",
        )
