"""Organization → client mapping: list with suggestions, map, create client, bulk-apply suggestions.

Suggestions match a normalized organization name against the host's client names ("Acme, Inc."
and "ACME" are the same company). They are only ever suggestions: nothing is mapped until a human
confirms, because dumping an MSP's customers' devices into the wrong client is worse than holding
them back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..host import ClientRef
from ..models import Integration, MappingState, OrganizationMapping
from ..state import get_state
from ..tenancy import require_tenant_id

_SUFFIXES = {
    "inc",
    "llc",
    "ltd",
    "gmbh",
    "corp",
    "corporation",
    "co",
    "company",
    "the",
    "plc",
    "ag",
    "sa",
    "bv",
}


class MappingError(Exception):
    """A mapping request that cannot be applied; the message is meant for the user."""


class UnknownOrganization(MappingError):
    """No such organization in this tenant's connection (pages answer 404)."""


def normalize_name(name: str) -> str:
    """Lower-case, accent-free, punctuation-free name without legal suffixes, for matching only."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [word for word in re.split(r"[^a-z0-9]+", text) if word and word not in _SUFFIXES]
    return " ".join(words)


@dataclass(frozen=True)
class OrganizationView:
    """One row of the mapping page."""

    mapping: OrganizationMapping
    client: ClientRef | None
    suggestion: ClientRef | None


def organizations(session: Session, integration: Integration) -> list[OrganizationView]:
    """Every organization with its mapped client and, when unmapped, a suggested client."""
    clients = get_state().host.list_clients(require_tenant_id())
    by_id = {client.id: client for client in clients}
    by_name: dict[str, ClientRef] = {}
    for client in clients:
        by_name.setdefault(normalize_name(client.name), client)
    rows = session.scalars(
        select(OrganizationMapping)
        .where(OrganizationMapping.integration_id == integration.id)
        .order_by(OrganizationMapping.name, OrganizationMapping.organization_id)
    )
    views = []
    for row in rows:
        mapped = by_id.get(row.host_client_id or "")
        suggestion = None if mapped else by_name.get(normalize_name(row.name))
        views.append(OrganizationView(row, mapped, suggestion))
    return views


def _mapping(session: Session, integration: Integration, organization_id: int) -> OrganizationMapping:
    row = session.scalars(
        select(OrganizationMapping).where(
            OrganizationMapping.integration_id == integration.id,
            OrganizationMapping.organization_id == organization_id,
        )
    ).one_or_none()
    if row is None:
        raise UnknownOrganization(f"No NinjaOne organization {organization_id} in this connection.")
    return row


def map_organization(
    session: Session,
    integration: Integration,
    organization_id: int,
    client_id: str | None,
    *,
    auto_sync: bool,
) -> OrganizationMapping:
    """Map (or, with ``client_id=None``, unmap) one organization. Commits."""
    row = _mapping(session, integration, organization_id)
    if row.state == MappingState.DELETED:
        raise MappingError(f"{row.name} was deleted in NinjaOne and cannot be mapped.")
    if client_id:
        clients = {client.id for client in get_state().host.list_clients(require_tenant_id())}
        if client_id not in clients:
            raise MappingError("That client does not exist.")
        row.host_client_id = client_id
        row.state = MappingState.MAPPED
    else:
        row.host_client_id = None
        row.state = MappingState.UNMAPPED
    row.auto_sync = auto_sync
    row.error = None
    session.commit()
    return row


def create_client_for(session: Session, integration: Integration, organization_id: int) -> ClientRef:
    """Create a host client named after the organization and map the organization to it. Commits."""
    row = _mapping(session, integration, organization_id)
    if row.state == MappingState.DELETED:
        raise MappingError(f"{row.name} was deleted in NinjaOne.")
    client = get_state().host.create_client(require_tenant_id(), row.name)
    row.host_client_id = client.id
    row.state = MappingState.MAPPED
    session.commit()
    return client


def apply_suggestions(session: Session, integration: Integration, *, create_missing: bool = False) -> int:
    """Map every unmapped organization to its suggested client (optionally creating missing ones).

    Only called after an explicit confirmation (page) or ``--all`` (CLI). Returns how many mapped.
    """
    mapped = 0
    for view in organizations(session, integration):
        row = view.mapping
        if row.state != MappingState.UNMAPPED:
            continue
        client = view.suggestion
        if client is None and create_missing:
            client = get_state().host.create_client(require_tenant_id(), row.name)
        if client is None:
            continue
        row.host_client_id = client.id
        row.state = MappingState.MAPPED
        mapped += 1
    session.commit()
    return mapped
