"""The sample host's typed asset attributes (fed by NinjaOne custom fields) and contact lookup.

The host keeps ``Asset.custom_attributes`` as a flat ``{key: text}`` mapping that people edit as
``key = value`` lines; the attributes declared in :data:`ATTRIBUTES` are the typed ones the
integration may map. Their text form: numbers as written, dates ISO (``2024-03-31``), checkboxes
``yes``/``no``, dropdowns one of the options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from flask_ninjaone import asset_attributes_changed
from flask_ninjaone.host import AssetAttribute, AttributeUpdate, AttributeValue, ContactRef, LogonUser

from .database import db
from .models import Asset, Contact

ATTRIBUTES = (
    AssetAttribute("asset_tag", "Asset tag", "text", max_length=64),
    AssetAttribute(
        "cost_center",
        "Cost center",
        "dropdown",
        options=("Sales", "Engineering", "Finance", "Operations", "Legal"),
    ),
    AssetAttribute("purchase_date", "Purchase date", "date"),
    AssetAttribute("disk_encrypted", "Disk encrypted", "checkbox"),
    AssetAttribute("rack_units", "Rack units", "number"),
)
_BY_KEY = {attribute.key: attribute for attribute in ATTRIBUTES}


def as_text(value: AttributeValue) -> str | None:
    """How the host stores a typed value (``None``: the key is removed)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse(key: str, text: str | None) -> AttributeValue:
    """A stored text back as its attribute's type; raises ``ValueError`` when it is not one."""
    attribute = _BY_KEY[key]
    if text is None or text == "":
        return None
    if attribute.type == "number":
        number = float(text)
        return int(number) if number.is_integer() else number
    if attribute.type == "date":
        return date.fromisoformat(text)
    if attribute.type == "checkbox":
        lowered = text.strip().lower()
        if lowered not in ("yes", "no", "true", "false"):
            raise ValueError(f"{attribute.label}: say yes or no")
        return lowered in ("yes", "true")
    return text


def set_attributes(tenant_id: int, updates: Sequence[AttributeUpdate]) -> None:
    """Apply a page of updates: one SELECT, then the changed JSON mappings (no commit)."""
    by_id = {int(update.host_asset_id): update.values for update in updates}
    assets = db.session.scalars(select(Asset).where(Asset.tenant_id == tenant_id, Asset.id.in_(by_id)))
    for asset in assets:
        current = dict(asset.custom_attributes or {})
        for key, value in by_id[asset.id].items():
            text = as_text(value)
            if text is None:
                current.pop(key, None)
            else:
                current[key] = text
        asset.custom_attributes = current


def report_changes(tenant_id: int, asset: Asset, before: Mapping[str, str]) -> str | None:
    """After a person saved ``asset``: tell the integration which typed attributes changed.

    Returns why a value could not go to NinjaOne (shown to the person), or ``None``."""
    after = asset.custom_attributes or {}
    changed: dict[str, Any] = {}
    try:
        for key in _BY_KEY:
            if before.get(key) != after.get(key):
                changed[key] = parse(key, after.get(key))
        if changed:
            asset_attributes_changed(str(tenant_id), str(asset.id), changed)
    except ValueError as exc:
        return str(exc)
    return None


def find_contacts(tenant_id: int, users: Sequence[LogonUser], create: bool) -> list[ContactRef | None]:
    """Match each user to a contact of its client by e-mail, then login (one query for the page)."""
    client_ids = {int(user.client_id) for user in users if user.client_id.isdigit()}
    emails = {user.email.lower() for user in users if user.email}
    logins = {user.login.lower() for user in users}
    contacts = db.session.scalars(
        select(Contact).where(
            Contact.tenant_id == tenant_id,
            Contact.client_id.in_(client_ids),
            or_(func.lower(Contact.email).in_(emails), func.lower(Contact.login).in_(logins)),
        )
    ).all()
    by_email = {(c.client_id, (c.email or "").lower()): c for c in contacts if c.email}
    by_login = {(c.client_id, (c.login or "").lower()): c for c in contacts if c.login}
    found: list[ContactRef | None] = []
    for user in users:
        client_id = int(user.client_id) if user.client_id.isdigit() else None
        contact = (by_email.get((client_id, user.email.lower())) if user.email else None) or by_login.get(
            (client_id, user.login.lower())
        )
        if contact is None and create and client_id is not None:
            contact = Contact(
                tenant_id=tenant_id,
                client_id=client_id,
                name=user.login[:200],
                email=user.email,
                login=user.login,
            )
            db.session.add(contact)
            db.session.flush()
            by_login[(client_id, user.login.lower())] = contact
        found.append(None if contact is None else ContactRef(str(contact.id), contact.name, contact.email))
    return found
