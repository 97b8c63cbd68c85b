"""Keep the local list of NinjaOne organizations (and their locations) in step with NinjaOne."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..client import NinjaOneClient
from ..models import Integration, MappingState, OrganizationMapping
from ..models.base import utcnow


def refresh_organizations(session: Session, integration: Integration, client: NinjaOneClient) -> int:
    """Upsert every organization; flag (never drop) those gone from NinjaOne. Returns how many exist.

    New organizations start unmapped, so their devices are held back until an admin maps them.
    Organizations and locations are a few hundred rows at most, so they are read whole.
    """
    existing = {
        row.organization_id: row
        for row in session.scalars(
            select(OrganizationMapping).where(OrganizationMapping.integration_id == integration.id)
        )
    }
    locations: dict[int, list[dict[str, Any]]] = {}
    for location in client.locations():
        org_id = location.get("organizationId")
        if org_id is not None:
            locations.setdefault(org_id, []).append({"id": location["id"], "name": location.get("name", "")})
    seen: set[int] = set()
    for org in client.organizations():
        seen.add(org["id"])
        row = existing.get(org["id"])
        if row is None:
            row = OrganizationMapping(
                integration_id=integration.id, organization_id=org["id"], state=MappingState.UNMAPPED
            )
            session.add(row)
        row.name = org.get("name") or f"Organization {org['id']}"
        row.description = org.get("description")
        row.locations = sorted(locations.get(org["id"], []), key=lambda loc: loc["id"])
        if row.state == MappingState.DELETED:
            row.state = MappingState.MAPPED if row.host_client_id else MappingState.UNMAPPED
            row.deleted_at = None
    for org_id, row in existing.items():
        if org_id not in seen and row.state != MappingState.DELETED:
            row.state = MappingState.DELETED
            row.deleted_at = utcnow()
    return len(seen)
