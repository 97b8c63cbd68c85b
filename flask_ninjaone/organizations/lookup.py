"""Reading the tenant's organizations for the pages and commands: whether an organization id that came
in a URL is one of an integration's, the names the rule and window pickers offer, and an integration's
organizations for ``flask ninjaone orgs``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Integration, OrganizationMapping


def find_organization(
    session: Session, integration: Integration, organization_id: int
) -> OrganizationMapping | None:
    """Organization ``organization_id`` of ``integration`` (``None`` for one it does not have; another
    tenant's never: tenancy filters the read)."""
    return session.scalars(
        select(OrganizationMapping).where(
            OrganizationMapping.integration_id == integration.id,
            OrganizationMapping.organization_id == organization_id,
        )
    ).one_or_none()


def organizations_by_id(
    session: Session, integration: Integration, organization_ids: Iterable[int]
) -> dict[int, OrganizationMapping]:
    """The organizations of ``integration`` among ``organization_ids``, by id (one query; ids it does
    not have are absent)."""
    return {
        row.organization_id: row
        for row in session.scalars(
            select(OrganizationMapping).where(
                OrganizationMapping.integration_id == integration.id,
                OrganizationMapping.organization_id.in_(sorted(set(organization_ids))),
            )
        )
    }


def has_organization(session: Session, integration: Integration, organization_id: int) -> bool:
    """Whether ``integration`` has organization ``organization_id``: the pages answer 404 when not, for
    another tenant's as for one that does not exist."""
    return find_organization(session, integration, organization_id) is not None


def organization_names(session: Session, integration_id: int | None = None) -> list[tuple[int, str]]:
    """(organization id, name) of every organization the tenant's integrations know, or only instance
    ``integration_id``'s (ids are numbered per instance: a rule picks them in one), by name."""
    query = select(OrganizationMapping.organization_id, OrganizationMapping.name)
    if integration_id is not None:
        query = query.where(OrganizationMapping.integration_id == integration_id)
    return [(org_id, name) for org_id, name in session.execute(query.order_by(OrganizationMapping.name))]


def integration_organizations(session: Session, integration: Integration) -> list[OrganizationMapping]:
    """The integration's organizations with their mapping state, by name."""
    query = select(OrganizationMapping).where(OrganizationMapping.integration_id == integration.id)
    return list(session.scalars(query.order_by(OrganizationMapping.name)))
