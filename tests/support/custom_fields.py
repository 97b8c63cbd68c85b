"""Helpers shared by the custom field and contact tests: map fields, turn contact linking on."""

from __future__ import annotations

from sqlalchemy import select

from flask_ninjaone.connection.api_client import client_for
from flask_ninjaone.inventory import field_map
from flask_ninjaone.models import Integration
from sample_host.asset_attributes import ATTRIBUTES
from sample_host.database import db

#: NinjaOne custom field -> the sample host's asset attribute, as most tests map them.
MAPPED = {
    "assetTag": "asset_tag",
    "costCenter": "cost_center",
    "purchaseDate": "purchase_date",
    "diskEncrypted": "disk_encrypted",
    "rackUnits": "rack_units",
}


def map_fields(acme, mapped=MAPPED, two_way=()) -> None:
    """Map ``mapped`` (NinjaOne field -> host attribute) for acme, ``two_way`` ones both ways."""
    with acme.scope():
        integration = db.session.scalars(select(Integration)).one()
        with client_for(integration) as client:
            definitions = field_map.read_definitions(client)
        for name, key in mapped.items():
            field_map.save_mapping(
                db.session, integration, definitions, ATTRIBUTES, name, key, two_way=name in two_way
            )
        db.session.commit()


def link_contacts(acme, *, create: bool) -> None:
    """Turn on linking last logged-on users to contacts for acme (creating missing ones if ``create``)."""
    with acme.scope():
        integration = db.session.scalars(select(Integration)).one()
        field_map.save_contact_settings(db.session, integration, link=True, create=create)
        db.session.commit()
