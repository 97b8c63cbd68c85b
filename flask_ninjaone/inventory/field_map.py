"""The field map: which NinjaOne device custom field feeds which host asset attribute, per connection.

A mapping is saved only between a NinjaOne field and a host attribute of the same type (see
:mod:`.field_types`), one field per attribute and one attribute per field; two-way needs a field the
API may write. NinjaOne's definitions are read when the page shows and once per inventory walk
(:func:`reconcile`): a mapped field that disappeared is marked missing — skipped by walks and writes,
flagged on the page — and comes back by itself if the field does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..client import NinjaOneClient, NinjaOneError, describe
from ..connection.api_client import MissingCredentials, client_for
from ..host import AssetAttribute
from ..models import ContactSettings, FieldMapping, Integration
from ..models.base import utcnow
from ..tenancy import get_scoped
from ..unit_of_work import rolls_back_on
from .field_types import display_value, mappable_type

#: Longest NinjaOne field name and host attribute key the map stores (the table's columns).
NAME_LIMIT = 128
#: Most mappings one connection may hold (each is a column of every walk's report pages).
MAX_MAPPINGS = 50
_WRITABLE = ("WRITE_ONLY", "READ_WRITE")
_READABLE = ("READ_ONLY", "READ_WRITE")


class FieldMapError(ValueError):
    """A mapping that cannot be saved as asked; nothing was changed."""


@dataclass(frozen=True)
class FieldDefinition:
    """A NinjaOne device custom field as the map needs it."""

    name: str
    label: str
    ninjaone_type: str
    type: str | None  # the extension's type; None: this type cannot be mapped
    readable: bool
    writable: bool
    options: list[dict[str, Any]] = field(default_factory=list)


def read_definitions(client: NinjaOneClient) -> dict[str, FieldDefinition]:
    """NinjaOne's device custom fields by name (one request; NODE fields only)."""
    found: dict[str, FieldDefinition] = {}
    for item in client.device_custom_field_definitions():
        scopes = item.get("definitionScope") or ["NODE"]
        if "NODE" not in scopes:
            continue
        permission = item.get("apiPermission", "READ_WRITE")
        options = [
            {"id": str(o["id"]), "name": o["name"], "active": o.get("active", True)}
            for o in (item.get("content") or {}).get("values", [])
        ]
        found[item["name"]] = FieldDefinition(
            name=item["name"],
            label=item.get("label") or item["name"],
            ninjaone_type=item["type"],
            type=mappable_type(item["type"]),
            readable=permission in _READABLE,
            writable=permission in _WRITABLE,
            options=options,
        )
    return found


def load_definitions(integration: Integration) -> tuple[dict[str, FieldDefinition], str | None]:
    """NinjaOne's definitions for a page: ``({}, why)`` when NinjaOne cannot be asked right now."""
    try:
        with client_for(integration) as client:
            return read_definitions(client), None
    except NinjaOneError as exc:
        return {}, describe(exc)
    except MissingCredentials as exc:
        return {}, str(exc)


def mappings(session: Session, integration: Integration) -> list[FieldMapping]:
    """The connection's mappings, by field label."""
    return list(
        session.scalars(
            select(FieldMapping)
            .where(FieldMapping.integration_id == integration.id)
            .order_by(FieldMapping.field_label, FieldMapping.id)
        )
    )


def save_mapping(
    session: Session,
    integration: Integration,
    definitions: dict[str, FieldDefinition],
    attributes: Sequence[AssetAttribute],
    field_name: str,
    attribute_key: str,
    *,
    two_way: bool,
) -> FieldMapping:
    """Map ``field_name`` onto ``attribute_key`` (replacing the field's mapping); the caller commits."""
    if not field_name or len(field_name) > NAME_LIMIT or not attribute_key or len(attribute_key) > NAME_LIMIT:
        raise FieldMapError(f"Field and attribute names are 1 to {NAME_LIMIT} characters.")
    definition = definitions.get(field_name)
    if definition is None:
        raise FieldMapError(f"NinjaOne has no device custom field named {field_name!r}.")
    if definition.type is None:
        raise FieldMapError(
            f"{definition.label}: NinjaOne fields of type {definition.ninjaone_type} cannot be mapped."
        )
    if not definition.readable:
        raise FieldMapError(f"{definition.label}: the API may not read this field (its API permission).")
    if two_way and not definition.writable:
        raise FieldMapError(f"{definition.label}: the API may not write this field, so it cannot be two-way.")
    attribute = next((a for a in attributes if a.key == attribute_key), None)
    if attribute is None:
        raise FieldMapError(f"The asset attribute {attribute_key!r} does not exist.")
    if attribute.type != definition.type:
        raise FieldMapError(
            f"{definition.label} is {definition.type}, {attribute.label} is {attribute.type}: "
            "types must match."
        )
    existing = {m.field_name: m for m in mappings(session, integration)}
    taken = next(
        (m for m in existing.values() if m.attribute == attribute_key and m.field_name != field_name), None
    )
    if taken is not None:
        raise FieldMapError(f"{attribute.label} is already fed by {taken.field_label}.")
    row = existing.get(field_name)
    if row is None:
        if len(existing) >= MAX_MAPPINGS:
            raise FieldMapError(f"A connection maps at most {MAX_MAPPINGS} fields.")
        row = FieldMapping(integration_id=integration.id, field_name=field_name)
        session.add(row)
    row.field_label = definition.label[:255]
    row.field_type = definition.type
    row.ninjaone_type = definition.ninjaone_type
    row.options = definition.options
    row.attribute = attribute_key
    row.two_way = two_way
    row.missing_since = None
    return row


@rolls_back_on(FieldMapError)
def map_field(
    session: Session,
    integration: Integration,
    definitions: dict[str, FieldDefinition],
    attributes: Sequence[AssetAttribute],
    field_name: str,
    attribute_key: str,
    *,
    two_way: bool,
) -> FieldMapping:
    """The field map page's save: :func:`save_mapping`, committed; a refusal rolls back and raises."""
    row = save_mapping(
        session, integration, definitions, attributes, field_name, attribute_key, two_way=two_way
    )
    session.commit()
    return row


def unmap_field(session: Session, integration: Integration, mapping_id: int) -> bool:
    """Unmap (and commit) the integration's mapping ``mapping_id``; False when it is not one (another
    tenant's, or gone), changing nothing."""
    row = get_scoped(session, FieldMapping, mapping_id)
    if row is None or row.integration_id != integration.id:
        return False
    remove_mapping(session, integration, row.field_name)
    session.commit()
    return True


def remove_mapping(session: Session, integration: Integration, field_name: str) -> bool:
    """Unmap a field (the host keeps the values it has); the caller commits."""
    result = session.execute(
        delete(FieldMapping).where(
            FieldMapping.integration_id == integration.id, FieldMapping.field_name == field_name
        )
    )
    return bool(getattr(result, "rowcount", 0))


def reconcile(
    session: Session, rows: Sequence[FieldMapping], definitions: dict[str, FieldDefinition]
) -> list[FieldMapping]:
    """Bring the mappings in step with NinjaOne's definitions; returns the usable ones.

    A field gone (or no longer of the mapped type, or no longer readable) is marked missing and
    skipped; a dropdown's options are refreshed (options renamed or added in NinjaOne)."""
    usable = []
    for row in rows:
        definition = definitions.get(row.field_name)
        if definition is None or definition.ninjaone_type != row.ninjaone_type or not definition.readable:
            if row.missing_since is None:
                row.missing_since = utcnow()
            continue
        row.missing_since = None
        if row.options != definition.options:
            row.options = definition.options
        usable.append(row)
    return usable


def mapped_attributes(session: Session) -> Callable[[int, Mapping[str, Any]], dict[str, Any]]:
    """For listings: stored NinjaOne values of a device -> ``{attribute: JSON value}`` by the bound
    tenant's active mappings (dates ISO, dropdowns the option's name)."""
    by_integration: dict[int, list[FieldMapping]] = {}
    for row in session.scalars(select(FieldMapping).where(FieldMapping.missing_since.is_(None))):
        by_integration.setdefault(row.integration_id, []).append(row)

    def attributes(integration_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        for row in by_integration.get(integration_id, ()):
            if row.field_name in values:
                shown[row.attribute] = display_value(row.field_type, row.options, values[row.field_name])
        return shown

    return attributes


def contact_settings(session: Session, integration: Integration) -> ContactSettings:
    """The connection's contact settings (a transient default row when never saved)."""
    row = session.scalars(
        select(ContactSettings).where(ContactSettings.integration_id == integration.id)
    ).one_or_none()
    return row or ContactSettings(integration_id=integration.id, link_contacts=False, create_contacts=False)


def set_contact_linking(session: Session, integration: Integration, *, link: bool, create: bool) -> None:
    """The field map page's contact settings: :func:`save_contact_settings`, committed."""
    save_contact_settings(session, integration, link=link, create=create)
    session.commit()


def save_contact_settings(session: Session, integration: Integration, *, link: bool, create: bool) -> None:
    """Turn contact linking (and creation) on or off; the caller commits."""
    row = contact_settings(session, integration)
    if row.id is None:
        session.add(row)
    row.link_contacts = link
    row.create_contacts = create and link
