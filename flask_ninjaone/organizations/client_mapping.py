"""Organization → client mapping: list with suggestions, map, create client, bulk-apply suggestions.

Suggestions match a normalized organization name against the host's client names ("Acme, Inc."
and "ACME" are the same company). They are only ever suggestions: nothing is mapped until a human
confirms, because dumping an MSP's customers' devices into the wrong client is worse than holding
them back.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..host import ClientRef
from ..models import Integration, MappingState, OrganizationMapping
from ..state import get_state
from ..tenancy import require_tenant_id
from .lookup import find_organization, organizations_by_id

#: Legal-form words dropped from the END of a name ("Acme Pty Ltd", "Acme Co., Ltd.", "Müller GmbH & Co. KG"):
#: the same company is spelled with and without them in NinjaOne and in the PSA. Only at the end, so
#: "Company of Heroes" keeps its first word.
_LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "pty", "plc", "gmbh", "mbh", "kg",
        "ag", "co", "company", "corp", "corporation", "sa", "sas", "sarl", "srl", "spa", "bv", "nv",
        "ab", "as", "aps", "oy", "kk", "pte", "sp", "z", "oo",
    }
)  # fmt: skip
#: Letters that Unicode decomposition does not reduce to ASCII ("Ørsted" ~ "Orsted", "Łódź" ~ "Lodz").
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_NOT_A_WORD = re.compile(r"[\W_]+")


class MappingError(Exception):
    """A mapping request that cannot be applied; the message is meant for the user."""


class UnknownOrganization(MappingError):
    """No such organization in this tenant's connection (pages answer 404)."""


class StalePlan(MappingError):
    """What the person confirmed is no longer what would happen: nothing was changed."""


def normalize_name(name: str) -> str:
    """The key two spellings of one company share: "Smith & Partners, LLC" and "smith and partners"
    both give ``smith and partners``. For matching only, never shown.

    Case-folded; accents removed (other scripts kept, so Japanese names still match only themselves);
    "&" and "+" read as "and"; punctuation and runs of blanks become one space; apostrophes and dots
    join ("O'Brien" ~ "OBrien", "A.B.C." ~ "ABC"); legal-form words ("Inc", "LLC", "Pty Ltd", "GmbH & Co.
    KG"...) dropped from the end and a leading
    "the", but never the last word left. Idempotent: ``normalize_name(normalize_name(x)) ==
    normalize_name(x)``.
    """
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    # Decomposing can yield capitals ("ᴬ" → "A"): fold again, so normalizing twice changes nothing.
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold().translate(_LETTERS)
    text = re.sub(r"['’`´.]", "", text).replace("&", " and ").replace("+", " and ")
    words = _NOT_A_WORD.sub(" ", text).split()
    stripped = False
    while len(words) > 1 and (words[-1] in _LEGAL_SUFFIXES or (stripped and words[-1] == "and")):
        words.pop()  # an "and" only goes with the legal words after it: "GmbH & Co. KG", "& Co."
        stripped = True
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


NamedT = TypeVar("NamedT", bound=_Named)


def suggestion_index(clients: Iterable[NamedT]) -> dict[str, NamedT]:
    """Clients (or sites) by normalized name; a name two of them share suggests neither (a guess could
    be wrong)."""
    index: dict[str, NamedT] = {}
    ambiguous: set[str] = set()
    for client in clients:
        key = normalize_name(client.name)
        if not key or key in ambiguous:
            continue
        if key in index:
            ambiguous.add(key)
            del index[key]
        else:
            index[key] = client
    return index


@dataclass(frozen=True)
class OrganizationView:
    """One row of the mapping page."""

    mapping: OrganizationMapping
    client: ClientRef | None
    suggestion: ClientRef | None


def client_names() -> dict[str, str]:
    """The bound tenant's host clients, id → name: what the report pages and commands filter by and
    print (one ``list_clients`` call)."""
    return {client.id: client.name for client in get_state().host.list_clients(require_tenant_id())}


def organizations(session: Session, integration: Integration) -> list[OrganizationView]:
    """Every organization with its mapped client and, when unmapped, a suggested client."""
    clients = get_state().host.list_clients(require_tenant_id())
    by_id = {client.id: client for client in clients}
    by_name = suggestion_index(clients)
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


def mapping_row(session: Session, integration: Integration, organization_id: int) -> OrganizationMapping:
    """The organization's row in this connection, or :class:`UnknownOrganization`."""
    row = find_organization(session, integration, organization_id)
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
    row = mapping_row(session, integration, organization_id)
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
    row = mapping_row(session, integration, organization_id)
    if row.state == MappingState.DELETED:
        raise MappingError(f"{row.name} was deleted in NinjaOne.")
    client = get_state().host.create_client(require_tenant_id(), row.name)
    row.host_client_id = client.id
    row.state = MappingState.MAPPED
    session.commit()
    return client


@dataclass(frozen=True)
class PlannedMapping:
    """One line of a bulk action's confirmation: this organization goes to this client."""

    organization_id: int
    organization: str
    client_id: str | None  # None: the client is created by the action
    client_name: str

    @property
    def creates_client(self) -> bool:
        return self.client_id is None

    def key(self) -> tuple[int, str | None, str]:
        return (self.organization_id, self.client_id, self.client_name)


def _unmapped(views: list[OrganizationView]) -> list[OrganizationView]:
    return [view for view in views if view.mapping.state == MappingState.UNMAPPED]


def plan_suggestions(
    session: Session, integration: Integration, views: list[OrganizationView] | None = None
) -> list[PlannedMapping]:
    """What "Apply all suggestions" would do: each unmapped organization with a suggested client.
    ``views``: the page's :func:`organizations`, when it has them already."""
    views = organizations(session, integration) if views is None else views
    return [
        PlannedMapping(
            view.mapping.organization_id, view.mapping.name, view.suggestion.id, view.suggestion.name
        )
        for view in _unmapped(views)
        if view.suggestion is not None
    ]


def plan_missing_clients(
    session: Session, integration: Integration, views: list[OrganizationView] | None = None
) -> list[PlannedMapping]:
    """What "Create all missing clients" would do: a client for each unmapped organization that has no
    suggestion (those are left to "Apply all suggestions"), named after it. Organizations whose names
    normalize alike share one new client, named after the first of them."""
    views = organizations(session, integration) if views is None else views
    planned = []
    names: dict[str, str] = {}
    for view in _unmapped(views):
        if view.suggestion is not None:
            continue
        name = view.mapping.name.strip()
        client_name = names.setdefault(normalize_name(name) or name, name)
        planned.append(PlannedMapping(view.mapping.organization_id, view.mapping.name, None, client_name))
    return planned


def encode_plan(plan: list[PlannedMapping]) -> str:
    """The plan as the confirmation form carries it, to tell on submit whether it is still the same."""
    return json.dumps([list(item.key()) for item in plan], ensure_ascii=False, separators=(",", ":"))


def _decode_plan(text: str) -> set[tuple[int, str | None, str]] | None:
    """The confirmed plan's lines; ``None`` for anything that is not one (a damaged form)."""
    try:
        items = json.loads(text)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    lines = set()
    for item in items:
        if not (isinstance(item, list) and len(item) == 3):
            return None
        organization_id, client_id, client_name = item
        if type(organization_id) is not int or not isinstance(client_name, str):
            return None
        if client_id is not None and not isinstance(client_id, str):
            return None
        lines.add((organization_id, client_id, client_name))
    return lines


def _what_changed(
    session: Session,
    integration: Integration,
    confirmed: set[tuple[int, str | None, str]],
    current: list[PlannedMapping],
) -> str:
    """A sentence naming the organizations whose line changed since the confirmation page was shown."""
    now = {item.organization_id: item for item in current}
    before = {organization_id: (client_id, name) for organization_id, client_id, name in confirmed}
    rows = organizations_by_id(session, integration, before.keys() | now.keys())
    notes = []
    for organization_id in sorted(before.keys() | now.keys()):
        row = rows.get(organization_id)
        name = row.name if row is not None else f"Organization {organization_id}"
        if organization_id not in now:
            if row is not None and row.state == MappingState.MAPPED:
                notes.append(f"{name} was mapped meanwhile")
            elif row is not None and row.state == MappingState.DELETED:
                notes.append(f"{name} was deleted in NinjaOne")
            else:
                notes.append(f"{name} is no longer part of it")
        elif organization_id not in before:
            notes.append(f"{name} was added")
        elif now[organization_id].key()[1:] != before[organization_id]:
            notes.append(f"{name} now goes to {now[organization_id].client_name}")
    shown = "; ".join(notes[:5]) + (f"; and {len(notes) - 5} more" if len(notes) > 5 else "")
    return shown or "the list was damaged"


def apply_plan(session: Session, integration: Integration, plan: list[PlannedMapping]) -> int:
    """Create the planned clients and map the organizations, all or nothing. Commits; returns how many.

    The host's ``create_client`` writes through the same session without committing (see
    :meth:`~flask_ninjaone.host.HostAdapter.create_client`), so a failure part-way rolls back the
    clients already created as well as the mappings.
    """
    tenant_id = require_tenant_id()
    rows = organizations_by_id(session, integration, (item.organization_id for item in plan))
    created: dict[str, ClientRef] = {}
    try:
        for item in plan:
            row = rows[item.organization_id]
            client_id = item.client_id
            if client_id is None:
                if item.client_name not in created:
                    created[item.client_name] = get_state().host.create_client(tenant_id, item.client_name)
                client_id = created[item.client_name].id
            row.host_client_id = client_id
            row.state = MappingState.MAPPED
            row.error = None
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return len(plan)


#: The two bulk actions of the mapping page, by the name their routes use.
PLANNERS = {"suggestions": plan_suggestions, "missing_clients": plan_missing_clients}


def apply_confirmed(session: Session, integration: Integration, action: str, confirmed: str) -> int:
    """Carry out a bulk action exactly as its confirmation page listed it (``confirmed``, from
    :func:`encode_plan`), or change nothing and raise :class:`StalePlan` saying what differs now
    (an organization mapped meanwhile by someone else, a client added or renamed)."""
    current = PLANNERS[action](session, integration)
    lines = _decode_plan(confirmed)
    if lines is None or lines != {item.key() for item in current}:
        changed = _what_changed(session, integration, lines or set(), current)
        raise StalePlan(
            f"Nothing was changed: the list changed since you opened it ({changed}). "
            "Check it and confirm again."
        )
    return apply_plan(session, integration, current)


def apply_suggestions(session: Session, integration: Integration, *, create_missing: bool = False) -> int:
    """Map every unmapped organization to its suggested client and, with ``create_missing``, create a
    client for each of the others. For the CLI's ``--all`` and test set-ups (the page confirms first).
    Returns how many organizations were mapped."""
    plan = plan_suggestions(session, integration)
    if create_missing:
        plan += plan_missing_clients(session, integration)
    return apply_plan(session, integration, plan)
