"""The seam, end to end, on a host the extension was not written around (see ``__init__``).

Real HTTP to the fake NinjaOne, a real database migrated with ``upgrade heads``, CSRF protection on,
both init orders (the ``host`` fixture); the tenant is connected and the webhooks delivered with the
pytest plugin's fixtures, as a host maintainer's own tests would.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from flask_ninjaone.alerts import rule_store
from flask_ninjaone.tenancy import tenant_scope
from tests.support.second_host.forms import csrf_token
from tests.support.second_host.models import Case, Customer, Equipment, case_equipment, db

PREFIX = "/integrations/ninjaone"


def _count(model, workspace) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.workspace_id == workspace.id)
    )


def _approved(fake) -> list[dict]:
    return [device for device in fake.devices_page(None, 1000) if device["approvalStatus"] == "APPROVED"]


def _post(client, url: str, *, via: str, **kwargs):
    """POST as a browser would: with the CSRF token of the page ``via`` that holds the form."""
    token = csrf_token(client.get(via).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token}, **kwargs)


def _remote_connect(client, equipment_id) -> tuple[int, dict]:
    url = f"{PREFIX}/remote/assets/{equipment_id}/connect"
    response = _post(client, url, via=f"/equipment/{equipment_id}", headers={"Accept": "application/json"})
    return response.status_code, response.get_json()


def test_connect_sync_alert_to_case_remote_connect_close_and_retire(
    host, ninjaone_fake, ninjaone_connect, ninjaone_webhooks
):
    fake, app = ninjaone_fake.state, host.app
    with app.app_context():
        connected = ninjaone_connect("north")  # by handle; the adapter resolves it to the UUID
        assert connected.tenant.id == str(host.north.id)
        assert (connected.webhook_state, connected.mapped_organizations) == ("active", 3)
        assert connected.sync["counts"]["created"] == len(_approved(fake)) == 38
        assert (_count(Customer, host.north), _count(Equipment, host.north)) == (3, 38)
        assert (_count(Customer, host.south), _count(Equipment, host.south)) == (0, 0)
        with tenant_scope(connected.tenant.id):
            actions = {"reset_in_ninjaone_on_close": True}
            rule_store.create_rule(db.session, name="Everything", conditions={}, actions=actions)
    assert ninjaone_webhooks.discard() == 0  # nothing happened in NinjaOne yet

    # An alert in NinjaOne becomes a case, through the receiver (CSRFProtect must skip it).
    device = _approved(fake)[0]
    alert = fake.trigger_condition(device["id"], condition="disk", severity="CRITICAL")["alert"]
    (delivered,) = ninjaone_webhooks.deliver(app.test_client())
    assert delivered.status_code == 202, delivered.get_data(as_text=True)
    assert fake.webhooks.deliveries()[-1].status_code == 202  # logged like a real POST
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.origin_ref == alert["uid"])).one()
        equipment_id = db.session.scalar(select(Equipment.id).where(Equipment.rmm_device_id == device["id"]))
        assert case.is_open and case.workspace_id == host.north.id and case.urgency == "urgent"
        linked = select(case_equipment.c.equipment_id).where(case_equipment.c.case_id == case.id)
        assert db.session.scalars(linked).all() == [equipment_id]
        case_id = case.id

    # Remote Connect from the host's equipment page, by role.
    engineer = host.sign_in("engineer@north.test")
    status, body = _remote_connect(engineer, equipment_id)
    assert status == 200 and body["url"].endswith(f"/#/deviceDashboard/{device['id']}/overview")
    assert _remote_connect(host.sign_in("auditor@north.test"), equipment_id)[0] == 403

    # A person closes the case in the host: the extension resets the alert in NinjaOne.
    close = _post(engineer, f"/cases/{case_id}/close", via=f"/equipment/{equipment_id}")
    assert close.status_code == 200
    assert fake.alerts(device_id=device["id"]) == []
    assert [r.status_code for r in ninjaone_webhooks.deliver(app.test_client())] == [202]  # the RESET

    # The device is deleted in NinjaOne: its equipment is retired, not deleted.
    fake.delete_device(device["id"])
    assert [r.status_code for r in ninjaone_webhooks.deliver(app.test_client())] == [202]
    with app.app_context():
        retired = db.session.get(Equipment, equipment_id)
        assert retired.retired_reason and not retired.online
        assert not db.session.get(Case, case_id).is_open
    assert _remote_connect(engineer, equipment_id)[1]["result"] == "not_managed"


def test_extension_pages_render_inside_the_host_layout_through_the_shim(host, ninjaone_connect):
    with host.app.app_context():
        ninjaone_connect("north", sync=False)
    page = host.sign_in("owner@north.test").get(f"{PREFIX}/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<title>NinjaOne" in html and "| Second PSA</title>" in html  # title -> page_title
    head, main = html.split('<main id="second-main">', 1)
    assert "ninjaone.css" in head.split("</head>")[0]  # head -> extra_css
    assert "<h1>NinjaOne RMM</h1>" in main.split("</main>")[0]  # content -> main


def test_foreign_and_malformed_asset_ids_find_nothing(host, ninjaone_connect):
    with host.app.app_context():
        ninjaone_connect("north", sync=False)
        ninjaone_connect("south")
        south_equipment = select(Equipment.id).where(Equipment.workspace_id == host.south.id)
        other_workspace = str(db.session.scalars(south_equipment).first())
    owner = host.sign_in("owner@north.test")
    for asset_id in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", other_workspace):
        assert owner.get(f"{PREFIX}/assets/{asset_id}/panel").status_code == 404, asset_id
    assert owner.get(f"/equipment/{other_workspace}").status_code == 404


def test_connect_fixture_refuses_an_unknown_tenant_and_can_skip_mapping_and_sync(host, ninjaone_connect):
    with host.app.app_context():
        with pytest.raises(LookupError, match="nowhere"):
            ninjaone_connect("nowhere")
        connected = ninjaone_connect("north", map_organizations=False, sync=False)
        assert (connected.mapped_organizations, connected.sync) == (0, None)
        assert (_count(Customer, host.north), _count(Equipment, host.north)) == (0, 0)
        assert connected.receiver_path.startswith("/webhooks/ninjaone/")


def test_a_host_without_ticket_field_choices_gets_the_free_text_board(host, ninjaone_connect):
    """``ticket_field_choices`` is optional: this host lists no boards, so the rule form keeps the
    free-text board and the plain priority names, and a rule saved with a typed board works."""
    with host.app.app_context():
        ninjaone_connect("north", sync=False)
    owner = host.sign_in("owner@north.test")
    html = owner.get(f"{PREFIX}/rules/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="board"', html) and not re.search(r'<select[^>]*name="board"', html)
    assert ">Urgent</option>" in html


def test_a_host_without_custom_fields_or_contacts_has_no_field_map_and_no_extra_requests(
    host, ninjaone_fake, ninjaone_connect
):
    """Custom fields and contacts are optional: this host declares neither, so there is no field map
    page or link, and the inventory walk after a sync reads neither report (it behaves as before)."""
    ninjaone_fake.state.reset_counters()
    with host.app.app_context():
        connected = ninjaone_connect("north")
        assert connected.sync["counts"]["created"] == 38
    counts = ninjaone_fake.state.request_counts()
    assert counts["GET /v2/queries/software"] >= 1  # the inventory walk ran
    assert not any("custom-fields" in key or "logged-on-users" in key for key in counts)
    owner = host.sign_in("owner@north.test")
    assert owner.get(f"{PREFIX}/fields/").status_code == 404
    assert f"{PREFIX}/fields/" not in owner.get(f"{PREFIX}/").get_data(as_text=True)


def test_a_host_without_sites_or_asset_types_gets_neither_page_and_syncs_as_before(host, ninjaone_connect):
    """``list_sites``/``create_site`` and ``asset_types`` are optional: this host has none, so the
    sites and device types pages answer 404, nothing links to them, and every record of a sync
    carries no site and no mapped type (the class default is the asset's kind, as before)."""
    records = []
    adapter = host.app.extensions["ninjaone"].host
    original = adapter.upsert_assets

    def recording(tenant_id, batch):
        records.extend(batch)
        return original(tenant_id, batch)

    adapter.upsert_assets = recording
    try:
        with host.app.app_context():
            assert ninjaone_connect("north").mapped_organizations == 3
    finally:
        del adapter.upsert_assets
    assert records and {(record.site_id, record.host_asset_type) for record in records} == {(None, None)}
    with host.app.app_context():
        kinds = set(db.session.scalars(select(Equipment.kind).where(Equipment.workspace_id == host.north.id)))
    assert kinds <= {"workstation", "server", "network_device", "mobile", "printer", "other"}
    owner = host.sign_in("owner@north.test")
    assert owner.get(f"{PREFIX}/device-types/").status_code == 404
    assert owner.get(f"{PREFIX}/organizations/1/sites").status_code == 404  # a mapped organization
    for page in (f"{PREFIX}/organizations/", f"{PREFIX}/"):
        html = owner.get(page).get_data(as_text=True)
        assert "/device-types/" not in html and "/sites" not in html, page
