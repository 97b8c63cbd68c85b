"""Forms bound to the NinjaOne instance they were rendered for (issue 22): the instance a page shows is
chosen in the browser session, which every tab shares, so a form posts the id of the instance its page
was rendered for and the server acts on that one. A form naming no instance (while the tenant has
several), another tenant's, a retired or a made-up one is refused with a clear message and changes
nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from flask_ninjaone.forms.instance import INSTANCE_FIELD
from flask_ninjaone.models import DeliveryStatus, Device, Integration, OrganizationMapping, WebhookDelivery
from tests.support.connection_flow import PREFIX, SETTINGS, bound_to, ends_on_settings, page_text, tenant_db
from tests.support.instance_cli import ok

MAPPING = PREFIX + "/organizations/"


def _ids(app: Flask) -> dict[str, int]:
    with tenant_db(app) as session:
        return {row.name: row.id for row in session.scalars(select(Integration))}


def _mappings(app: Flask) -> dict[tuple[int, int], str | None]:
    """``(integration id, organization id) → client`` of every mapping of acme."""
    with tenant_db(app) as session:
        return {
            (row.integration_id, row.organization_id): row.host_client_id
            for row in session.scalars(select(OrganizationMapping))
        }


def _page(client: FlaskClient, url: str, instance_id: int) -> str:
    """``url`` as a tab shows it after choosing ``instance_id`` on the settings page."""
    assert client.get(SETTINGS + f"?instance={instance_id}").status_code == 200
    response = client.get(url)
    assert response.status_code == 200
    return page_text(response)


def _unmap(client: FlaskClient, organization_id: int, **bound: str):
    return client.post(MAPPING + str(organization_id), data={f"org{organization_id}-client_id": "", **bound})


def test_a_stale_tab_changes_the_instance_it_was_rendered_for(web_app, two_instances, admin):
    ids, before = _ids(web_app), _mappings(web_app)
    alpha_tab = _page(admin, MAPPING, ids["alpha"])
    assert bound_to(alpha_tab) == {INSTANCE_FIELD: str(ids["alpha"])}
    beta_tab = _page(admin, MAPPING, ids["beta"])  # another tab switches the session to beta
    assert bound_to(beta_tab) == {INSTANCE_FIELD: str(ids["beta"])}

    response = _unmap(admin, 1, **bound_to(alpha_tab))  # the alpha tab's form, posted now
    assert response.status_code == 302
    after = _mappings(web_app)
    assert after[(ids["alpha"], 1)] is None and before[(ids["alpha"], 1)] is not None
    assert after[(ids["beta"], 1)] == before[(ids["beta"], 1)] is not None
    assert {key: value for key, value in after.items() if key != (ids["alpha"], 1)} == {
        key: value for key, value in before.items() if key != (ids["alpha"], 1)
    }


def test_every_form_of_the_settings_page_names_the_instance_it_shows(web_app, two_instances, admin):
    ids = _ids(web_app)
    page = _page(admin, SETTINGS, ids["beta"])
    forms = page.count(f'<form method="post" action="{PREFIX}/')  # the host's own (log out) aside
    assert forms >= 8  # connect, sync, rotate, disconnect, rename, remove, credentials, sync settings
    assert page.count(f'name="{INSTANCE_FIELD}" value="{ids["beta"]}"') == forms
    assert f'name="{INSTANCE_FIELD}" value="{ids["alpha"]}"' not in page


def _globex_instance(app: Flask, url: str) -> int:
    with tenant_db(app, "globex") as session:
        row = Integration(base_url=url, public_id="globex-instance", name="theirs")
        session.add(row)
        session.commit()
        return row.id


@pytest.mark.parametrize("posted", ["missing", "garbage", "unknown", "foreign", "retired"])
def test_a_form_naming_no_live_instance_of_the_tenant_is_refused_and_changes_nothing(
    web_app, cli, two_instances, admin, posted
):
    ids = _ids(web_app)
    if posted == "retired":
        ok(cli("instance", "remove", "--tenant", "acme", "--instance", "beta", "--disconnect", "--yes"))
    before = _mappings(web_app)
    value = {
        "missing": None,
        "garbage": "1 OR 1=1",
        "unknown": "987654",
        "foreign": str(_globex_instance(web_app, two_instances["alpha"].url)) if posted == "foreign" else "",
        "retired": str(ids["beta"]),
    }[posted]
    bound = {} if value is None else {INSTANCE_FIELD: value}
    if posted != "retired":
        _page(admin, MAPPING, ids["beta"])
    response = _unmap(admin, 1, **bound)
    assert response.status_code == 400  # "retired": even with one live instance left, the form named another
    text = page_text(response)
    expected = (
        "does not say which NinjaOne instance" if posted == "missing" else "not one of this workspace's"
    )
    assert expected in text and "nothing was changed" in text
    assert _mappings(web_app) == before


def test_a_form_without_the_field_still_acts_on_a_tenants_only_instance(web_app, cli, two_instances, admin):
    ok(cli("instance", "remove", "--tenant", "acme", "--instance", "beta", "--disconnect", "--yes"))
    alpha = _ids(web_app)["alpha"]
    assert _unmap(admin, 1).status_code == 302  # a script written before the field existed
    assert _mappings(web_app)[(alpha, 1)] is None


def test_the_settings_buttons_act_on_the_instance_they_were_rendered_for(web_app, two_instances, admin):
    ids = _ids(web_app)
    alpha_tab = _page(admin, SETTINGS, ids["alpha"])
    _page(admin, SETTINGS, ids["beta"])
    ends_on_settings(admin.post(PREFIX + "/disconnect", data=bound_to(alpha_tab)))
    with tenant_db(web_app) as session:
        statuses = {row.name: row.status for row in session.scalars(select(Integration))}
    assert statuses == {"alpha": "disconnected", "beta": "connected"}


def test_the_inbox_replays_the_deliveries_of_the_instance_it_shows(web_app, two_instances, admin):
    ids = _ids(web_app)
    with tenant_db(web_app) as session:
        for name, activity_id in (("alpha", 880001), ("beta", 880002)):
            session.add(
                WebhookDelivery(
                    integration_id=ids[name], activity_id=activity_id, payload={"id": activity_id},
                    status=DeliveryStatus.FAILED, attempts=5, error="gave up",
                )
            )  # fmt: skip
        session.commit()
    alpha_tab = _page(admin, PREFIX + "/inbox/", ids["alpha"])
    _page(admin, PREFIX + "/inbox/", ids["beta"])  # another tab
    response = admin.post(PREFIX + "/inbox/replay", data={"include_failed": "1", **bound_to(alpha_tab)})
    assert response.status_code in (302, 303)
    with tenant_db(web_app) as session:
        after = {
            row.activity_id: (row.status, row.attempts)
            for row in session.scalars(select(WebhookDelivery).where(WebhookDelivery.activity_id >= 880001))
        }
    assert after[880002] == ("failed", 5)  # beta's stays as it was
    assert after[880001] != ("failed", 5)  # alpha's was retried


def test_the_asset_panel_forms_name_the_instance_the_panel_shows(web_app, two_instances, admin):
    ids = _ids(web_app)
    with tenant_db(web_app) as session:
        asset_id = session.scalars(
            select(Device.host_asset_id).where(
                Device.integration_id == ids["alpha"], Device.retired.is_(False)
            )
        ).first()
    _page(admin, SETTINGS, ids["beta"])  # the session shows beta; the panel is alpha's device's
    panel = page_text(admin.get(f"/assets/{asset_id}"))
    assert f'action="{PREFIX}/assets/{asset_id}/refresh"' in panel
    assert bound_to(panel) == {INSTANCE_FIELD: str(ids["alpha"])}
    refreshed = admin.post(
        PREFIX + f"/assets/{asset_id}/refresh", data=bound_to(panel), headers={"Accept": "application/json"}
    )
    assert refreshed.status_code == 202, refreshed.get_data(as_text=True)
