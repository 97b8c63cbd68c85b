"""Custom fields in the inventory walk (bulk only), the field map's checks, and two-way writes (owed)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from flask_ninjaone import asset_attributes_changed
from flask_ninjaone.connection.api_client import client_for
from flask_ninjaone.inventory import field_map
from flask_ninjaone.inventory.field_types import TEXT_LIMIT, FieldValueError
from flask_ninjaone.models import DeviceAttributes, FieldMapping, Integration, OwedWrite
from flask_ninjaone.owed_writes import send_due
from flask_ninjaone.state import get_state
from flask_ninjaone.tasks.writes import SENDERS
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.asset_attributes import ATTRIBUTES
from sample_host.database import db
from sample_host.models import Asset
from tests.support.custom_fields import MAPPED, map_fields
from tests.support.inventory import refresh


def _integration() -> Integration:
    return db.session.scalars(select(Integration)).one()


def host_attributes(acme) -> dict[int, dict[str, str]]:
    """Each synced device's host asset ``custom_attributes``, by NinjaOne device id."""
    by_asset = {int(d.host_asset_id): d.device_id for d in acme.devices()}
    db.session.expire_all()
    assets = db.session.scalars(select(Asset).where(Asset.id.in_(by_asset))).all()
    return {by_asset[a.id]: dict(a.custom_attributes or {}) for a in assets}


def expected_text(acme, device_id: int) -> dict[str, str]:
    """What the fake's values of ``device_id`` become on the sample host."""
    options = {
        o["id"]: o["name"]
        for d in acme.fake.state.custom_fields.definitions()
        for o in d["content"].get("values", [])
    }
    out = {}
    for name, (value, _) in acme.fake.state.custom_fields.values(device_id).items():
        key = MAPPED.get(name)
        if key is None:
            continue
        if name == "costCenter":
            out[key] = options[value]
        elif name == "purchaseDate":
            out[key] = datetime.fromtimestamp(value / 1000, UTC).date().isoformat()
        elif name == "diskEncrypted":
            out[key] = "yes" if value else "no"
        else:
            out[key] = str(value)
    return out


def test_without_a_field_map_the_walk_reads_no_custom_fields(acme):
    acme.fake.state.reset_counters()
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    counts = acme.fake.state.request_counts()
    assert not any("custom-fields" in key or "logged-on" in key for key in counts)
    assert "custom_fields_written" not in run.counts


def test_mapped_fields_arrive_on_assets_in_bulk(acme):
    map_fields(acme)
    acme.fake.state.reset_counters()
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    counts = acme.fake.state.request_counts()
    devices = len(acme.devices())
    assert counts["GET /v2/device-custom-fields"] == 1
    assert counts["GET /v2/queries/custom-fields"] == math.ceil((devices + 1) / 1000)
    assert not any(key.startswith(("GET /v2/device/", "PATCH")) for key in counts)  # never per device
    attributes = host_attributes(acme)
    for device_id, attrs in attributes.items():
        typed = {k: v for k, v in attrs.items() if k in MAPPED.values()}
        assert typed == expected_text(acme, device_id), device_id
    assert run.counts["custom_fields_written"] > devices  # several fields per device
    assert refresh(acme).counts["custom_fields_written"] == 0  # nothing changed: nothing written


def test_changes_and_clears_in_ninjaone_follow_and_host_owned_keys_stay(acme):
    map_fields(acme)
    refresh(acme)
    device = acme.devices()[0]
    with acme.scope():
        asset = db.session.get(Asset, int(device.host_asset_id))
        asset.custom_attributes = {**asset.custom_attributes, "warranty_until": "2027-03-31"}
        db.session.commit()
    acme.fake.state.custom_fields.write(
        device.device_id, {"assetTag": "NEW-TAG", "rackUnits": None}, api=False
    )
    run = refresh(acme)
    assert run.counts["custom_fields_written"] >= 1
    attrs = host_attributes(acme)[device.device_id]
    assert attrs["asset_tag"] == "NEW-TAG" and "rack_units" not in attrs
    assert attrs["warranty_until"] == "2027-03-31"


def test_a_field_that_no_longer_exists_is_marked_missing_and_skipped(acme):
    map_fields(acme)
    refresh(acme)
    before = host_attributes(acme)
    acme.fake.state.custom_fields.remove("assetTag")
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    with acme.scope():
        row = db.session.scalars(select(FieldMapping).where(FieldMapping.field_name == "assetTag")).one()
        assert row.missing_since is not None
    assert host_attributes(acme) == before  # a vanished field does not wipe the host's values


def test_values_of_the_wrong_type_or_unknown_options_are_counted_not_written(acme):
    map_fields(acme)
    refresh(acme)
    device = acme.devices()[0]
    store = acme.fake.state.custom_fields
    cost_center = next(d for d in store.definitions() if d["name"] == "costCenter")
    marketing = {"id": "7b0c1f9e-0000-4000-8000-000000000001", "name": "Marketing", "active": True}
    store.define({**cost_center, "content": {"values": [*cost_center["content"]["values"], marketing]}})
    store.write(device.device_id, {"costCenter": "7b0c1f9e-0000-4000-8000-000000000001"}, api=False)
    store._written[device.device_id]["rackUnits"] = ("four", 1.0)  # an instance answering off-spec
    before = host_attributes(acme)[device.device_id]
    run = refresh(acme)
    assert run.state == "succeeded", run.error
    assert run.counts["custom_field_errors"] == 2
    after = host_attributes(acme)[device.device_id]
    assert after.get("cost_center") == before.get("cost_center")
    assert after.get("rack_units") == before.get("rack_units")


# -- the field map's checks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "attribute", "two_way", "why"),
    [
        ("noSuchField", "asset_tag", False, "no device custom field"),
        ("assetTag", "no_such_attribute", False, "does not exist"),
        ("assetTag", "rack_units", False, "types must match"),
        ("tags", "asset_tag", False, "cannot be mapped"),
        ("localAdminPassword", "asset_tag", False, "cannot be mapped"),
        ("hiddenNote", "asset_tag", False, "may not read"),
        ("readOnlyNote", "asset_tag", True, "cannot be two-way"),
        ("x" * 129, "asset_tag", False, "1 to 128"),
        ("assetTag", "y" * 129, False, "1 to 128"),
    ],
)
def test_bad_mappings_are_refused_and_nothing_saved(acme, field, attribute, two_way, why):
    acme.fake.state.custom_fields.define({"name": "hiddenNote", "type": "TEXT", "apiPermission": "NONE"})
    acme.fake.state.custom_fields.define(
        {"name": "readOnlyNote", "type": "TEXT", "apiPermission": "READ_ONLY"}
    )
    with acme.scope():
        integration = _integration()
        with client_for(integration) as client:
            definitions = field_map.read_definitions(client)
        with pytest.raises(field_map.FieldMapError, match=why):
            field_map.save_mapping(
                db.session, integration, definitions, ATTRIBUTES, field, attribute, two_way=two_way
            )
        db.session.rollback()
        assert db.session.scalars(select(FieldMapping)).all() == []


def test_one_attribute_takes_one_field(acme):
    map_fields(acme, {"assetTag": "asset_tag"})
    with acme.scope():
        integration = _integration()
        definitions = {"other": field_map.FieldDefinition("other", "Other", "TEXT", "text", True, True)}
        with pytest.raises(field_map.FieldMapError, match="already fed by"):
            field_map.save_mapping(
                db.session, integration, definitions, ATTRIBUTES, "other", "asset_tag", two_way=False
            )


def test_a_connection_holds_at_most_max_mappings(acme, monkeypatch):
    """The limit counts fields, not saves: the last one allowed goes in, one more is refused and nothing
    of it is saved; re-saving a mapped field at the limit still works."""
    monkeypatch.setattr(field_map, "MAX_MAPPINGS", 2)
    map_fields(acme, {"assetTag": "asset_tag", "costCenter": "cost_center"})
    with pytest.raises(field_map.FieldMapError, match="at most 2 fields"):
        map_fields(acme, {"purchaseDate": "purchase_date"})
    map_fields(acme, {"assetTag": "asset_tag"}, two_way=("assetTag",))
    with acme.scope():
        rows = db.session.scalars(select(FieldMapping).order_by(FieldMapping.field_name)).all()
        assert [(row.field_name, row.two_way) for row in rows] == [("assetTag", True), ("costCenter", False)]


# -- two-way -------------------------------------------------------------------------------------


def owed(acme) -> list[OwedWrite]:
    with acme.scope():
        return list(db.session.scalars(select(OwedWrite).where(OwedWrite.kind == "custom_fields")))


def test_a_host_change_is_patched_to_ninjaone_and_not_brought_back(acme):
    map_fields(acme, two_way=("assetTag", "purchaseDate", "costCenter", "diskEncrypted", "rackUnits"))
    refresh(acme)
    device = acme.devices()[0]
    values = {"asset_tag": "HOST-1", "purchase_date": date(2024, 3, 31), "cost_center": "finance",
              "disk_encrypted": True, "rack_units": 2.0}  # fmt: skip
    assert asset_attributes_changed(acme.tenant.id, device.host_asset_id, values) == 5
    assert owed(acme) == []  # sent at once (no Redis: the job ran inline) and confirmed
    stored = acme.fake.state.custom_fields.device_object(device.device_id)
    finance = next(o["id"] for d in acme.fake.state.custom_fields.definitions() if d["name"] == "costCenter"
                   for o in d["content"]["values"] if o["name"] == "Finance")  # fmt: skip
    assert stored["assetTag"] == "HOST-1" and stored["costCenter"] == finance and stored["rackUnits"] == 2
    assert stored["purchaseDate"] == 1_711_843_200_000 and stored["diskEncrypted"] is True
    acme.fake.state.reset_counters()
    assert refresh(acme).counts["custom_fields_written"] == 0


def test_conflict_host_wins_while_its_change_is_owed_then_ninjaone_gets_it(acme):
    map_fields(acme, two_way=("assetTag",))
    refresh(acme)
    device = acme.devices()[0]
    with acme.scope():  # the person's change, committed by the host before it tells us
        asset = db.session.get(Asset, int(device.host_asset_id))
        asset.custom_attributes = {**asset.custom_attributes, "asset_tag": "HOST-2"}
        db.session.commit()
    path = f"/v2/device/{device.device_id}/custom-fields"
    acme.fake.state.faults.inject(Fault(path=path, kind="server_error", method="PATCH", times=1))
    assert asset_attributes_changed(acme.tenant.id, device.host_asset_id, {"asset_tag": "HOST-2"}) == 1
    assert len(owed(acme)) == 1  # NinjaOne did not confirm: still owed
    acme.fake.state.custom_fields.write(device.device_id, {"assetTag": "NINJA-2"}, api=False)
    run = refresh(acme)
    assert run.counts["custom_fields_kept_for_host"] == 1
    assert host_attributes(acme)[device.device_id]["asset_tag"] == "HOST-2"
    with acme.scope():
        assert send_due(db.session, SENDERS, now=datetime(2100, 1, 1, tzinfo=UTC))["sent"] == 1
    assert acme.fake.state.custom_fields.device_object(device.device_id)["assetTag"] == "HOST-2"
    assert refresh(acme).counts["custom_fields_written"] == 0


def test_ninjaone_wins_when_the_host_did_not_change_it(acme):
    map_fields(acme, two_way=("assetTag",))
    refresh(acme)
    device = acme.devices()[0]
    acme.fake.state.custom_fields.write(device.device_id, {"assetTag": "NINJA-3"}, api=False)
    refresh(acme)
    assert host_attributes(acme)[device.device_id]["asset_tag"] == "NINJA-3"


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"rack_units": "two"}, "expected a number"),
        ({"rack_units": 2.5}, "whole numbers"),
        ({"disk_encrypted": "yes"}, "true or false"),
        ({"purchase_date": "2024-03-31"}, "expected a date"),
        ({"cost_center": "Marketing"}, "not one of NinjaOne's options"),
        ({"asset_tag": "x" * (TEXT_LIMIT + 1)}, f"longer than {TEXT_LIMIT}"),
        ({"asset_tag": 42}, "expected text"),
    ],
)
def test_bad_host_values_are_refused_and_nothing_owed(acme, values, why):
    map_fields(acme, two_way=tuple(MAPPED))
    device = acme.devices()[0]
    acme.fake.state.reset_counters()
    with pytest.raises(FieldValueError, match=why):
        asset_attributes_changed(acme.tenant.id, device.host_asset_id, values)
    assert owed(acme) == []
    assert not any(key.startswith("PATCH") for key in acme.fake.state.request_counts())


def test_text_at_the_limit_goes_through(acme):
    map_fields(acme, two_way=("assetTag",))
    device = acme.devices()[0]
    assert (
        asset_attributes_changed(acme.tenant.id, device.host_asset_id, {"asset_tag": "x" * TEXT_LIMIT}) == 1
    )
    assert acme.fake.state.custom_fields.device_object(device.device_id)["assetTag"] == "x" * TEXT_LIMIT


def test_one_way_fields_other_attributes_and_other_tenants_assets_owe_nothing(acme, app):
    map_fields(acme, two_way=())
    device = acme.devices()[0]
    assert asset_attributes_changed(acme.tenant.id, device.host_asset_id, {"asset_tag": "x", "notes": 1}) == 0
    other = get_state().host.find_tenant("globex")
    assert other is not None
    assert asset_attributes_changed(other.id, device.host_asset_id, {"asset_tag": "x"}) == 0
    assert owed(acme) == []
    with pytest.raises(FieldValueError, match="at most"):
        asset_attributes_changed(acme.tenant.id, device.host_asset_id, {f"k{i}": 1 for i in range(101)})


def test_device_attributes_are_per_device_rows(acme):
    map_fields(acme)
    refresh(acme)
    with acme.scope():
        rows = db.session.scalars(select(DeviceAttributes)).all()
        assert len(rows) == len(acme.devices())
