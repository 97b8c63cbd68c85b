"""Last logged-on user -> host contact, from the bulk logged-on-users report."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from flask_ninjaone.inventory.field_sync import split_user_name
from flask_ninjaone.models import DeviceAttributes
from sample_host.database import db
from sample_host.models import Asset, Contact
from tests.support.custom_fields import link_contacts
from tests.support.inventory import refresh


def links(acme) -> dict[int, tuple[str | None, str | None]]:
    with acme.scope():
        db.session.expire_all()
        return {
            row.device_id: (row.logon_user, row.contact_id)
            for row in db.session.scalars(select(DeviceAttributes))
        }


@pytest.mark.parametrize(
    ("user", "login", "email"),
    [
        ("CORP\\j.smith", "j.smith", None),
        ("j.smith@corp.example", "j.smith", "j.smith@corp.example"),
        ("j.smith", "j.smith", None),
        ("  admin ", "admin", None),
    ],
)
def test_user_names_split_into_login_and_email(user, login, email):
    assert split_user_name(user) == (login, email)


def test_linking_is_off_until_the_tenant_turns_it_on(acme):
    acme.fake.state.reset_counters()
    refresh(acme)
    assert "GET /v2/queries/logged-on-users" not in acme.fake.state.request_counts()


def test_contacts_are_created_and_linked_in_bulk(acme):
    link_contacts(acme, create=True)
    acme.fake.state.reset_counters()
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    counts = acme.fake.state.request_counts()
    assert counts["GET /v2/queries/logged-on-users"] == math.ceil((len(acme.devices()) + 1) / 1000)
    assert not any(key.startswith("GET /v2/device/") for key in counts)
    linked = links(acme)
    logons = {
        d.device_id: acme.fake.state.custom_fields.logon(acme.fake.state.device(d.device_id))
        for d in acme.devices()
    }
    expected = {device: logon["userName"] for device, logon in logons.items() if logon}
    assert {device: user for device, (user, _) in linked.items() if user} == expected
    assert all(contact for user, contact in linked.values() if user)
    assert run.counts["contacts_linked"] == len(expected)
    with acme.scope():
        contacts = db.session.scalars(select(Contact)).all()
        assert 0 < len(contacts) <= len(expected)  # one per user and client
    assert refresh(acme).counts["contacts_linked"] == 0  # nothing changed


def test_an_existing_contact_is_found_without_create_and_a_logoff_unlinks(acme):
    device = acme.devices()[0]
    with acme.scope():
        asset = db.session.get(Asset, int(device.host_asset_id))
        contact = Contact(tenant_id=asset.tenant_id, client_id=asset.client_id, name="Jane Doe",
                          email="jane@corp.example", login="jdoe")  # fmt: skip
        db.session.add(contact)
        db.session.commit()
        contact_id = str(contact.id)
    acme.fake.state.custom_fields.set_logon(device.device_id, "CORP\\JDoe")
    link_contacts(acme, create=False)
    refresh(acme)
    assert links(acme)[device.device_id] == ("CORP\\JDoe", contact_id)
    with acme.scope():
        assert db.session.scalars(select(Contact)).all() == [contact]  # create off: none made
    acme.fake.state.custom_fields.set_logon(device.device_id, None)
    run = refresh(acme)
    assert links(acme)[device.device_id] == (None, None)
    assert run.counts["contacts_unlinked"] >= 1


def test_contacts_of_one_client_are_not_used_for_another(acme):
    devices = acme.devices()
    first = devices[0]
    other = next(d for d in devices if d.organization_id != first.organization_id)
    with acme.scope():
        asset = db.session.get(Asset, int(first.host_asset_id))
        db.session.add(
            Contact(tenant_id=asset.tenant_id, client_id=asset.client_id, name="Only Here", login="solo")
        )
        db.session.commit()
    acme.fake.state.custom_fields.set_logon(other.device_id, "solo")
    link_contacts(acme, create=False)
    refresh(acme)
    assert links(acme)[other.device_id] == ("solo", None)


def test_turning_create_on_later_creates_contacts_for_users_already_seen(acme):
    """A device whose user matched no contact is asked again at each walk: switching "create missing
    contacts" on later creates its contact at the next walk, without its user changing."""
    link_contacts(acme, create=False)
    refresh(acme)
    unmatched = {device: user for device, (user, contact) in links(acme).items() if user and not contact}
    assert unmatched  # the seeded host has no contacts: nobody matched
    link_contacts(acme, create=True)
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    linked = links(acme)
    assert all(linked[device][1] for device in unmatched)
    assert run.counts["contacts_linked"] == len(unmatched)
