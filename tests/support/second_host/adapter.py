"""The second host's whole side of the seam: the lines a minimal host needs (counted in the report).

Ids cross the seam as strings; :func:`_uuid` turns them back and maps anything that is not one of
our UUIDs to ``None``, so a foreign or malformed id finds nothing instead of raising.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from flask import g, has_request_context, session, url_for
from sqlalchemy import or_, select, update

from flask_ninjaone import HostAdapter, Permission
from flask_ninjaone.host import (
    AdoptionKeys,
    AssetMatch,
    AssetRecord,
    ClientRef,
    HostPages,
    TenantRef,
    TicketDraft,
    TicketState,
    UserRef,
)

from .models import Case, Customer, Equipment, Member, Workspace, case_equipment, db

ROLES = {
    "owner": frozenset(Permission),
    "engineer": frozenset({Permission.VIEW, Permission.ALERTS, Permission.REMOTE, Permission.ACTIONS}),
    "auditor": frozenset({Permission.VIEW}),
}


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def signed_in() -> Member | None:
    """The member of this request's session (cached on ``g``); ``None`` outside requests."""
    if not has_request_context():
        return None
    if "member" not in g:
        g.member = db.session.get(Member, _uuid(session.get("member_id")))
    return g.member


def _workspace_ref(workspace: Workspace | None) -> TenantRef | None:
    return TenantRef(str(workspace.id), workspace.handle, workspace.title) if workspace else None


class SecondHostAdapter(HostAdapter):
    base_template = "ninjaone_shim.html"

    def current_tenant(self) -> TenantRef | None:
        member = signed_in()
        return _workspace_ref(db.session.get(Workspace, member.workspace_id)) if member else None

    def current_user(self) -> UserRef | None:
        member = signed_in()
        return UserRef(str(member.id), member.display_name, member.email) if member else None

    def has_permission(self, permission: Permission) -> bool:
        member = signed_in()
        return member is not None and permission in ROLES[member.role]

    def login_url(self, next_url: str) -> str:
        return url_for("signin", next=next_url)

    def find_tenant(self, ref: str) -> TenantRef | None:
        key = _uuid(ref)
        found = db.session.scalar(select(Workspace).where(or_(Workspace.id == key, Workspace.handle == ref)))
        return _workspace_ref(found)

    def list_users(self, tenant_id: str) -> list[UserRef]:
        members = db.session.scalars(select(Member).where(Member.workspace_id == _uuid(tenant_id)))
        return [UserRef(str(m.id), m.display_name, m.email) for m in members]

    def list_clients(self, tenant_id: str) -> list[ClientRef]:
        customers = db.session.scalars(select(Customer).where(Customer.workspace_id == _uuid(tenant_id)))
        return [ClientRef(str(c.id), c.label) for c in customers]

    def create_client(self, tenant_id: str, name: str) -> ClientRef:
        customer = Customer(id=uuid.uuid4(), workspace_id=_uuid(tenant_id), label=name)
        db.session.add(customer)
        return ClientRef(str(customer.id), customer.label)

    def match_assets(self, tenant_id: str, keys: Sequence[AdoptionKeys]) -> list[AssetMatch | None]:
        """One query; adopts by NinjaOne device id, then by serial (this host matches no names)."""
        serials = {key.serial_number for key in keys if key.serial_number}
        device_ids = {key.ninjaone_device_id for key in keys}
        query = select(Equipment).where(
            Equipment.workspace_id == _uuid(tenant_id),
            or_(Equipment.rmm_device_id.in_(device_ids), Equipment.serial.in_(serials)),
        )
        rows = db.session.scalars(query).all()
        by_device = {row.rmm_device_id: row for row in rows if row.rmm_device_id is not None}
        by_serial = {row.serial: row for row in rows if row.rmm_device_id is None and row.serial}
        matches: list[AssetMatch | None] = []
        for key in keys:
            if row := by_device.get(key.ninjaone_device_id):
                matches.append(AssetMatch(str(row.id), "ninjaone_id"))
            elif row := by_serial.pop(key.serial_number or "", None):
                matches.append(AssetMatch(str(row.id), "serial"))
            else:
                matches.append(None)
        return matches

    def upsert_assets(self, tenant_id: str, records: Sequence[AssetRecord]) -> list[str]:
        workspace_id = _uuid(tenant_id)
        customers = set(db.session.scalars(select(Customer.id).where(Customer.workspace_id == workspace_id)))
        if unknown := {r.client_id for r in records} - {str(c) for c in customers}:
            raise LookupError(f"customers {sorted(unknown)} are not in workspace {tenant_id}")
        wanted = {_uuid(r.host_asset_id) for r in records if r.host_asset_id}
        query = select(Equipment).where(Equipment.workspace_id == workspace_id, Equipment.id.in_(wanted))
        existing = {row.id: row for row in db.session.scalars(query)}
        ids = []
        for record in records:
            row = existing.get(_uuid(record.host_asset_id))
            if row is None:
                row = Equipment(id=uuid.uuid4(), workspace_id=workspace_id)
                db.session.add(row)
            row.customer_id = uuid.UUID(record.client_id)
            row.hostname = record.name
            row.kind = record.asset_type.value
            row.rmm_device_id = record.ninjaone_device_id
            row.serial = record.serial_number or row.serial
            row.online = record.agent_status == "online"
            row.retired_reason = None
            ids.append(str(row.id))
        return ids

    def retire_assets(self, tenant_id: str, host_asset_ids: Sequence[str], reason: str) -> None:
        ids = {_uuid(asset_id) for asset_id in host_asset_ids}
        db.session.execute(
            update(Equipment)
            .where(Equipment.workspace_id == _uuid(tenant_id), Equipment.id.in_(ids))
            .values(online=False, retired_reason=reason[:255])
        )

    def _equipment(self, tenant_id: str, asset_id: str) -> Equipment | None:
        row = db.session.get(Equipment, _uuid(asset_id)) if _uuid(asset_id) else None
        return row if row is not None and row.workspace_id == _uuid(tenant_id) else None

    def asset_exists(self, tenant_id: str, host_asset_id: str) -> bool:
        return self._equipment(tenant_id, host_asset_id) is not None

    def asset_device_id(self, tenant_id: str, host_asset_id: str) -> int | None:
        row = self._equipment(tenant_id, host_asset_id)
        return row.rmm_device_id if row is not None and row.retired_reason is None else None

    def _case(self, tenant_id: str, ticket_id: str) -> Case:
        case = db.session.get(Case, _uuid(ticket_id)) if _uuid(ticket_id) else None
        if case is None or case.workspace_id != _uuid(tenant_id):
            raise LookupError(f"no case {ticket_id} in workspace {tenant_id}")
        return case

    def create_ticket(self, tenant_id: str, draft: TicketDraft) -> str:
        equipment = [self._equipment(tenant_id, asset_id) for asset_id in draft.asset_ids]
        if None in equipment:
            raise LookupError(f"some of {draft.asset_ids} are not in workspace {tenant_id}")
        case = Case(
            id=uuid.uuid4(),
            workspace_id=_uuid(tenant_id),
            customer_id=_uuid(draft.client_id),
            subject=draft.title[:255],
            urgency=draft.priority,
            origin_ref=draft.external_ref,
            log=draft.description,
        )
        db.session.add(case)
        db.session.flush()
        links = [{"case_id": case.id, "equipment_id": row.id} for row in equipment]
        if links:
            db.session.execute(case_equipment.insert(), links)
        return str(case.id)

    def add_ticket_note(self, tenant_id: str, ticket_id: str, body: str) -> None:
        case = self._case(tenant_id, ticket_id)
        case.log += f"\n[NinjaOne] {body}"

    def close_ticket(self, tenant_id: str, ticket_id: str, note: str) -> None:
        self.add_ticket_note(tenant_id, ticket_id, note)
        self._case(tenant_id, ticket_id).is_open = False

    def reopen_ticket(self, tenant_id: str, ticket_id: str, note: str) -> None:
        self.add_ticket_note(tenant_id, ticket_id, note)
        self._case(tenant_id, ticket_id).is_open = True

    def ticket_state(self, tenant_id: str, ticket_id: str) -> TicketState:
        try:
            case = self._case(tenant_id, ticket_id)
        except LookupError:
            return TicketState(exists=False)
        return TicketState(exists=True, is_open=case.is_open, worked_by_human=case.touched_by_person)

    def ticket_asset_ids(self, tenant_id: str, ticket_id: str) -> list[str]:
        case = self._case(tenant_id, ticket_id)
        query = select(case_equipment.c.equipment_id).where(case_equipment.c.case_id == case.id)
        return [str(equipment_id) for equipment_id in db.session.scalars(query)]

    def pages(self, tenant_id: str) -> HostPages:
        return HostPages(asset="/equipment/{id}", ticket="/cases/{id}")
