"""NinjaOne locations → host sites, per mapped organization.

A host with sites (:meth:`~flask_ninjaone.host.HostAdapter.list_sites` answers a list) gets a page per
mapped organization: each of its locations mapped to a site of the organization's client, with a
suggestion by the same normalized-name match as organizations → clients, or a new site created after
the location. A location left unmapped puts its devices on the client without a site. Mappings hold
only for the client they were made for: an organization mapped to another client since starts again
without sites (the old sites are the other client's).

Locations come from the organization's row (``refresh_organizations`` reads ``GET /v2/locations`` on
every sync), so a location of another organization, or one NinjaOne no longer lists, is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..host import ClientRef, SiteRef
from ..labels import clean_label
from ..models import Integration, LocationSite, MappingState, OrganizationMapping
from ..state import get_state
from ..tenancy import require_tenant_id
from .client_mapping import MappingError, UnknownOrganization, mapping_row, normalize_name, suggestion_index

#: Longest site id the extension stores (the column's size).
SITE_ID_MAX = 64


class UnknownLocation(MappingError):
    """A location this organization does not have (pages answer 404)."""


class SitesUnsupported(MappingError):
    """The host has no sites (pages answer 404: the capability is hidden)."""


@dataclass(frozen=True)
class LocationView:
    """One row of the sites page."""

    location_id: int
    name: str
    site: SiteRef | None
    suggestion: SiteRef | None


@dataclass(frozen=True)
class OrganizationSites:
    """The sites page of one organization."""

    mapping: OrganizationMapping
    client: ClientRef
    sites: list[SiteRef]
    locations: list[LocationView]


#: Most sites a client's picker lists.
MAX_SITES = 1000


def client_sites(client_id: str) -> list[SiteRef] | None:
    """The client's sites, ``None`` when the host has no sites. Checked like any outside input:
    entries that are no :class:`SiteRef` with a short printable id are dropped, names are cleaned."""
    answer = get_state().host.list_sites(require_tenant_id(), client_id)
    if answer is None:
        return None
    found: dict[str, SiteRef] = {}
    for site in answer[: MAX_SITES * 2] if isinstance(answer, list | tuple) else ():
        if not isinstance(site, SiteRef) or not isinstance(site.id, str):
            continue
        if not site.id or len(site.id) > SITE_ID_MAX or not site.id.isprintable():
            continue
        found.setdefault(site.id, SiteRef(site.id, clean_label(site.name) or f"Site {site.id}"))
    return list(found.values())[:MAX_SITES]


def sites_supported(client_id: str) -> bool:
    """Whether the host has sites, asked about one of the tenant's clients (the answer is the same
    for every client: ``None`` declares the capability absent)."""
    return client_sites(client_id) is not None


def _mapped_organization(
    session: Session, integration: Integration, organization_id: int
) -> OrganizationMapping:
    row = mapping_row(session, integration, organization_id)
    if row.state != MappingState.MAPPED or not row.host_client_id:
        raise MappingError(f"Map {row.name} to a client first: its locations map to that client's sites.")
    return row


def _location(row: OrganizationMapping, location_id: int) -> dict[str, Any]:
    for location in row.locations or []:
        if location.get("id") == location_id:
            return dict(location)
    raise UnknownLocation(f"{row.name} has no NinjaOne location {location_id}.")


def _site_rows(
    session: Session, integration: Integration, location_ids: Iterable[int]
) -> dict[int, LocationSite]:
    ids = list(location_ids)
    if not ids:
        return {}
    return {
        row.location_id: row
        for row in session.scalars(
            select(LocationSite).where(
                LocationSite.integration_id == integration.id, LocationSite.location_id.in_(ids)
            )
        )
    }


def organization_sites(session: Session, integration: Integration, organization_id: int) -> OrganizationSites:
    """The organization's locations with their site and, when unmapped, a suggested site."""
    row = _mapped_organization(session, integration, organization_id)
    client_id = row.host_client_id or ""
    sites = client_sites(client_id)
    if sites is None:
        raise SitesUnsupported("This application has no sites.")
    clients = {client.id: client for client in get_state().host.list_clients(require_tenant_id())}
    client = clients.get(client_id, ClientRef(client_id, f"Client {client_id}"))
    by_id = {site.id: site for site in sites}
    by_name = suggestion_index(sites)
    locations = sorted(row.locations or [], key=lambda loc: (loc.get("name") or "", loc["id"]))
    mapped = _site_rows(session, integration, [loc["id"] for loc in locations])
    views = []
    for location in locations:
        site_row = mapped.get(location["id"])
        site = by_id.get(site_row.host_site_id) if site_row and site_row.host_client_id == client_id else None
        name = location.get("name") or f"Location {location['id']}"
        suggestion = None if site else by_name.get(normalize_name(name))
        views.append(LocationView(location["id"], name, site, suggestion))
    return OrganizationSites(row, client, sites, views)


def _store(
    session: Session,
    integration: Integration,
    row: OrganizationMapping,
    location_id: int,
    site_id: str | None,
) -> None:
    existing = _site_rows(session, integration, [location_id]).get(location_id)
    if site_id is None:
        if existing is not None:
            session.delete(existing)
        return
    if existing is None:
        existing = LocationSite(integration_id=integration.id, location_id=location_id)
        session.add(existing)
    existing.organization_id = row.organization_id
    existing.host_client_id = row.host_client_id or ""
    existing.host_site_id = site_id


def map_location(
    session: Session, integration: Integration, organization_id: int, location_id: int, site_id: str | None
) -> SiteRef | None:
    """Map one location to a site of its organization's client, or (``site_id=None``) unmap it. Commits.

    The site id must be one the host lists for that client now: a site of another client or tenant,
    or one the host does not know, is refused and nothing changes.
    """
    row = _mapped_organization(session, integration, organization_id)
    _location(row, location_id)
    site = None
    if site_id is not None:
        if not site_id or len(site_id) > SITE_ID_MAX:
            raise MappingError("That site does not exist.")
        sites = client_sites(row.host_client_id or "")
        if sites is None:
            raise SitesUnsupported("This application has no sites.")
        site = next((known for known in sites if known.id == site_id), None)
        if site is None:
            raise MappingError("That site does not exist for this client.")
    _store(session, integration, row, location_id, site_id)
    session.commit()
    return site


def create_site_for(
    session: Session, integration: Integration, organization_id: int, location_id: int
) -> SiteRef:
    """Create a site of the client named after the location, and map the location to it. Commits
    both together: the host's ``create_site`` does not commit, so a failure leaves neither."""
    row = _mapped_organization(session, integration, organization_id)
    location = _location(row, location_id)
    client_id = row.host_client_id or ""
    if client_sites(client_id) is None:
        raise SitesUnsupported("This application has no sites.")
    name = (location.get("name") or "").strip() or f"Location {location_id}"
    try:
        site = get_state().host.create_site(require_tenant_id(), client_id, name)
        if not site.id or len(site.id) > SITE_ID_MAX:
            raise MappingError(f"The new site's id {site.id[:80]!r} is not one the extension can store.")
        _store(session, integration, row, location_id, site.id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return site


def site_map(
    session: Session, integration: Integration, clients: dict[int, str]
) -> dict[int, dict[int, str]]:
    """Per organization (of ``clients``: organization id → its client now), location id → site id.

    Rows made for another client than the organization's current one are left out. Read once per
    sync run (and per webhook device): a few rows per organization.
    """
    found: dict[int, dict[int, str]] = {}
    if not clients:
        return found
    for site in session.scalars(select(LocationSite).where(LocationSite.integration_id == integration.id)):
        if clients.get(site.organization_id) == site.host_client_id:
            found.setdefault(site.organization_id, {})[site.location_id] = site.host_site_id
    return found


__all__ = [
    "LocationView",
    "MappingError",
    "OrganizationSites",
    "SitesUnsupported",
    "UnknownLocation",
    "UnknownOrganization",
    "create_site_for",
    "map_location",
    "organization_sites",
    "site_map",
    "sites_supported",
]
